"""The one way the end-to-end tests run this repository's real Snakemake workflow.

A plain module, like repo_paths (not conftest.py). Targets and flags come first and
``--configfile`` last: it takes several files, so anything after it would be read as one more.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from repo_paths import REPO


def snakemake(
    workdir: Path,
    *args: str,
    configfiles: Sequence[Path] | None = None,
    cores: int = 2,
    timeout: int = 1200,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """``snakemake -s REPO/Snakefile --directory workdir *args --cores N --configfile ...`` in a
    subprocess (default config: ``workdir/config.yaml``); with ``check`` a failure raises an
    AssertionError carrying the end of snakemake's stderr."""
    files = [str(f) for f in (configfiles or [workdir / "config.yaml"])]
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        *args,
        "--cores",
        str(cores),
        "--configfile",
        *files,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-5000:]}")
    return proc


#: the small embedded synthetic UTD-MHAD of the end-to-end tests (2 subjects x 4 trials, 215 clips)
TINY_UTD = {
    "kind": "utd_mhad",
    "source": "synthetic",
    "modalities": ["video", "inertial"],
    "split": "trial",
    "skip_clips": ["a2_s1_t1"],
    "synthetic": {"seed": 0, "subjects": 2, "trials": 4},
}
