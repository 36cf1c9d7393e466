"""UTD-MHAD through the one adapter path gives the outputs of the retired UTD-only path.

The fingerprints below were computed with the UTD-only rules and functions before they were
removed (commit acd6195): clips, split files, GAF images and frames of a small embedded synthetic
UTD-MHAD built by the real `snakemake` data stages, and the splits and GAF images of the 861 real
recordings in ../shared (skipped where it is absent). Equal fingerprints mean the design-card
numbers of the default config cannot have moved through the data stages.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from repo_paths import REPO
from workflow_runner import TINY_UTD, snakemake

from vskd.data.manifest import build_manifest, make_split
from vskd.gaf_store import write_gaf_h5

CLIP_COLUMNS = ["clip_id", "label", "subject", "trial", "status", "n_frames", "n_samples"]
SYNTHETIC = {
    "clips": "452d497a6ebc7b34",
    "split_trial": "85ebc03ff884b12f",
    "split_cross_subject": "c7daffb015fe8bd6",
    "gaf": "5658c9dbd68ed8f1",
    "frames": "8461e173a647be32",
}
REAL = {
    "trial": "a28b68ba42ed84c9",
    "cross_subject": "5693dc0a0e35f557",
    "gasf": "3a0a4749053f34df",
    "gadf": "9ab9f27c80db0b91",
}
SIX = ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _gaf_sha(path: Path) -> str:
    with h5py.File(path, "r") as h5:
        return _sha(h5["clip_ids"][()].tobytes() + np.ascontiguousarray(h5["images"][()]).tobytes())


def data_fingerprints(folder: Path) -> dict[str, str]:
    out = {"clips": _sha(pd.read_csv(folder / "clips.csv")[CLIP_COLUMNS].to_csv(index=False).encode())}
    for protocol in ("trial", "cross_subject"):
        split = pd.read_csv(folder / "splits" / f"{protocol}.csv")[["clip_id", "label", "subset"]]
        out[f"split_{protocol}"] = _sha(split.to_csv(index=False).encode())
    out["gaf"] = _gaf_sha(folder / "gaf_gasf.h5")
    with h5py.File(folder / "frames.h5", "r") as h5:
        digest = hashlib.sha256()
        for key in sorted(h5["clips"]):
            digest.update(key.encode() + np.ascontiguousarray(h5["clips"][key][()]).tobytes())
        out["frames"] = digest.hexdigest()[:16]
    return out


@pytest.mark.e2e
def test_synthetic_utd_data_stages_match_the_retired_path(tmp_path):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"] = {"utd": dict(TINY_UTD)}
    config["runs"] = [r for r in config["runs"] if r["name"] in ("ce", "dask")]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    snakemake(tmp_path, "data_all")
    assert data_fingerprints(tmp_path / "results" / "utd") == SYNTHETIC


def test_real_utd_splits_and_images_match_the_retired_path(utd_inertial_dir, tmp_path):
    manifest = build_manifest(utd_inertial_dir, "utd_mhad", ["inertial"])
    for protocol in ("trial", "cross_subject"):
        assert _sha(make_split(manifest, "utd_mhad", protocol).to_csv(index=False).encode()) == REAL[protocol]
    for kind in ("gasf", "gadf"):
        params = {"channels": SIX, "image_size": 32, "interpolation": "area", "gadf_convention": "matlab", "kind": kind}
        write_gaf_h5(manifest, tmp_path / f"{kind}.h5", params, "utd_mhad")
        assert _gaf_sha(tmp_path / f"{kind}.h5") == REAL[kind]
