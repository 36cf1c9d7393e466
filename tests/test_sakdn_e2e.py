"""The sensor_to_vision direction (SAKDN) through the real `snakemake` on a tiny synthetic UTD-MHAD:
per-sensor GAF -> sensor teachers -> SPAMFM teacher -> video students (CE, KD best/fused, SAKDN) ->
late fusion -> table; a second call has nothing to do; a late-fusion setting reruns only what reads it.

Config: config.yaml with config/smoke.yaml's overrides (2 subjects x 4 trials, 1 epoch), UTD only.
Targets come before --configfile on the command line. Marked ``e2e`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from repo_paths import REPO
from workflow_runner import snakemake as run_snakemake

from vskd.config import deep_merge

pytestmark = pytest.mark.e2e

TABLE = "results/tables/utd_sensor_to_vision.csv"


def smoke_config() -> dict:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    smoke = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    config = deep_merge(config, smoke)
    config["datasets"] = {"utd": deep_merge(config["datasets"]["utd"], smoke["datasets"]["utd"])}
    config["seeds"] = [0, 1]
    config["teacher"].update(num_segments=3, crop_height=32, crop_width=32)
    config["sakdn"]["teacher"].update(epochs=1, embedding_dim=16)
    config["sakdn"]["fusion"].update(epochs=1)
    config["sakdn"]["video_student"] = {"backbone": "smallcnn", "epochs": 1}
    return config


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args, timeout=1800)


@pytest.fixture(scope="module")
def s2v_workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("s2v")
    (workdir / "config.yaml").write_text(yaml.safe_dump(smoke_config()))
    snakemake(workdir, TABLE, TABLE.replace(".csv", "_per_class.csv"))
    return workdir


def test_table_has_teachers_students_and_late_fusion(s2v_workdir):
    table = pd.read_csv(s2v_workdir / TABLE)
    runs = list(table.run)
    assert runs[:5] == ["teacher_acc", "teacher_gyro", "fused_teacher", "fused_branch_acc", "fused_branch_gyro"]
    assert runs[5:] == ["s2v_ce", "s2v_kd_best", "s2v_kd_fused", "s2v_sakdn", "late_fusion"]
    students = table[table.group == "video student"]
    assert (students.n_seeds == 2).all() and (students.data_source == "synthetic").all()
    assert table.set_index("run").loc["s2v_kd_fused", "teacher"] == "fused"
    assert table.set_index("run").loc["s2v_kd_best", "teacher"] in ("acc", "gyro")
    md = (s2v_workdir / TABLE.replace(".csv", ".md")).read_text()
    assert "Do the sensor teachers help the video student?" in md
    assert (s2v_workdir / TABLE.replace(".csv", ".tex")).read_text().startswith(r"\begin{table}")
    per_class = pd.read_csv(s2v_workdir / TABLE.replace(".csv", "_per_class.csv"))
    assert {"f1_teacher_acc", "f1_fused_teacher", "f1_s2v_sakdn", "gate_acc", "gate_gyro"} <= set(per_class.columns)
    assert len(per_class) == 27


def test_reverse_runs_record_direction_and_losses(s2v_workdir):
    run = s2v_workdir / "results/utd/runs/s2v_sakdn/seed0"
    metrics = pd.read_csv(run / "metrics.csv").iloc[0]
    assert metrics.direction == "sensor_to_vision" and metrics.method == "sakdn"
    history = pd.read_csv(run / "history.csv")
    assert {"ce", "kd", "gsdm", "semantic"} <= set(history.columns)
    for sensor in ("acc", "gyro"):
        assert (s2v_workdir / f"results/utd/models/sensor_{sensor}/knowledge.h5").is_file()
        assert (s2v_workdir / f"results/utd/models/spamfm/knowledge_{sensor}.h5").is_file()
    weights = pd.read_csv(s2v_workdir / "results/utd/models/spamfm/gates.csv")
    assert set(weights.sensor) == {"acc", "gyro"} and weights.mean_gate.between(0, 3).all()


def test_rerun_is_a_noop_and_late_fusion_setting_reruns_only_its_consumers(s2v_workdir):
    out = snakemake(s2v_workdir, TABLE, "-n", "--quiet", "rules").stdout
    assert "Nothing to be done" in out or "total" not in out
    config = yaml.safe_load((s2v_workdir / "config.yaml").read_text())
    config["sakdn"]["late_fusion"] = "softmax"
    (s2v_workdir / "config.yaml").write_text(yaml.safe_dump(config))
    out = snakemake(s2v_workdir, TABLE, "-n", "--quiet", "rules").stdout
    planned = {
        line.split()[0]
        for line in out.splitlines()
        if len(line.split()) == 2 and line.split()[1].isdigit() and line.split()[0] not in ("job", "total")
    }
    assert planned == {"late_fusion", "table"}
