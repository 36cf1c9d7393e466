"""On a GPU (``pytest -m gpu``; skipped with the reason where CUDA is absent, as in CI): the paper's
configuration end to end on CUDA, the same seed giving the same metrics twice, and bf16 autocast."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import torch
from repo_paths import REPO
from test_compute import distil
from test_paper_smoke import CONFIGS, TARGETS, write_paper_files
from workflow_runner import snakemake

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine"),
]


def test_the_same_seed_gives_the_same_history_twice_on_cuda(tmp_path):
    first, second = distil(tmp_path / "a", "fp32", "cuda"), distil(tmp_path / "b", "fp32", "cuda")
    keys = [k for k in first[0] if k != "seconds"]
    assert [[r[k] for k in keys] for r in first] == [[r[k] for k in keys] for r in second]


def test_bf16_on_cuda_ends_close_to_fp32(tmp_path):
    fp32, bf16 = distil(tmp_path, "fp32", "cuda")[-1], distil(tmp_path, "bf16", "cuda")[-1]
    assert abs(bf16["train_accuracy"] - fp32["train_accuracy"]) <= 0.1
    assert bf16["loss"] == pytest.approx(fp32["loss"], rel=0.1)


def test_the_paper_scenario_runs_on_cuda_in_bf16_and_twice_alike(tmp_path):
    workdir = tmp_path / "paper"
    workdir.mkdir()
    shutil.copy(REPO / "config.yaml", workdir / "config.yaml")
    write_paper_files(workdir)
    cuda = workdir / "cuda.yaml"
    cuda.write_text("device: cuda\n")
    files = [workdir / "config.yaml", *CONFIGS, cuda]
    snakemake(workdir, *TARGETS, configfiles=files, timeout=1800)
    first = pd.read_csv(workdir / "results/utd/runs/dask/seed0/metrics.csv")
    shutil.rmtree(workdir / "results/utd/runs/dask")
    snakemake(workdir, "results/utd/runs/dask/seed0/metrics.csv", configfiles=files, timeout=1800)
    again = pd.read_csv(workdir / "results/utd/runs/dask/seed0/metrics.csv")
    for column in ("accuracy", "macro_f1", "final_train_loss"):
        assert again[column].iloc[0] == first[column].iloc[0], column
    cuda.write_text("device: cuda\nprecision: bf16\nstudent: {precision: bf16}\n")  # runs: the student's
    snakemake(workdir, "results/utd/runs/dask/seed0/metrics.csv", configfiles=files, timeout=1800)
    bf16 = pd.read_csv(workdir / "results/utd/runs/dask/seed0/metrics.csv")
    assert bf16.config_hash.iloc[0] != first.config_hash.iloc[0]  # precision is part of the run's config
