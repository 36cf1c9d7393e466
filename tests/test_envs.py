"""envs/vskd.yaml (for --software-deployment-method conda) lists what pyproject.toml lists."""

from __future__ import annotations

import re
import tomllib

import yaml
from repo_paths import REPO

# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"pytorch": "torch"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower()


def test_conda_env_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pypi = {_name(d) for d in project["dependencies"]}
    env = yaml.safe_load((REPO / "envs" / "vskd.yaml").read_text())
    conda, pip = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_name(d) for d in dep.get("pip", []) if not d.startswith("-e")}
        else:
            conda.add(CONDA_TO_PYPI.get(_name(dep), _name(dep)))
    conda -= {"python", "pip"}
    assert pypi == conda | pip, f"only in pyproject: {pypi - conda - pip}; only in env: {(conda | pip) - pypi}"
    assert any(
        d.startswith("-e") for dep in env["dependencies"] if isinstance(dep, dict) for d in dep.get("pip", [])
    ), "the env must install vskd itself"


def test_every_rule_uses_the_env_and_declares_log_and_resources():
    """`use rule ... with:` blocks inherit them; threads default to 1 (Snakemake's default)."""
    for smk in (REPO / "rules").glob("*.smk"):
        text = smk.read_text()
        for block in re.split(r"\n(?=rule )", text)[1:]:
            block = block.split("\nuse rule ")[0]
            name = block.split(":")[0].split()[1]
            for directive in ("conda:", "log:", "resources:"):
                assert directive in block, f"{smk.name}: rule {name} lacks {directive}"
