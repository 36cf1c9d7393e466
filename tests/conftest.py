"""Shared fixtures: paths to the real data in ../shared (skipped with a reason where absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from repo_paths import REFERENCE, REPO, SHARED, SHARED_DATA, UTD_INERTIAL, _need  # noqa: F401


@pytest.fixture(scope="session")
def utd_inertial_dir() -> Path:
    return _need(UTD_INERTIAL)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return _need(REFERENCE)
