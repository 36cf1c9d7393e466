"""The real `snakemake` command on a small configuration: the whole DAG, caching, resume.

Runs in a temporary working directory (``--directory``) with the repository's Snakefile, so the
project's own results/ are never touched. Marked ``e2e`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from repo_paths import REPO, UTD_INERTIAL
from workflow_runner import TINY_UTD
from workflow_runner import snakemake as run_snakemake

pytestmark = pytest.mark.e2e

PROVENANCE = ["dataset", "data_source", "split", "seed", "config_hash", "code_version"]


def small_config() -> dict:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"] = {"utd": dict(TINY_UTD)}
    if UTD_INERTIAL.exists():
        config["datasets"]["real"] = {
            "kind": "utd_mhad",
            "source": str(UTD_INERTIAL),
            "modalities": ["inertial"],
            "split": "cross_subject",
            "student": {"epochs": 1},
        }
    config["frames"].update(height=32, width=40)
    config["gaf"]["image_size"] = 32
    config["teacher"].update(
        backbone="smallcnn",
        epochs=1,
        num_segments=2,
        crop_height=32,
        crop_width=32,
        batch_size=8,
        img_feature_dim=32,
        num_bottleneck=32,
    )
    config["student"].update(epochs=2, batch_size=8, embedding_dim=32, eval_every_epoch=True)  # curves, oracle
    config["knowledge"]["views"] = 2
    config["seeds"] = [0]
    keep = {"ce", "dask", "kd_shuffled"}
    config["runs"] = [r for r in config["runs"] if r["name"] in keep]
    return config


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args, check=check)


def planned_rules(workdir: Path, *targets: str) -> set[str]:
    """Rules a dry run would execute."""
    out = snakemake(workdir, *targets, "-n", "--quiet", "rules").stdout
    rules = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("job", "total"):
            rules.add(parts[0])
    return rules


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("dag")
    (workdir / "config.yaml").write_text(yaml.safe_dump(small_config()))
    targets = [
        "results/utd/student_metrics.csv",
        "results/utd/student_baseline_metrics.csv",
        "results/utd/teacher_metrics.csv",
        "results/utd/runs/kd_shuffled/seed0/metrics.csv",
    ]
    if UTD_INERTIAL.exists():
        targets.append("results/real/student_baseline_metrics.csv")
    snakemake(workdir, *targets)
    return workdir


def test_whole_chain_writes_metrics_with_provenance(demo):
    for name in ("teacher_metrics", "student_baseline_metrics", "student_metrics"):
        metrics = pd.read_csv(demo / "results" / "utd" / f"{name}.csv")
        assert list(metrics.columns[:2]) == ["dataset", "model"]
        for col in PROVENANCE + ["accuracy", "macro_f1"]:
            assert col in metrics.columns, (name, col)
        row = metrics.iloc[0]
        assert row.data_source == "synthetic" and row.split == "trial"
        assert 0.0 <= row.accuracy <= 1.0
    dask = pd.read_csv(demo / "results/utd/student_metrics.csv").iloc[0]
    assert dask.model == "student_dask" and dask.method == "dask" and dask.teacher == "trained"
    assert dask.teacher_mode == "cached" and dask.p_kd == 0.01 and dask.seed == 0
    same = pd.read_csv(demo / "results/utd/runs/dask/seed0/metrics.csv").iloc[0]
    assert same.equals(dask)  # the design card is a copy
    confusion = pd.read_csv(demo / "results/utd/runs/dask/seed0/confusion.csv", index_col=0)
    assert confusion.shape == (27, 27) and confusion.values.sum() == dask.n_test
    manifest = pd.read_csv(demo / "results/utd/clips.csv", keep_default_na=False)
    assert (manifest.status == "skipped").sum() == 1  # skip_clips honoured
    assert len(manifest) == 27 * 2 * 4 - 1  # a8_s1_t4 absent, as in reality
    history = pd.read_csv(demo / "results/utd/runs/dask/seed0/history.csv")
    assert {"ce", "kd", "distance", "angle", "semantic", "train_accuracy", "test_accuracy"} <= set(history.columns)
    assert "oracle_best_accuracy" in dask.index
    shuffled = pd.read_csv(demo / "results/utd/runs/kd_shuffled/seed0/metrics.csv").iloc[0]
    assert shuffled.teacher == "shuffled" and shuffled.method == "kd"
    assert (demo / "results/benchmarks/utd/models/teacher.tsv").exists()
    # a run's cost is in its metrics (no Snakemake benchmark sampling for the many short runs)
    assert dask.train_seconds > 0 and dask.peak_rss_mb > 100
    assert "epoch 1" in (demo / "results/logs/utd/models/teacher.log").read_text()


def test_sensor_branch_on_real_inertial_recordings(demo):
    if not UTD_INERTIAL.exists():
        pytest.skip(f"real data not available: {UTD_INERTIAL} is absent")
    row = pd.read_csv(demo / "results/real/student_baseline_metrics.csv").iloc[0]
    assert row.data_source == "real" and row.split == "cross_subject" and row.n_test == 430
    assert not (demo / "results/real/frames.h5").exists()


def test_second_run_does_nothing(demo):
    proc = snakemake(demo, "results/utd/student_metrics.csv")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_gaf_change_reruns_only_gaf_and_students(demo):
    config = yaml.safe_load((demo / "config.yaml").read_text())
    config["gaf"]["image_size"] = 24
    (demo / "config.yaml").write_text(yaml.safe_dump(config))
    try:
        rules = planned_rules(demo, "results/utd/student_metrics.csv", "results/utd/student_baseline_metrics.csv")
    finally:
        config["gaf"]["image_size"] = 32
        (demo / "config.yaml").write_text(yaml.safe_dump(config))
    assert rules == {"gaf_images", "train_run", "design_card"}


def planned_jobs(workdir: Path, *targets: str) -> list[str]:
    """(rule, wildcards) of every job a dry run would execute."""
    out = snakemake(workdir, *targets, "-n").stdout
    jobs, rule = [], None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith(("rule ", "localrule ")):
            rule = line.split()[1].rstrip(":")
        elif line.startswith("wildcards:") and rule:
            jobs.append(f"{rule} {line.removeprefix('wildcards:').strip()}")
    return jobs


def test_a_method_weight_reruns_its_runs_only(demo):
    """Changing a DASK weight reruns the DASK run (and the design-card copy): never the teacher,
    its knowledge cache or another method's run."""
    config = yaml.safe_load((demo / "config.yaml").read_text())
    original = yaml.safe_dump(config)
    next(r for r in config["runs"] if r["name"] == "dask")["params"] = {"angle": 2.0}
    (demo / "config.yaml").write_text(yaml.safe_dump(config))
    try:
        jobs = planned_jobs(demo, "results/utd/student_metrics.csv", "results/utd/runs/kd_shuffled/seed0/metrics.csv")
    finally:
        (demo / "config.yaml").write_text(original)
    assert sorted(jobs) == ["design_card dataset=utd, card=student", "train_run dataset=utd, run=dask, seed=0"]


def test_touching_code_without_editing_reruns_nothing(demo):
    os.utime(REPO / "vskd" / "gaf.py")
    os.utime(REPO / "workflow_scripts" / "gaf.py")
    assert planned_rules(demo, "results/utd/student_metrics.csv") == set()


def test_killed_training_resumes_to_the_same_metrics(demo, tmp_path):
    """Stop the job after the first epoch as a scheduler does (SIGTERM to the whole process group,
    e.g. preemption or a time limit); the same command resumes and ends with the same metrics."""
    (tmp_path / "config.yaml").write_text((demo / "config.yaml").read_text())
    target = "results/utd/student_baseline_metrics.csv"
    snakemake(tmp_path, "results/utd/gaf_gasf.h5", "results/utd/splits/trial.csv")
    checkpoint = tmp_path / "results/utd/checkpoints/runs/ce/seed0.pt"
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(REPO / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--configfile",
        str(tmp_path / "config.yaml"),
        "--cores",
        "2",
        target,
    ]
    env = dict(os.environ, VSKD_CHECKPOINT_EVERY_S="0")  # a checkpoint after every epoch (default: each minute)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    deadline = time.time() + 300
    while not checkpoint.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert checkpoint.exists(), "no checkpoint appeared after the first epoch"
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait()
    assert not (tmp_path / target).exists()
    snakemake(tmp_path, target)
    log = (tmp_path / "results/logs/utd/runs/ce/seed0.log").read_text()
    assert "resuming from" in log and "after epoch 1" in log
    resumed = pd.read_csv(tmp_path / target).iloc[0]
    straight = pd.read_csv(demo / target).iloc[0]
    assert resumed.accuracy == straight.accuracy
    assert resumed.final_train_loss == pytest.approx(straight.final_train_loss, rel=1e-6)
    assert not checkpoint.exists()  # removed once the run finished


def test_online_teacher_mode_runs_in_the_student_loop(demo):
    """distill.online: true (the paper's behaviour) reruns only the DASK student, reading frames
    and the teacher model instead of the knowledge cache."""
    config = yaml.safe_load((demo / "config.yaml").read_text())
    config["distill"]["online"] = True
    (demo / "config.yaml").write_text(yaml.safe_dump(config))
    try:
        target = "results/utd/student_metrics.csv"
        assert planned_rules(demo, target) == {"train_run", "design_card"}
        snakemake(demo, target)
        row = pd.read_csv(demo / target).iloc[0]
        assert row.teacher_mode == "online" and 0.0 <= row.accuracy <= 1.0
        history = pd.read_csv(demo / "results/utd/runs/dask/seed0/history.csv")
        assert history.kd.gt(0).all() and history.distance.gt(0).all()
    finally:
        config["distill"]["online"] = False
        (demo / "config.yaml").write_text(yaml.safe_dump(config))
