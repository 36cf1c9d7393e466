"""The data stages of the synthetic Berkeley-MHAD and MMAct through the real `snakemake` command
(small subsets), and config validation of their entries. Marked e2e (about a minute on 2 cores)."""

from __future__ import annotations

import h5py
import pandas as pd
import pytest
import yaml
from repo_paths import REPO
from workflow_runner import snakemake

from vskd.config import ConfigError, validate_config

pytestmark = pytest.mark.e2e


def small_config() -> dict:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"] = {
        "berkeley": {
            **config["datasets"]["berkeley"],
            "modalities": ["inertial"],  # sensor side only
            "synthetic": {"seed": 0, "subjects": 9, "repetitions": 1, "cameras": []},
            "sensors": ["shimmer01", "shimmer02"],
        },
        "mmact": {
            **config["datasets"]["mmact"],
            "split": "cross_scene",
            "modalities": ["inertial"],
            "synthetic": {"seed": 0, "subjects": 18, "actions": 3, "cameras": []},
        },
    }
    config["gaf"]["image_size"] = 32
    # rows of the sheet tied to other datasets (e.g. `datasets: [utd]`) would name unknown ones
    config["runs"] = [r for r in config["runs"] if set(r.get("datasets", [])) <= set(config["datasets"])]
    return config


def test_berkeley_and_mmact_data_stages(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(small_config()))
    targets = [
        "results/berkeley/gaf_gasf.h5",
        "results/berkeley/splits/cross_subject.csv",
        "results/mmact/gaf_gasf.h5",
        "results/mmact/splits/cross_scene.csv",
        "results/mmact/class_embeddings.npy",
    ]
    snakemake(tmp_path, *targets, timeout=900)
    res = tmp_path / "results"
    bk = pd.read_csv(res / "berkeley" / "clips.csv")
    assert len(bk) == 99 and {"sensor_shimmer01", "sensor_shimmer02", "repetition"} <= set(bk.columns)
    split = pd.read_csv(res / "berkeley" / "splits" / "cross_subject.csv")
    assert split.subset.value_counts().to_dict() == {"train": 77, "test": 22}
    with h5py.File(res / "berkeley" / "gaf_gasf.h5") as h5:
        assert h5["images"].shape == (99, 6, 32, 32)
    mm = pd.read_csv(res / "mmact" / "splits" / "cross_scene.csv")
    clips = pd.read_csv(res / "mmact" / "clips.csv")
    assert len(mm) == 54 and (mm.subset == "test").sum() == (clips.scene == 2).sum() > 0
    import numpy as np

    assert np.load(res / "mmact" / "class_embeddings.npy").shape[0] == 35
    again = snakemake(tmp_path, *targets, "-n", "--quiet", timeout=300)
    assert "Nothing to be done" in again.stdout + again.stderr


def test_adapter_entries_are_validated(tmp_path):
    config = small_config()
    config["datasets"]["berkeley"]["source"] = str(tmp_path)
    with pytest.raises(ConfigError, match="datasets.berkeley.source: .* holds no Berkeley-MHAD file"):
        validate_config(config)
    config = small_config()
    config["datasets"]["mmact"].update(source="download", download={})
    with pytest.raises(ConfigError, match="MMAct has no download source"):
        validate_config(config)
