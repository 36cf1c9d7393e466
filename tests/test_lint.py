"""Formatting and lint are part of the tests: ruff (check + format), snakefmt and `snakemake --lint`
on the repository as committed (the same commands .ci/run runs before the test suite)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from repo_paths import REPO


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "cmd",
    [("ruff", "check", "."), ("ruff", "format", "--check", "."), ("snakefmt", "--check", "Snakefile", "rules")],
    ids=["ruff-check", "ruff-format", "snakefmt"],
)
def test_formatters_and_linters_are_clean(cmd):
    if importlib.util.find_spec(cmd[0]) is None:
        pytest.skip(f"{cmd[0]} is not installed (pip install -e '.[test]')")
    proc = _run(sys.executable, "-m", *cmd)
    assert proc.returncode == 0, f"{' '.join(cmd)}:\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}"


def test_snakemake_lint_is_clean():
    proc = _run(sys.executable, "-m", "snakemake", "--lint", "--cores", "1")
    assert proc.returncode == 0 and "Lints for" not in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]
