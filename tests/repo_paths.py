"""Where the repository and the real data (../shared beside the checkout) are.

A plain module, not conftest.py: test modules import these names, and with several conftest.py
files in the tree `from conftest import ...` would pick whichever was imported first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
UTD_INERTIAL = SHARED_DATA / "utd-mhad" / "Inertial"
REFERENCE = SHARED_DATA / "reference"


def _need(path: Path) -> Path:
    """``path`` if it exists; otherwise skip the test, printing which file is missing."""
    if not path.exists():
        reason = f"real data not available: {path} is absent (the ../shared folder beside the checkout)"
        print(reason)
        pytest.skip(reason)
    return path
