"""Video of the adapter datasets: frames.h5 per (clip, camera) sample, sample keys shared by the
splits and GAF rows, MMAct cross_view per sample, and its refusals (vskd.data.manifest,
vskd.frames). Small generated folders, a few seconds."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from vskd.config import ConfigError, check_source, protocol_problem
from vskd.data.adapters import get_adapter
from vskd.data.manifest import build_manifest, clip_of_sample, make_split, manifest_samples
from vskd.data.synthetic import berkeley_mhad as sb
from vskd.data.synthetic import mmact as sm
from vskd.frames import FrameStore, write_frames_h5
from vskd.gaf_store import GafStore, write_gaf_h5

GAF = {"kind": "gasf", "channels": ["acc_x", "acc_y", "acc_z"], "image_size": 16, "interpolation": "area"}
FRAMES = {"height": 24, "width": 32, "storage": "raw", "compression": "none", "jpeg_quality": 90}
BK_CAMS = ("cluster01_cam01", "cluster03_cam02")
MM_CAMS = ("cam1", "cam2", "cam3", "cam4")


@pytest.fixture(scope="module")
def berkeley_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("bkv")
    clips = ["s01_a01_r01", "s09_a05_r01", "s05_a02_r05"]  # the last lacks clusters 03-04
    sb.write_synthetic_berkeley(sb.BerkeleySpec(cameras=BK_CAMS, frame_width=64, frame_height=48), root, clips=clips)
    return root


@pytest.fixture(scope="module")
def mmact_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("mmv")
    spec = sm.MMActSpec(subjects=2, actions=2, cameras=MM_CAMS, frame_width=64, frame_height=48, fps=10)
    sm.write_synthetic_mmact(spec, root)
    return root


def test_berkeley_one_camera_is_keyed_by_clip(berkeley_root, tmp_path):
    m = build_manifest(
        berkeley_root, "berkeley_mhad", ["video", "inertial"], cameras=["cluster01_cam01"], conditioning={"rate_hz": 30}
    )
    assert [k for k, _, _ in manifest_samples(m, "berkeley_mhad")] == m.clip_id.tolist()
    total = write_frames_h5(m, tmp_path / "frames.h5", FRAMES, "berkeley_mhad")
    assert total == m.n_frames.sum()
    store = FrameStore(tmp_path / "frames.h5")
    assert set(store.lengths) == set(m.clip_id) and set(store.mapped) == set(m.clip_id)  # mapped reads
    clip = "s09_a05_r01"
    full = get_adapter("berkeley_mhad").read_video(m.set_index("clip_id").video_path[clip], size=(32, 24))
    np.testing.assert_array_equal(store.read(clip, [3, 0, 3]), full[[3, 0, 3]])  # demosaiced frames
    with h5py.File(tmp_path / "frames.h5") as h5:
        assert h5.attrs["keying"] == "clip" and h5["clips"][clip].attrs["camera"] == "cluster01_cam01"
    split = make_split(m, "berkeley_mhad", "cross_subject")
    assert split.clip_id.tolist() == m.clip_id.tolist()


@pytest.mark.parametrize("storage,compression", [("raw", "lzf"), ("jpeg", "none")])
def test_berkeley_cameras_are_samples(berkeley_root, tmp_path, storage, compression):
    m = build_manifest(
        berkeley_root,
        "berkeley_mhad",
        ["video", "inertial"],
        cameras=list(BK_CAMS),
        on_missing="skip",
        conditioning={"rate_hz": 30},
    )
    assert m.set_index("clip_id").status.to_dict()["s05_a02_r05"] == "skipped"  # no cluster 03 camera
    keys = [k for k, _, _ in manifest_samples(m, "berkeley_mhad")]
    assert keys == [f"{c}@{cam}" for c in ("s01_a01_r01", "s09_a05_r01") for cam in BK_CAMS]
    assert clip_of_sample(keys[1]) == ("s01_a01_r01", "cluster03_cam02")
    split = make_split(m, "berkeley_mhad", "cross_subject")
    assert split.clip_id.tolist() == keys and split.subset.tolist() == ["train"] * 2 + ["test"] * 2
    write_frames_h5(
        m, tmp_path / "frames.h5", {**FRAMES, "storage": storage, "compression": compression}, "berkeley_mhad"
    )
    store = FrameStore(tmp_path / "frames.h5")
    assert set(store.lengths) == set(keys) and not store.mapped
    a, b = (store.read(k, [0]) for k in keys[:2])
    assert a.shape == (1, 24, 32, 3) and not np.array_equal(a, b)  # two views of one clip
    n = write_gaf_h5(m, tmp_path / "gaf.h5", {**GAF, "resample_hz": 30.0}, "berkeley_mhad")
    gaf = GafStore(tmp_path / "gaf.h5")
    assert n == 4 and set(gaf.index) == set(keys)
    np.testing.assert_array_equal(gaf[keys[0]], gaf[keys[1]])  # the clip's sensors, per view
    assert not np.array_equal(gaf[keys[0]], gaf[keys[2]])


def test_mmact_cross_view_per_camera(mmact_root, tmp_path):
    m = build_manifest(mmact_root, "mmact", ["video", "inertial"], cameras=list(MM_CAMS), conditioning={"rate_hz": 50})
    split = make_split(m, "mmact", "cross_view")
    assert len(split) == 4 * len(m)
    cams = [clip_of_sample(k)[1] for k in split.clip_id]
    assert [s for s, c in zip(split.subset, cams) if c == "cam4"] == ["test"] * len(m)
    assert (split.subset[[c != "cam4" for c in cams]] == "train").all()
    write_frames_h5(m, tmp_path / "frames.h5", FRAMES, "mmact")
    store = FrameStore(tmp_path / "frames.h5")
    assert set(store.mapped) == set(split.clip_id)
    clip = m.clip_id.iloc[0]
    full = get_adapter("mmact").read_video(m.set_index("clip_id").video_cam4[clip], size=(32, 24))
    np.testing.assert_array_equal(store.read(f"{clip}@cam4", [1]), full[[1]])
    # the clip-level protocols are per sample too once there are several cameras
    xs = make_split(m, "mmact", "cross_subject")
    assert xs.clip_id.tolist() == split.clip_id.tolist() and set(xs.subset) == {"train"}


def test_cross_view_refusals(mmact_root):
    one = build_manifest(mmact_root, "mmact", ["video", "inertial"], cameras=["cam4"])
    with pytest.raises(ValueError, match="needs modalities \\[video, inertial\\] and several cameras"):
        make_split(one, "mmact", "cross_view")
    train_only = build_manifest(mmact_root, "mmact", ["video", "inertial"], cameras=["cam1", "cam2"])
    with pytest.raises(ValueError, match="give no test sample"):
        make_split(train_only, "mmact", "cross_view")
    sensors = build_manifest(mmact_root, "mmact", ["inertial"])
    with pytest.raises(ValueError, match="no camera"):
        make_split(sensors, "mmact", "cross_view")
    base = {"kind": "mmact", "source": "synthetic", "split": "cross_view"}
    assert "several cameras" in protocol_problem({**base, "modalities": ["inertial"]})
    assert "several cameras" in protocol_problem({**base, "modalities": ["video", "inertial"], "cameras": ["cam4"]})
    assert protocol_problem({**base, "modalities": ["video", "inertial"], "cameras": list(MM_CAMS)}) is None
    with pytest.raises(ConfigError, match="datasets.bk.split: Berkeley-MHAD has no protocol 'cross_view'"):
        check_source("bk", {**base, "kind": "berkeley_mhad", "modalities": ["inertial"]})
