"""The default grid's plan keeps 2 cores busy: every job fits one core, and the stages that gate
many jobs (data, teachers, knowledge) come before the runs.

A job asking for both of 2 cores waits until no 1-core job is ready (Snakemake reserves nothing for
it): on the default grid that put UTD-MHAD's synthesis, and so its whole chain, behind every run of
the other datasets. A dry run of the real Snakefile on config.yaml (no job runs).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from repo_paths import REPO
from workflow_runner import snakemake

UPSTREAM = {"synthesize", "build_manifest", "extract_frames", "gaf_images", "make_split", "train_model"}


def _planned_jobs(workdir: Path) -> list[dict[str, object]]:
    out = snakemake(workdir, "-n").stdout
    jobs: list[dict[str, object]] = []
    for line in out.splitlines():
        head = re.match(r"^(?:local)?rule (\w+):$", line)
        if head:
            jobs.append({"rule": head.group(1), "threads": 1, "priority": 0})
            continue
        prop = re.match(r"^\s+(threads|priority): (\d+)$", line)
        if prop and jobs:
            jobs[-1][prop.group(1)] = int(prop.group(2))
    return jobs


def test_default_grid_jobs_fit_one_core_and_upstream_stages_come_first(tmp_path):
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    jobs = _planned_jobs(tmp_path)
    rules = {j["rule"] for j in jobs}
    assert {"train_run", "model_knowledge"} | UPSTREAM <= rules
    wide = [j for j in jobs if j["threads"] > 1]
    assert not wide, f"jobs asking for more than one core on 2 cores: {wide}"
    runs = max(j["priority"] for j in jobs if j["rule"] == "train_run")
    for job in jobs:
        if job["rule"] in UPSTREAM | {"model_knowledge"}:
            assert job["priority"] > runs, job
