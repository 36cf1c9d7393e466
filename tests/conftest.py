"""Shared fixtures: paths to the real data in ../shared (skipped with a reason where absent)."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
UTD_INERTIAL = SHARED_DATA / "utd-mhad" / "Inertial"
REFERENCE = SHARED_DATA / "reference"


def _need(path: Path) -> Path:
    if not path.exists():
        reason = f"real data not available: {path} is absent (the ../shared folder beside the checkout)"
        print(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def utd_inertial_dir() -> Path:
    return _need(UTD_INERTIAL)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return _need(REFERENCE)
