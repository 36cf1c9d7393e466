"""The workflow on a real single-node SLURM cluster, through profiles/slurm and the executor plugin.

The fixture writes a slurm.conf for this host on 127.0.0.1, starts munged, slurmctld and slurmd
(foreground processes, stopped by PID afterwards) and waits for the node. Without slurmdbd there is
no accounting, so the run uses ``--slurm-status-command squeue`` and ``--slurm-no-account``; with no
cgroups in a container, ``ProctrackType=proctrack/linuxproc`` and ``TaskPlugin=task/none``.
If the cluster cannot start here, the test skips and prints the precise reason.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from repo_paths import REPO
from test_workflow_e2e import small_config

pytestmark = pytest.mark.slurm

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo")


def _skip(reason: str):
    print(f"SLURM test skipped: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _slurm_conf(root: Path, host: str, cpus: int, mem_mb: int) -> str:
    ctl_port, d_port = _free_port(), _free_port()
    return f"""ClusterName=vskdtest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctl_port}
SlurmdPort={d_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_mb} State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    missing = [d for d in DAEMONS if shutil.which(d) is None]
    if missing:
        _skip(f"SLURM programs not installed: {missing} (apt-get install slurm-wlm munge; .ci/run does)")
    if os.geteuid() != 0:
        _skip("starting slurmctld/slurmd/munged for the test needs root")
    root = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool", "munge"):
        (root / sub).mkdir()
    host = socket.gethostname().split(".")[0]
    cpus = os.cpu_count() or 1
    mem_mb = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20 * 0.8)
    conf = root / "slurm.conf"
    conf.write_text(_slurm_conf(root, host, cpus, mem_mb))
    # job steps (srun inside the batch job) look for the default path, not SLURM_CONF
    system_conf = Path("/etc/slurm/slurm.conf")
    if system_conf.exists() or system_conf.is_symlink():
        _skip(f"{system_conf} exists: this machine has its own SLURM configuration; not touching it")
    system_conf.parent.mkdir(parents=True, exist_ok=True)
    system_conf.symlink_to(conf)
    env = dict(os.environ, SLURM_CONF=str(conf))
    procs: list[subprocess.Popen] = []
    started = time.time()

    key = Path("/etc/munge/munge.key")
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
    Path("/run/munge").mkdir(parents=True, exist_ok=True)
    munge_running = subprocess.run(["munge", "-n"], capture_output=True).returncode == 0
    if not munge_running:
        procs.append(
            subprocess.Popen(["munged", "--foreground", "--force"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        )
        for _ in range(50):
            if subprocess.run(["munge", "-n"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        else:
            _stop(procs, system_conf)
            _skip("munged did not start (munge -n fails)")
    procs.append(
        subprocess.Popen(
            ["slurmctld", "-D", "-i", "-f", str(conf)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    )
    procs.append(
        subprocess.Popen(
            ["slurmd", "-D", "-f", str(conf), "-N", host], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    )
    state = ""
    for _ in range(150):
        out = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True)
        state = out.stdout.strip() or out.stderr.strip()
        if state.startswith("idle"):
            break
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.2)
    else:
        state = state or "no answer"
    if not state.startswith("idle"):
        logs = "\n".join((root / f).read_text()[-1500:] for f in ("slurmctld.log", "slurmd.log") if (root / f).exists())
        _stop(procs, system_conf)
        _skip(f"the single-node cluster did not come up (sinfo: {state!r}); logs:\n{logs}")
    startup = time.time() - started
    version = subprocess.run(["sinfo", "--version"], env=env, capture_output=True, text=True).stdout.strip()
    print(f"SLURM cluster ({version}) up in {startup:.1f} s")
    yield {"env": env, "root": root, "startup_s": startup, "version": version}
    _stop(procs, system_conf)


def _stop(procs: list[subprocess.Popen], system_conf: Path) -> None:
    if system_conf.is_symlink():
        system_conf.unlink()
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in reversed(procs):
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()


TARGETS = ["results/utd/gaf_gasf.h5", "results/utd/frames.h5", "results/utd/student_baseline_metrics.csv"]


def _workdir(tmp_path: Path, name: str) -> Path:
    work = tmp_path / name
    work.mkdir()
    config = small_config()
    config["datasets"] = {"utd": config["datasets"]["utd"]}
    config["student"]["epochs"] = 1
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def test_dag_runs_through_slurm_and_matches_local(slurm_cluster, tmp_path):
    env = slurm_cluster["env"]
    base = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]

    # same threads in both runs: CPU float reductions depend on the thread count
    threads = ["--set-threads", "synthesize=1", "train_run=1"]
    local = _workdir(tmp_path, "local")
    t0 = time.time()
    done = subprocess.run(
        base
        + [*TARGETS, "--directory", str(local), "--configfile", str(local / "config.yaml"), "--cores", "2", *threads],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    local_s = time.time() - t0

    cluster = _workdir(tmp_path, "cluster")
    site = [
        "--default-resources",
        "slurm_partition=debug",
        "mem_mb=1000",
        "runtime=30",
        "cpus_per_task=1",
        "--set-resources",
        *(f"{r}:gpu=0" for r in ("train_model", "model_knowledge", "train_run")),
        *(f"{r}:mem_mb=2000" for r in ("synthesize", "extract_frames", "gaf_images", "train_run")),
        *threads,
        "--slurm-no-account",
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--jobs",
        "4",
    ]
    t0 = time.time()
    proc = subprocess.run(
        base
        + [
            *TARGETS,
            "--profile",
            str(REPO / "profiles" / "slurm"),
            "--directory",
            str(cluster),
            "--configfile",
            str(cluster / "config.yaml"),
            *site,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1500,
    )
    slurm_s = time.time() - t0
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    job_lines = re.findall(r".*submitted with SLURM jobid \d+.*", log)
    print(f"local run {local_s:.1f} s, SLURM run {slurm_s:.1f} s; {len(job_lines)} SLURM jobs:")
    print("\n".join(job_lines))
    # every compute rule went through sbatch (manifest and unpack are localrules)
    assert len(job_lines) >= 4, log[-3000:]
    ids = [int(m) for m in re.findall(r"SLURM jobid (\d+)", log)]
    assert len(set(ids)) == len(ids)

    # same outputs as the local run
    # the manifest's raw-file fingerprints (mtime, sha256) differ between two generations: the
    # .mat header carries its creation time; the data are compared through the GAF images below
    for rel in ("results/utd/clips.csv", "results/utd/splits/trial.csv"):
        mine, theirs = pd.read_csv(local / rel), pd.read_csv(cluster / rel)
        keep = [c for c in mine.columns if not c.endswith(("_mtime_ns", "_sha256"))]
        pd.testing.assert_frame_equal(mine[keep], theirs[keep], obj=rel)
    with h5py.File(local / TARGETS[0]) as a, h5py.File(cluster / TARGETS[0]) as b:
        np.testing.assert_array_equal(a["images"][()], b["images"][()])
    a = pd.read_csv(local / TARGETS[2]).iloc[0]
    b = pd.read_csv(cluster / TARGETS[2]).iloc[0]
    assert a.accuracy == b.accuracy and a.config_hash == b.config_hash
