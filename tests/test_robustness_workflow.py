"""Robustness through the real `snakemake` command (issue 11), on tiny datasets (seconds each):
a killed data stage leaves no temporary behind after the rerun; an in-place edit of a raw file
reruns the manifest (local source) or fails naming the file (unpacked copy); a failing script's
traceback lands in the rule's log; `snakemake -n` runs on a bare checkout without ../shared.

Marked ``e2e``: run with ``pytest -m e2e -k robustness``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import scipy.io
import yaml
from repo_paths import REPO
from workflow_runner import snakemake as run_snakemake

from vskd.atomic import temp_owner

pytestmark = pytest.mark.e2e

CLIPS = [f"a{a}_s{s}_t{t}" for a in (1, 2) for s in (1, 2) for t in (1, 3)]


def write_config(workdir: Path, datasets: dict) -> None:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"] = datasets
    # rows tied to a dataset by name (the SAKDN demo rows name utd) go with it
    config["runs"] = [r for r in config["runs"] if set(r.get("datasets", [])) <= set(datasets)]
    config["frames"].update(height=32, width=40)
    config["gaf"]["image_size"] = 16
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args, cores=1, timeout=600, check=check)


def write_mat(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    scipy.io.savemat(path, {"d_iner": np.cumsum(rng.normal(size=(100, 6)), axis=0)})


def inertial_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for i, clip in enumerate(CLIPS):
        write_mat(folder / f"{clip}_inertial.mat", i)
    return folder


def inertial_entry(source: Path) -> dict:
    return {"kind": "utd_mhad", "source": str(source), "modalities": ["inertial"], "split": "trial"}


def gaf_of(h5_path: Path, clip: str) -> np.ndarray:
    with h5py.File(h5_path, "r") as h5:
        ids = [c.decode() for c in h5["clip_ids"][()]]
        return h5["images"][ids.index(clip)]


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if temp_owner(p.name) is not None]


def test_in_place_edit_of_a_local_source_file_reruns_the_manifest(tmp_path):
    source = inertial_dataset(tmp_path / "mydata" / "Inertial")
    write_config(tmp_path, {"loc": inertial_entry(source)})
    target = "results/loc/gaf_gasf.h5"
    snakemake(tmp_path, target)
    before = gaf_of(tmp_path / target, "a2_s1_t3")
    write_mat(source / "a2_s1_t3_inertial.mat", 1234)  # edited in place
    proc = snakemake(tmp_path, target)
    assert "build_manifest" in proc.stderr and "gaf_images" in proc.stderr
    assert not np.array_equal(gaf_of(tmp_path / target, "a2_s1_t3"), before)
    assert "Nothing to be done" in (snakemake(tmp_path, target).stderr)


def test_edit_of_an_unpacked_file_fails_naming_it_until_the_folder_is_unpacked_again(tmp_path):
    files = inertial_dataset(tmp_path / "files")
    (tmp_path / "archives").mkdir()
    with zipfile.ZipFile(tmp_path / "archives" / "Inertial.zip", "w") as zf:
        for p in sorted(files.iterdir()):
            zf.write(p, f"Inertial/{p.name}")
    write_config(tmp_path, {"arc": inertial_entry(tmp_path / "archives")})
    target = "results/arc/gaf_gasf.h5"
    snakemake(tmp_path, target)
    original = gaf_of(tmp_path / target, "a1_s2_t1")
    write_mat(tmp_path / "results/arc/raw/Inertial/a1_s2_t1_inertial.mat", 99)
    proc = snakemake(tmp_path, target, check=False)
    assert proc.returncode != 0 and "Nothing to be done" not in proc.stderr
    assert "results/arc/raw/Inertial/a1_s2_t1_inertial.mat" in proc.stderr
    assert "delete results/arc/raw and rerun" in proc.stderr
    shutil.rmtree(tmp_path / "results/arc/raw")  # the remedy the message gives
    proc = snakemake(tmp_path, target, "-R", "unpack_archives")
    assert "build_manifest" in proc.stderr and "gaf_images" in proc.stderr
    assert np.array_equal(gaf_of(tmp_path / target, "a1_s2_t1"), original)


def test_failing_script_writes_its_traceback_to_the_rule_log(tmp_path):
    source = inertial_dataset(tmp_path / "broken")
    (source / "a2_s2_t3_inertial.mat").write_bytes(b"MATLAB 5.0 MAT-file, cut off here")
    write_config(tmp_path, {"bad": inertial_entry(source)})
    proc = snakemake(tmp_path, "results/bad/clips.csv", check=False)
    assert proc.returncode != 0
    log = (tmp_path / "results/logs/bad/manifest.log").read_text()
    assert "Traceback (most recent call last)" in log
    assert "DataFileError" in log and "a2_s2_t3_inertial.mat: not a readable MATLAB file" in log


def test_killed_data_stage_leaves_no_temporary_after_the_rerun(tmp_path):
    """SIGKILL the frames job mid-write (what the out-of-memory killer does): its temporary stays,
    named after the dead pid; the rerun removes it and finishes."""
    write_config(
        tmp_path,
        {
            "syn": {
                "kind": "utd_mhad",
                "source": "synthetic",
                "modalities": ["video", "inertial"],
                "split": "trial",
                "synthetic": {"seed": 0, "subjects": 2, "trials": 2},
            }
        },
    )
    snakemake(tmp_path, "results/syn/clips.csv")
    target = tmp_path / "results/syn/frames.h5"
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
        "1",
        "results/syn/frames.h5",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    victim = None
    deadline = time.time() + 120
    while victim is None and time.time() < deadline and proc.poll() is None:
        found = temporaries(target.parent)
        if found:
            victim = found[0]
        else:
            time.sleep(0.01)
    if victim is None:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("no temporary of the frames stage appeared")
    host, pid = temp_owner(victim.name)
    os.kill(pid, signal.SIGKILL)  # the job, not snakemake
    assert proc.wait(timeout=120) != 0
    assert victim.exists() and not target.exists()  # an orphan, as before the fix
    snakemake(tmp_path, "results/syn/frames.h5")
    assert target.exists() and temporaries(tmp_path / "results") == []
    log = (tmp_path / "results/logs/syn/frames.log").read_text()
    assert f"removed {victim}" in log or victim.name in log


def test_dry_run_on_a_bare_checkout_without_shared(tmp_path):
    """A fresh clone (tracked files only) with no ../shared beside it: the default config plans
    its DAG; the real-data config fails with a ConfigError naming the source key."""
    clone = tmp_path / "clone"
    tracked = (
        subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, tracked):
        src = REPO / rel
        if src.is_file():
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, clone / rel)
    assert not (clone.parent / "shared").exists()
    env = {**os.environ, "PYTHONPATH": str(clone)}
    base = [sys.executable, "-m", "snakemake", "-n", "--cores", "1"]
    proc = subprocess.run(base, cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "This was a dry-run" in proc.stdout + proc.stderr
    proc = subprocess.run(
        [*base, "--configfile", "config/real.yaml"], cwd=clone, env=env, capture_output=True, text=True, timeout=600
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "datasets.utd_inertial_trial.source: ../shared/data/utd-mhad/Inertial does not exist" in out
    assert "InputFunctionException" not in out
