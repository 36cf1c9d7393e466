"""A parameter sweep through the real workflow at smoke size: a KD row sweeping its weight expands
into candidates on the validation split, a selection and a selected run; the sweep table shows the
selected value beside the fixed default. Then the protocol's test rows are garbled (labels
permuted, clip ids that exist nowhere) and the selection is made again: the same bytes, i.e. the
test split is never read for selection."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from repo_paths import REPO
from workflow_runner import snakemake as run_snakemake

pytestmark = pytest.mark.e2e

SWEEP = {
    "seeds": [0, 1],
    "design_card": {"student": "kd", "baseline": "ce"},
    "runs": [
        {"name": "ce", "method": "ce", "label": "CE"},
        {"name": "kd", "method": "kd", "label": "KD", "params": {"kd": [0.5, 0.9]}},
    ],
}


def snakemake(workdir: Path, *args: str):
    files = [workdir / "config.yaml", REPO / "config" / "smoke.yaml", workdir / "sweep.yaml"]
    return run_snakemake(workdir, *args, configfiles=files, timeout=1200)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("sweep")
    shutil.copy(REPO / "config.yaml", workdir / "config.yaml")
    (workdir / "sweep.yaml").write_text(yaml.safe_dump(SWEEP))
    snakemake(workdir, "tables")
    return workdir


def test_the_sweep_selects_on_validation_and_tables_both_values(sweep):
    res = sweep / "results/utd"
    split = pd.read_csv(res / "splits/trial.csv")
    val = pd.read_csv(res / "splits/validation/trial.csv")
    assert sorted(val.clip_id) == sorted(split[split.subset == "train"].clip_id)
    held = val[val.subset == "test"]
    assert len(held) and {c.split("_")[1] for c in held.clip_id} == {"s2"}  # 1 of the 2 training subjects
    selection = pd.read_csv(res / "sweeps/kd/selection.csv")
    assert selection.candidate.tolist() == ["kd@kd=0.5", "kd@kd=0.9"] and selection.selected.sum() == 1
    assert (selection.n_seeds == 2).all()
    for name in selection.candidate:
        for seed in (0, 1):
            m = pd.read_csv(res / f"runs/{name}/seed{seed}/metrics.csv").iloc[0]
            assert m.evaluated_on == "validation" and m.n_test == len(held)
    chosen = float(selection[selection.selected].p_kd.iloc[0])
    for seed in (0, 1):
        sel = pd.read_csv(res / f"runs/kd@selected/seed{seed}/metrics.csv").iloc[0]
        default = pd.read_csv(res / f"runs/kd/seed{seed}/metrics.csv").iloc[0]
        assert sel.evaluated_on == "test" and sel.n_test == (split.subset == "test").sum()
        assert sel.p_kd == chosen and default.p_kd == 0.9
    md = (sweep / "results/tables/utd_sweep.md").read_text()
    assert "Test acc., default (%)" in md and "Test acc., selected (%)" in md and "| KD " in md
    table = pd.read_csv(sweep / "results/tables/utd_sweep.csv")
    assert table.default_value.astype(str).tolist() == ["0.9"] and table.n_seeds.tolist() == [2]
    # the sweep's runs stay out of the comparison tables
    assert set(pd.read_csv(sweep / "results/tables/utd_methods.csv").run) == {"ce", "kd"}


def test_garbled_test_rows_leave_the_selection_unchanged(sweep):
    res = sweep / "results/utd"
    split_path, selection_path = res / "splits/trial.csv", res / "sweeps/kd/selection.csv"
    before = selection_path.read_bytes()
    candidate = res / "runs/kd@kd=0.5/seed0/metrics.csv"
    made = candidate.stat().st_mtime_ns
    stat = split_path.stat()
    split = pd.read_csv(split_path)
    test = split.subset == "test"
    split.loc[test, "label"] = np.random.default_rng(0).permutation(split.loc[test, "label"].to_numpy())
    split.loc[test, "clip_id"] = [f"nowhere_{k}" for k in range(int(test.sum()))]
    split.to_csv(split_path, index=False)
    os.utime(split_path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # only the validation split is redone
    proc = snakemake(sweep, "results/utd/sweeps/kd/selection.csv", "--forcerun", "validation_split")
    assert candidate.stat().st_mtime_ns > made, proc.stderr[-2000:]  # the candidates were retrained
    assert selection_path.read_bytes() == before
