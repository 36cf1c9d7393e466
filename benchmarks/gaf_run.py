"""What the run benchmarks share (bench_runs.py, bench_budget.py): a dataset's built inputs, checked
once, and one GAF-student run of the run sheet's code path trained into a folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from vskd.config import validate_config
from vskd.distill.registry import get_method
from vskd.runs import RunSpec, run_config
from vskd.training.common import RunOutputs
from vskd.training.stages import train_gaf_student


@dataclass(frozen=True)
class RunInputs:
    """The effective config of a dataset and the files its runs read (split, GAF images, knowledge)."""

    eff: dict[str, Any]
    split: Path
    gaf: Path
    knowledge: Path


def run_inputs(workdir: Path, dataset: str, built: bool = True) -> RunInputs:
    """``workdir``'s config.yaml for ``dataset`` and its inputs; with ``built``, exits naming one
    that is missing (a benchmark that trains no run needs only the config)."""
    eff = validate_config(yaml.safe_load((workdir / "config.yaml").read_text()))[dataset]
    res = workdir / "results" / dataset
    inputs = RunInputs(
        eff,
        res / "splits" / f"{eff['dataset']['split']}.csv",
        res / f"gaf_{eff['gaf']['kind']}.h5",
        res / "models" / "teacher" / "knowledge.h5",
    )
    for f in (inputs.split, inputs.gaf, inputs.knowledge) if built else ():
        if not f.exists():
            raise SystemExit(f"{f} is missing: build it first (see this script's docstring)")
    return inputs


def train_run(inputs: RunInputs, method: str, seed: int, student: dict[str, Any], out: Path) -> pd.DataFrame:
    """Train one run of ``method`` (its default parameters; the trained teacher's cached knowledge
    unless CE) with ``student`` into ``out``; returns its history (its metrics.csv is in ``out``)."""
    spec = RunSpec(
        inputs.eff["name"],
        f"bench_{method}",
        seed,
        method,
        get_method(method).resolve_params({}),
        None if method == "ce" else "trained",
        student,
    )
    names = ("model.pt", "metrics.csv", "history.csv", "pc.csv", "cm.csv", "ck.pt")
    train_gaf_student(
        run_config(inputs.eff, spec),
        str(inputs.split),
        str(inputs.gaf),
        RunOutputs(*(str(out / n) for n in names)),
        knowledge_h5=str(inputs.knowledge) if spec.teacher else None,
    )
    return pd.read_csv(out / "history.csv")
