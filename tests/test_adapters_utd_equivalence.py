"""Could UTD-MHAD run on the generic adapter path (vskd.data.clips) without changing its results?
The adapter path must give the UTD path's clips in the same order, the same split files and
pixel-identical GAF images: checked on the 861 real recordings (skipped where ../shared is absent)
and on a generated folder with video. (The DAG keeps UTD's own rules: see README, Datasets.)"""
from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

from vskd.data.clips import build_clip_manifest, make_sample_split, write_sensor_gaf_h5
from vskd.data.manifest import build_manifest, make_split
from vskd.data.synthetic import SyntheticSpec, encode_avi, encode_mat, synthesize_clip
from vskd.data.utd import PROTOCOLS, ClipId
from vskd.gaf_store import write_gaf_h5

GAF = {"channels": ["acc_x", "acc_y", "acc_z"], "image_size": 64, "interpolation": "area",
       "gadf_convention": "matlab"}


def same_outputs(root, modalities, tmp_path, kinds=("gasf", "gadf")):
    utd = build_manifest(root, modalities)
    gen = build_clip_manifest(root, "utd_mhad", modalities, sensors=["imu"], cameras=["rgb"])
    assert gen.clip_id.tolist() == utd.clip_id.tolist()
    for col in ("label", "subject", "trial", "status", "inertial_path", "inertial_sha256", "n_samples"):
        assert gen[col].tolist() == utd[col].tolist(), col
    if "video" in modalities:
        assert gen.n_frames.tolist() == utd.n_frames.tolist()
        assert gen.video_path.tolist() == utd.video_path.tolist()
    for protocol in PROTOCOLS:
        pd.testing.assert_frame_equal(make_sample_split(gen, "utd_mhad", protocol), make_split(utd, protocol))
    for kind in kinds:
        write_gaf_h5(utd, tmp_path / f"utd_{kind}.h5", {**GAF, "kind": kind})
        write_sensor_gaf_h5(gen, tmp_path / f"gen_{kind}.h5", {**GAF, "kind": kind, "sensors": ["imu"]}, "utd_mhad")
        with h5py.File(tmp_path / f"utd_{kind}.h5") as a, h5py.File(tmp_path / f"gen_{kind}.h5") as b:
            np.testing.assert_array_equal(a["clip_ids"][()], b["clip_ids"][()])
            np.testing.assert_array_equal(a["labels"][()], b["labels"][()])
            np.testing.assert_array_equal(a["images"][()], b["images"][()])     # pixel-identical


def test_generated_utd_with_video(tmp_path):
    root = tmp_path / "raw"
    root.mkdir()
    for clip in (ClipId(1, 1, 1), ClipId(2, 1, 3), ClipId(10, 2, 2), ClipId(27, 3, 4)):
        frames, imu = synthesize_clip(SyntheticSpec(), clip)
        (root / f"{clip}_color.avi").write_bytes(encode_avi(frames, 15))
        (root / f"{clip}_inertial.mat").write_bytes(encode_mat(imu))
    same_outputs(root, ["video", "inertial"], tmp_path)


def test_real_utd_inertial(utd_inertial_dir, tmp_path):
    same_outputs(utd_inertial_dir, ["inertial"], tmp_path, kinds=("gasf",))
