"""The paper's configuration, end to end on CPU (config/paper/utd.yaml + config/paper/sakdn.yaml +
config/paper_smoke.yaml): BN-Inception TRN on 8 x 224 crops of 340 x 256 JPEG frames, TSN policy
and partial BN, ImageNet checkpoints read from the paper's paths in the TSN and torchvision layouts,
DataLoader workers, the teacher run online inside the DASK student's loop, 224 px GAF, GloVe class
embeddings, SAKDN's direction, tables and the export, in one real Snakemake run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import torch
import torchvision
from repo_paths import REPO
from workflow_runner import snakemake as run_snakemake

from vskd.data.adapters import dataset_class_names
from vskd.models.backbones import build_backbone
from vskd.semantic import tokenize

pytestmark = pytest.mark.e2e

CONFIGS = [REPO / "config/paper/utd.yaml", REPO / "config/paper/sakdn.yaml", REPO / "config/paper_smoke.yaml"]
TARGETS = ("tables", "results/utd/export/student.onnx", "results/utd/student_metrics.csv")


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args, timeout=1200, check=check, configfiles=[workdir / "config.yaml", *CONFIGS])


def write_paper_files(workdir: Path) -> None:
    """Stand-ins for the files the paper config names (random values, the real layouts):
    BN-Inception as TSN/TRN distribute it (a whole model's ``module.base_model.*`` state dict with
    (1, C) BatchNorm parameters and no ``num_batches_tracked``), ResNet-18 as torchvision saves it
    (plain state dict, ImageNet classifier included), and a GloVe text file with every word of
    UTD-MHAD's class names."""
    torch.manual_seed(0)
    weights = workdir / "weights"
    weights.mkdir(parents=True, exist_ok=True)
    tsn = {}
    for k, v in build_backbone("bninception").net.state_dict().items():
        if not k.endswith("num_batches_tracked"):
            tsn[f"module.base_model.{k}"] = v.view(1, -1) if v.dim() == 1 and "_bn." in k else v
    tsn["module.new_fc.weight"] = torch.zeros(101, 1024)  # the TSN model's own classifier: ignored
    torch.save({"epoch": 80, "arch": "BNInception", "state_dict": tsn}, weights / "bn_inception_imagenet.pth")
    torch.save(torchvision.models.resnet18().state_dict(), weights / "resnet18_imagenet.pth")
    words = sorted({w for name in dataset_class_names({"kind": "utd_mhad"}) for w in tokenize(name)})
    rng = np.random.default_rng(0)
    glove = workdir / "data" / "glove.840B.300d.txt"
    glove.parent.mkdir(parents=True, exist_ok=True)
    glove.write_text("".join(w + " " + " ".join(f"{x:.5f}" for x in rng.normal(size=300)) + "\n" for w in words))


@pytest.fixture(scope="module")
def paper(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("paper")
    shutil.copy(REPO / "config.yaml", workdir / "config.yaml")
    write_paper_files(workdir)
    snakemake(workdir, *TARGETS)
    return workdir


def test_the_teacher_is_the_papers_network_on_jpeg_frames(paper):
    with h5py.File(paper / "results/utd/frames.h5") as h5:
        assert h5.attrs["storage"] == "jpeg" and (h5.attrs["height"], h5.attrs["width"]) == (256, 340)
    teacher = pd.read_csv(paper / "results/utd/models/teacher/metrics.csv").iloc[0]
    assert teacher.backbone == "bninception" and teacher.num_segments == 8 and bool(teacher.pretrained)
    state = torch.load(paper / "results/utd/models/teacher/model.pt", weights_only=True)
    cfg = state["teacher_config"]
    assert cfg["partial_bn"] and cfg["lr_policy"] == "tsn" and cfg["num_workers"] > 0
    assert (cfg["crop_height"], cfg["crop_width"]) == (224, 224)


def test_dask_ran_with_the_teacher_online_on_224_px_gaf(paper):
    dask = pd.read_csv(paper / "results/utd/runs/dask/seed0/metrics.csv").iloc[0]
    assert dask.teacher_mode == "online" and dask.image_size == 224
    assert not (paper / "results/utd/models/teacher/knowledge.h5").exists()  # online: no cache built
    with h5py.File(paper / "results/utd/gaf_gasf.h5") as h5:
        assert h5["images"].shape[-2:] == (224, 224)
    source = (paper / "results/utd/class_embeddings.json").read_text()
    assert "glove" in source and "sum" in source  # SAKDN/VSKD: GloVe vectors summed over words
    history = pd.read_csv(paper / "results/utd/runs/dask/seed0/history.csv")
    assert {"distance", "angle", "semantic", "kd"} <= set(history.columns)


def test_sakdn_direction_tables_and_export(paper):
    table = pd.read_csv(paper / "results/tables/utd_sensor_to_vision.csv")
    assert {"s2v_ce", "s2v_sakdn"} <= set(table["run"])
    shown = (paper / "results/tables/utd_sensor_to_vision.md").read_text()
    assert "nan" not in shown  # teacher rows are compared with nothing: a dash
    student = torch.load(paper / "results/utd/runs/s2v_sakdn/seed0/model.pt", weights_only=True)
    assert student["student_config"]["backbone"] == "bninception" and student["student_config"]["num_segments"] == 8
    methods = pd.read_csv(paper / "results/tables/utd_methods.csv")
    assert {"ce", "dask"} <= set(methods["run"])
    assert (paper / "results/utd/export/student.onnx").stat().st_size > 1_000_000  # ResNet-18 at 224 px


def test_a_checkpoint_that_does_not_fit_is_a_clear_weights_error(paper):
    wrong = paper / "weights" / "resnet18_imagenet.pth"
    torch.save(torchvision.models.resnet34().state_dict(), wrong)  # a user's mix-up: the wrong depth
    proc = snakemake(paper, "results/utd/runs/ce/seed0/metrics.csv", check=False)
    assert proc.returncode != 0
    log = (paper / "results/logs/utd/runs/ce/seed0.log").read_text()
    assert "WeightsError" in log and f"pretrained weights {Path('weights/resnet18_imagenet.pth')}" in log
    assert "do not fit resnet18" in log and "unexpected" in log
