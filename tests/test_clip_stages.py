"""The data stages of the adapters (manifest, splits, GAF of named sensors), on
generated Berkeley/MMAct folders and on the real files in ../shared (skipped where absent)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from repo_paths import SHARED_DATA, _need

from vskd.data.adapters import get_adapter
from vskd.data.manifest import MANIFEST_COLUMNS, build_manifest, make_split, read_manifest
from vskd.data.readers import DataFileError
from vskd.data.sources import source_problem
from vskd.data.synthetic import berkeley_mhad as sb
from vskd.data.synthetic import mmact as sm
from vskd.gaf import gaf_image, series_image
from vskd.gaf_store import write_gaf_h5

GAF = {"kind": "gasf", "channels": ["acc_x", "acc_y", "acc_z"], "image_size": 32, "interpolation": "area"}


@pytest.fixture(scope="module")
def berkeley_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("bk")
    clips = [f"s{s:02d}_a{a:02d}_r01" for s in (1, 9) for a in (1, 6, 9)]
    sb.write_synthetic_berkeley(
        sb.BerkeleySpec(cameras=("cluster01_cam01",), frame_width=64, frame_height=48, glitch_rate=0.5),
        root,
        clips=clips,
    )
    return root


def test_series_image_equals_gaf_image_on_utd(utd_inertial_dir):
    rec = get_adapter("utd_mhad").read_sensor_file(utd_inertial_dir / "a5_s2_t3_inertial.mat")
    for kind, size in (("gasf", 64), ("gadf", None), ("gasf", 400)):
        np.testing.assert_array_equal(
            series_image(rec.values[:, :3].T, kind, size, "linear"),
            gaf_image(rec.values, ["acc_x", "acc_y", "acc_z"], kind, size, "linear"),
        )


def test_berkeley_manifest_split_and_fused_gaf(berkeley_root, tmp_path):
    sensors = [f"shimmer{h:02d}" for h in range(1, 7)]
    m = build_manifest(
        berkeley_root,
        "berkeley_mhad",
        ["video", "inertial"],
        sensors=sensors,
        cameras=["cluster01_cam01"],
        conditioning={"rate_hz": 30},
    )
    assert set(MANIFEST_COLUMNS) <= set(m.columns) and len(m) == 6
    assert (m.status == "ok").all() and (m.n_frames > 30).all() and (m.n_samples > 40).all()
    assert m.label.tolist() == [0, 0, 5, 5, 8, 8]
    assert m.video_path.str.endswith("R01").all() and (m.video_sha256 == "").all()
    assert (m.inertial_path == m.sensor_shimmer01).all() and (m.inertial_sha256.str.len() == 64).all()
    path = tmp_path / "clips.csv"
    m.to_csv(path, index=False)
    m = read_manifest(path)
    split = make_split(m, "berkeley_mhad", "cross_subject")
    assert split.groupby("subset").size().to_dict() == {"test": 3, "train": 3}
    n = write_gaf_h5(m, tmp_path / "gaf.h5", {**GAF, "sensors": sensors, "resample_hz": 30.0}, "berkeley_mhad")
    with h5py.File(tmp_path / "gaf.h5") as h5:
        assert n == 6 and h5["images"].shape == (6, 18, 32, 32)
        assert h5["channel_names"][0].decode() == "shimmer01.acc_x"
        assert h5.attrs["despiked_samples"] > 0  # glitch_rate 0.5 made some
        assert [c.decode() for c in h5["clip_ids"]] == m.clip_id.tolist()


def test_missing_sensor_is_an_error_or_a_skipped_row(berkeley_root, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(berkeley_root / "Accelerometer", root / "Accelerometer")
    gone = root / get_adapter("berkeley_mhad").sensor_file("s09_a06_r01", "shimmer04")
    gone.unlink()
    with pytest.raises(DataFileError, match="acc_h04_s09_a06_r01.txt is missing"):
        build_manifest(root, "berkeley_mhad", ["inertial"], sensors=["shimmer04"])
    m = build_manifest(root, "berkeley_mhad", ["inertial"], sensors=["shimmer04"], on_missing="skip")
    row = m[m.clip_id == "s09_a06_r01"].iloc[0]
    assert row.status == "skipped" and "acc_h04_s09_a06_r01.txt" in row.note
    m = build_manifest(root, "berkeley_mhad", ["inertial"], sensors=["shimmer02"], skip_clips=["s01_a01_r01"])
    assert (m.status == "skipped").sum() == 1
    (root / get_adapter("berkeley_mhad").sensor_file("s01_a06_r01", "shimmer02")).write_text("")
    with pytest.raises(DataFileError, match="acc_h02_s01_a06_r01.txt: Berkeley-MHAD accelerometer file is empty"):
        build_manifest(root, "berkeley_mhad", ["inertial"], sensors=["shimmer02"])


def test_mmact_manifest_splits_and_gaf(tmp_path):
    spec = sm.MMActSpec(subjects=20, actions=2, cameras=())
    sm.write_synthetic_mmact(spec, tmp_path / "raw", workers=1)
    m = build_manifest(tmp_path / "raw", "mmact", ["inertial"], sensors=["acc_watch", "gyro"])
    assert len(m) == 40 and (m.status == "ok").all() and {"scene", "session"} <= set(m.columns)
    for protocol, test in (
        ("cross_subject", lambda r: r.subject >= 17),
        ("cross_scene", lambda r: r.scene == 2),
        ("cross_session", lambda r: r.session == 5),
    ):
        split = make_split(m, "mmact", protocol)
        expect = ["test" if test(r) else "train" for r in m.itertuples()]
        assert split.subset.tolist() == expect and {"train", "test"} == set(expect)
    with pytest.raises(ValueError, match="splits the cameras"):
        make_split(m, "mmact", "cross_view")
    params = {
        **GAF,
        "channels": ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"],
        "sensors": ["acc_watch", "gyro"],
        "resample_hz": 50.0,
    }
    write_gaf_h5(m, tmp_path / "g.h5", params, "mmact")
    with h5py.File(tmp_path / "g.h5") as h5:
        assert h5["images"].shape == (40, 6, 32, 32)
        assert h5.attrs["backward_steps"] > 0 and h5.attrs["duplicate_timestamps"] > 0
    with pytest.raises(ValueError, match="name no channel of sensor 'orientation'"):
        write_gaf_h5(m, tmp_path / "h.h5", {**GAF, "sensors": ["orientation"]}, "mmact")


def test_mmact_label_schemes(tmp_path):
    sm.write_synthetic_mmact(sm.MMActSpec(subjects=1, actions=16, cameras=()), tmp_path)
    m = build_manifest(tmp_path, "mmact", ["inertial"], sensors=["acc_phone"])
    s = build_manifest(tmp_path, "mmact", ["inertial"], sensors=["acc_phone"], label_scheme="sakdn36")
    assert m.label.tolist() == list(range(16))
    assert s.label.tolist() == list(range(14)) + [15, 16]


def test_source_problems(tmp_path):
    inertial = ["inertial"]
    assert source_problem("berkeley_mhad", "synthetic", inertial) is None
    assert "no download source" in source_problem("mmact", "download", inertial)[1]
    assert "does not exist" in source_problem("berkeley_mhad", str(tmp_path / "nope"), inertial)[1]
    assert "holds no Berkeley-MHAD file" in source_problem("berkeley_mhad", str(tmp_path), inertial)[1]


def test_real_berkeley_manifest_and_gaf(tmp_path):
    root = _need(SHARED_DATA / "berkeley-mhad")
    m = build_manifest(root, "berkeley_mhad", ["inertial"], sensors=["shimmer02"], conditioning={"rate_hz": 30})
    assert len(m) == 658 and (m.status == "ok").all()
    split = make_split(m, "berkeley_mhad", "cross_subject")
    assert split.subset.value_counts().to_dict() == {"train": 383, "test": 275}
    part = m[m.subject.isin([1, 8]) & (m.repetition == 1)]
    write_gaf_h5(part, tmp_path / "g.h5", {**GAF, "sensors": ["shimmer02"]}, "berkeley_mhad")
    with h5py.File(tmp_path / "g.h5") as h5:
        assert h5["images"].shape == (len(part), 3, 32, 32)
