"""Bad input fails early with a message naming the file and what is wrong."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io

from vskd.data.manifest import build_manifest
from vskd.data.readers import DataFileError, read_inertial, read_video
from vskd.data.synthetic.utd_mhad import SyntheticSpec, encode_avi, synthesize_clip
from vskd.data.utd import ClipId
from vskd.frames import write_frames_h5


def test_mat_without_d_iner(tmp_path):
    path = tmp_path / "a1_s1_t1_inertial.mat"
    scipy.io.savemat(path, {"other": np.zeros((5, 6))})
    with pytest.raises(DataFileError, match=r"a1_s1_t1_inertial\.mat.*no variable 'd_iner'"):
        read_inertial(path)


def test_mat_with_wrong_shape(tmp_path):
    path = tmp_path / "a1_s1_t1_inertial.mat"
    scipy.io.savemat(path, {"d_iner": np.zeros((50, 3))})
    with pytest.raises(DataFileError, match=r"shape \(50, 3\), expected \(N>=2, 6\)"):
        read_inertial(path)


def test_garbage_mat_and_missing_file(tmp_path):
    path = tmp_path / "a1_s1_t1_inertial.mat"
    path.write_bytes(b"not a matlab file at all")
    with pytest.raises(DataFileError, match="not a readable MATLAB file"):
        read_inertial(path)
    with pytest.raises(DataFileError, match="does not exist"):
        read_inertial(tmp_path / "a2_s1_t1_inertial.mat")


@pytest.fixture(scope="module")
def real_avi_bytes() -> bytes:
    frames, _ = synthesize_clip(SyntheticSpec(), ClipId(3, 1, 1))
    return encode_avi(frames, 15)


def test_truncated_video_is_detected(tmp_path, real_avi_bytes):
    path = tmp_path / "a3_s1_t1_color.avi"
    path.write_bytes(real_avi_bytes[: len(real_avi_bytes) // 2])
    with pytest.raises(DataFileError, match=r"a3_s1_t1_color\.avi: (truncated video|no frame)"):
        read_video(path, expected_frames=40)


def test_unreadable_video(tmp_path):
    path = tmp_path / "a3_s1_t1_color.avi"
    path.write_bytes(b"\x00" * 1000)
    with pytest.raises(DataFileError, match="a3_s1_t1_color.avi"):
        read_video(path)


def test_frames_stage_leaves_no_output_on_bad_video(tmp_path, real_avi_bytes):
    good = tmp_path / "a3_s1_t1_color.avi"
    good.write_bytes(real_avi_bytes)
    bad = tmp_path / "a3_s1_t2_color.avi"
    bad.write_bytes(real_avi_bytes[: int(0.6 * len(real_avi_bytes))])  # header still claims all
    for clip in ("a3_s1_t1", "a3_s1_t2"):
        scipy.io.savemat(tmp_path / f"{clip}_inertial.mat", {"d_iner": np.ones((120, 6))})
    manifest = build_manifest(tmp_path, "utd_mhad", ["video", "inertial"])
    out = tmp_path / "frames.h5"
    out.write_bytes(b"previous result")
    params = {"height": 32, "width": 40, "storage": "raw", "compression": "lzf"}
    with pytest.raises(DataFileError, match=r"a3_s1_t2_color.avi: truncated video: decoded \d+ frames"):
        write_frames_h5(manifest, out, params, "utd_mhad")
    assert out.read_bytes() == b"previous result"  # nothing overwritten
    assert [p.name for p in tmp_path.glob(".frames.h5*")] == []  # no temporary left behind


def test_missing_modality_names_the_file(tmp_path):
    scipy.io.savemat(tmp_path / "a5_s2_t1_inertial.mat", {"d_iner": np.ones((120, 6))})
    with pytest.raises(DataFileError, match=r"a5_s2_t1_color\.avi is missing"):
        build_manifest(tmp_path, "utd_mhad", ["video", "inertial"])
    manifest = build_manifest(tmp_path, "utd_mhad", ["video", "inertial"], skip_clips=["a5_s2_t1"])
    assert manifest.status.tolist() == ["skipped"]


def test_a_mat_declaring_a_huge_array_is_refused_before_inflating(tmp_path, monkeypatch):
    import scipy.io

    from vskd.data import readers

    path = tmp_path / "a1_s1_t1_inertial.mat"
    scipy.io.savemat(path, {"d_iner": np.zeros((50_000, 6))}, do_compression=True)  # a few KB on disk
    monkeypatch.setattr(readers, "MAX_FILE_VALUES", 100_000)
    with pytest.raises(readers.DataFileError, match=r"a1_s1_t1_inertial\.mat: 'd_iner' declares \(50000, 6\)"):
        readers.read_inertial(path)
