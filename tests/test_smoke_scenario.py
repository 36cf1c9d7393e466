"""The smoke scenario (config/smoke.yaml) as CI runs it: every method, ablation and control of
the run sheet through `tables` and `report_figures`, then Snakemake's report. Tiny data, 2 epochs: it checks the
plumbing (every row trains, every table and control line is written), not any accuracy."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from repo_paths import REPO
from workflow_runner import snakemake as run_snakemake

pytestmark = pytest.mark.e2e


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return run_snakemake(
        workdir, *args, timeout=1800, configfiles=[workdir / "config.yaml", REPO / "config" / "smoke.yaml"]
    )


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("smoke")
    shutil.copy(REPO / "config.yaml", workdir / "config.yaml")
    snakemake(workdir, "tables", "report_figures")
    return workdir


def test_every_row_of_the_sheet_reaches_its_table(smoke):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    smoke_cfg = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    methods = pd.read_csv(smoke / "results/tables/utd_methods.csv")
    ablation = pd.read_csv(smoke / "results/tables/utd_ablation.csv")
    students = pd.read_csv(smoke / "results/tables/utd_students.csv")
    tables = {"ablation": ablation, "students": students}
    for row in config["runs"]:
        if row.get("direction") == "sensor_to_vision":  # SAKDN's table: tests/test_sakdn_e2e.py
            continue
        table = tables.get(row.get("table"), methods)
        got = table[table.run == row["name"]]
        assert len(got) == 1, row["name"]
        assert got.n_seeds.iloc[0] == len(smoke_cfg["seeds"])
        for seed in smoke_cfg["seeds"]:
            assert (smoke / f"results/utd/runs/{row['name']}/seed{seed}/metrics.csv").exists()
    assert (methods.data_source == "synthetic").all() and (methods.split == "trial").all()
    ce = methods[methods.run == "ce"].iloc[0]
    assert ce.diff_vs_ce == 0 and ce.teacher == "none"
    assert methods[methods.run == "dask_untrained"].teacher.iloc[0] == "untrained"
    # the wearable student's DASK is paired with its own CE, that CE with the design card's
    against = dict(zip(students.run, students.compared_with))
    assert against["dask_wearable"] == "ce_wearable" and against["ce_wearable"] == "ce"


def test_tables_render_as_markdown_and_booktabs(smoke):
    md = (smoke / "results/tables/utd_methods.md").read_text()
    assert "SYNTHETIC" in md and "| CRD" in md and "Controls" in md
    assert "`dask` − `dask_shuffled`" in md and "`kd` − `kd_untrained`" in md
    tex = (smoke / "results/tables/utd_ablation.tex").read_text()
    assert r"\toprule" in tex and r"\bottomrule" in tex and "DASK w/o angle" in tex
    assert "Published" not in md  # no reference file configured, no column


def test_snakemake_report_renders_tables_and_figures(smoke):
    snakemake(smoke, "--report", "results/report.html")
    html = (smoke / "results/report.html").read_text(errors="replace")
    assert len(html) > 100_000 and "utd_methods.csv" in html
    # the front page names the datasets that ran (the smoke scenario disables berkeley and mmact)
    listed = re.search(r"Datasets of this report: ([^(]*)\(", html)
    assert listed and "utd" in listed.group(1) and "berkeley" not in listed.group(1), listed
    assert "sensor_to_vision" in html


def test_second_call_does_nothing(smoke):
    proc = snakemake(smoke, "tables", "report_figures")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_the_results_page_is_generated_from_the_run(smoke):
    shutil.copy(REPO / "README.md", smoke / "README.md")
    configs = [str(smoke / "config.yaml"), str(REPO / "config" / "smoke.yaml")]
    command = "snakemake tables report_figures --cores 2 --configfile config.yaml config/smoke.yaml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "vskd.cli",
            "publish",
            "--workdir",
            str(smoke),
            "--page",
            str(smoke / "results.md"),
            "--readme",
            str(smoke / "README.md"),
            "--command",
            command,
            "--configfile",
            *configs,
        ],
        check=True,
        capture_output=True,
    )
    page = (smoke / "results.md").read_text()
    methods = (smoke / "results/tables/utd_methods.md").read_text()
    assert f"`{command}`" in page and "**Wall time**: " in page and " cores" in page and "hash `" in page
    assert methods.split("\n", 2)[2].strip().split("\n\n")[0] in page  # the table as the workflow wrote it
    assert page.count("**Reading.**") >= 4  # methods, control, ablation, students (+ SAKDN)
    readme = (smoke / "README.md").read_text()
    assert "Cold run of `" + command in readme and "| CE (student alone)" in readme
