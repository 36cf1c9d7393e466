"""Paths of the report's figures and of the files each figure reads (used by rules/report.smk).

Kept out of the rules file (the Snakemake linter wants rule files free of functions) and free of
Snakemake objects, so the paths are testable: callers pass the run sheet as ``runs_of(dataset,
name)`` (the helper of rules/common.smk) and whether a dataset has video (a teacher).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

#: the design-card runs compared with the teacher in the confusion and per-class F1 figures,
#: in drawing order (after the teacher)
RUN_ROLES = ("baseline", "student")


def figure_dir(results: str, dataset: str) -> str:
    return f"{results}/figures/{dataset}"


def run_names(runs_of: Callable[..., Sequence[Any]], dataset: str, sheet: Sequence[dict[str, Any]]) -> list[str]:
    """Names of the run-sheet rows (``config["runs"]``) that run on a dataset, in sheet order."""
    return [row["name"] for row in sheet if runs_of(dataset, row["name"])]


def figure_paths(results: str, dataset: str, runs: Sequence[str], teacher: bool) -> list[str]:
    """Every figure of one dataset: the curves of each run (and of the teacher when the dataset
    has one), the confusion matrices, the per-class F1 bars and the GAF example grid."""
    d = figure_dir(results, dataset)
    out = [f"{d}/curves/{run}.svg" for run in runs]
    if teacher:
        out.append(f"{d}/curves_teacher.svg")
    if runs:
        out += [f"{d}/confusion.png", f"{d}/per_class_f1.svg"]
    out.append(f"{d}/gaf_examples.png")
    return out


def design_card_files(
    results: str,
    dataset: str,
    filename: str,
    design_card: dict[str, str],
    seed: int,
    runs_of: Callable[..., Sequence[Any]],
    teacher: bool,
    all_seeds: bool = False,
) -> dict[str, list[str]]:
    """``filename`` (confusion.csv, per_class.csv) of the teacher, the CE run and the DASK run
    (``design_card`` roles baseline / student) at the design-card ``seed``, or over every seed of
    the runs with ``all_seeds``. A model the dataset lacks gets an empty list."""
    out: dict[str, list[str]] = {"teacher": [f"{results}/{dataset}/models/teacher/{filename}"] if teacher else []}
    for role in RUN_ROLES:
        specs = runs_of(dataset, design_card[role])
        if not all_seeds:
            specs = [s for s in specs if s.seed == seed]
        out[role] = [f"{s.folder}/{filename}" for s in specs]
    return out


def design_card_labels(
    dataset: str, design_card: dict[str, str], runs_of: Callable[..., Sequence[Any]]
) -> dict[str, str]:
    """Legend names of the compared models: the run sheet's labels of the CE and DASK rows."""
    out = {"teacher": "teacher (video)"}
    for role in RUN_ROLES:
        specs = runs_of(dataset, design_card[role])
        out[role] = specs[0].label if specs else design_card[role]
    return out
