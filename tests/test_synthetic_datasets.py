"""The synthetic Berkeley-MHAD and MMAct generators write the real formats: a generated clip
round-trips through the adapters' readers (real PGM, MP4 and CSV files in a temporary folder)."""

from __future__ import annotations

import numpy as np
import pytest

from vskd.data.adapters import Recording, get_adapter
from vskd.data.conditioning import Conditioning, condition, sort_and_dedupe
from vskd.data.synthetic import berkeley_mhad as sb
from vskd.data.synthetic import mmact as sm


@pytest.fixture(scope="module")
def berkeley(tmp_path_factory):
    root = tmp_path_factory.mktemp("berkeley")
    spec = sb.BerkeleySpec(
        cameras=("cluster01_cam01", "cluster03_cam01"), frame_width=64, frame_height=48, glitch_rate=0.0
    )
    clips = ["s01_a02_r01", "s05_a02_r05", "s08_a09_r02"]
    sb.write_synthetic_berkeley(spec, root, clips=clips)
    return spec, root, clips


def test_berkeley_clip_round_trips(berkeley):
    spec, root, clips = berkeley
    b = get_adapter("berkeley_mhad")
    found = b.scan(root)
    assert sorted(found) == sorted(clips)
    # s05_a02_r05 has no cluster 03-04 frames in the real release, nor here
    assert ("video", "cluster03_cam01") not in found["s05_a02_r05"]
    assert len(found["s01_a02_r01"]) == 6 + 2
    truth = sb.synthesize_clip(spec, "s01_a02_r01")
    for sensor, table in truth["acc"].items():
        rec = b.read_sensor_file(found["s01_a02_r01"][("sensor", sensor)], sensor)
        np.testing.assert_allclose(rec.values, table[:, :3], atol=6e-7)
        np.testing.assert_allclose(rec.times, table[:, 3], atol=6e-7)
        assert np.all(np.diff(rec.times) > 0) and np.abs(rec.values).max() <= 2.0
        out, rep = condition(rec, Conditioning(rate_hz=30.0), b.spec(sensor))
        assert rep.spikes == 0 and 15 < rep.rate_in_hz < 35  # ~30 Hz less lost runs
    for cam in ("cluster01_cam01", "cluster03_cam01"):
        folder = found["s01_a02_r01"][("video", cam)]
        frames = b.read_video(folder)
        assert frames.shape == truth["frames"][cam].shape
        assert b.video_frame_count(folder) == len(frames)
        # demosaicing loses some detail at edges, not the picture
        diff = np.abs(frames.astype(int) - truth["frames"][cam].astype(int))[:, 2:-2, 2:-2]
        assert diff.mean() < 6
    times = b.read_frame_times(root / b.timestamps_file("s01_a02_r01"))
    assert len(times) == len(b.read_video(found["s01_a02_r01"][("video", "cluster01_cam01")]))
    assert 18 < 1 / np.median(np.diff(times)) < 26
    # the cameras see the same motion from different sides
    a, c = (truth["frames"][k].astype(float).mean(-1) for k in ("cluster01_cam01", "cluster03_cam01"))
    assert np.abs(a - c).mean() > 3


def test_berkeley_glitches_are_the_real_fault(tmp_path):
    spec = sb.BerkeleySpec(cameras=(), glitch_rate=1.0)
    clip = sb.synthesize_clip(spec, "s02_a01_r01")
    b = get_adapter("berkeley_mhad")
    for sensor, table in clip["acc"].items():
        assert (np.abs(table[:, :3]) > 2.1).any(axis=1).sum() == 1
        # the range rule drops the corrupt packet, nothing else
        r = Recording(sensor, ("acc_x", "acc_y", "acc_z"), table[:, :3], table[:, 3], 30.0, "x")
        out, rep = condition(r, Conditioning(rate_hz=30.0), b.spec(sensor))
        assert rep.spikes == 1 and np.abs(out).max() <= 2.0


def test_berkeley_actions_differ_at_the_wrists():
    """Waving one hand moves the right wrist sensor, not the left; clapping moves both."""
    spec = sb.BerkeleySpec(cameras=())

    def energy(clip, sensor):
        v = sb.synthesize_clip(spec, clip)["acc"][sensor][:, :3]
        return float(np.std(v, axis=0).sum())

    assert energy("s01_a06_r01", "shimmer02") > 2 * energy("s01_a06_r01", "shimmer01")
    assert energy("s01_a07_r01", "shimmer01") > 0.1


@pytest.fixture(scope="module")
def mmact(tmp_path_factory):
    root = tmp_path_factory.mktemp("mmact")
    spec = sm.MMActSpec(subjects=2, actions=3, cameras=("cam1", "cam4"), frame_width=64, frame_height=48, fps=15)
    sm.write_synthetic_mmact(spec, root)
    return spec, root


def test_mmact_clip_round_trips(mmact):
    spec, root = mmact
    m = get_adapter("mmact")
    found = m.scan(root)
    assert sorted(found) == sorted(sm.design(spec)) and len(found) == 6
    clip = sorted(found)[0]
    truth = sm.synthesize_clip(spec, clip)
    whole_seconds = 0
    for sensor, (t, values) in truth["sensors"].items():
        path = found[clip][("sensor", sensor)]
        rec = m.read_sensor_file(path, sensor)
        assert rec.channels == m.spec(sensor).channels
        st, sv, back, dups = sort_and_dedupe(rec.times, rec.values)
        assert back >= 1 and dups >= 1  # the real files' faults
        np.testing.assert_allclose(rec.values, values, rtol=2e-6, atol=1e-6)
        st0 = truth["start"]
        offset = st0.hour * 3600 + st0.minute * 60 + st0.second + st0.microsecond / 1e6
        # every logged time is a true sample time (swapped or repeated, never invented)
        grid = np.round(t, 3)
        nearest = grid[np.clip(np.searchsorted(grid, rec.times - offset - 1e-6), 0, len(grid) - 1)]
        assert np.all(np.abs(rec.times - offset - nearest) < 1e-6)
        out, rep = condition(rec, Conditioning(), m.spec(sensor))
        assert rep.reordered == back and rep.n_out >= 2
        whole_seconds += sum(1 for ln in path.read_text().splitlines() if "." not in ln.split(",")[0])
    assert whole_seconds >= 1  # rows without the fraction exist
    acc = m.read_sensor_file(found[clip][("sensor", "acc_phone")], "acc_phone").values
    assert 7 < np.median(np.linalg.norm(acc, axis=1)) < 13  # m/s^2 with gravity
    for cam in ("cam1", "cam4"):
        frames = m.read_video(found[clip][("video", cam)])
        assert frames.shape == truth["frames"][cam].shape
        assert np.abs(frames.astype(int) - truth["frames"][cam].astype(int)).mean() < 8


def test_mmact_design_covers_every_protocol():
    m = get_adapter("mmact")
    clips = sm.design(sm.MMActSpec())
    assert len(clips) == 700 and len(set(clips)) == 700
    for protocol in ("cross_subject", "cross_scene", "cross_session"):
        subsets = {m.subset_of(c, protocol) for c in clips}
        assert subsets == {"train", "test"}
    assert {m.subset_of(clips[0], "cross_view", cam) for cam in m.cameras} == {"train", "test"}
