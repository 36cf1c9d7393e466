"""The adapter registry: ``kind`` in a dataset entry -> the adapter that knows that dataset.

Adapters register themselves on import (``vskd.data.adapters`` imports the built-in ones), so a new
dataset is one new module calling :func:`register_adapter`; nothing downstream changes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import DatasetAdapter

CLASSES_DIR = Path(__file__).parent / "classes"
_REGISTRY: dict[str, DatasetAdapter] = {}


def register_adapter(adapter: DatasetAdapter) -> DatasetAdapter:
    """Make ``adapter`` available as ``get_adapter(adapter.kind)``; a second kind of the same name
    is an error (two modules claiming one dataset is a bug, not an override)."""
    if adapter.kind in _REGISTRY and type(_REGISTRY[adapter.kind]) is not type(adapter):
        raise ValueError(
            f"adapter kind {adapter.kind!r} is already registered by {type(_REGISTRY[adapter.kind]).__name__}"
        )
    _REGISTRY[adapter.kind] = adapter
    return adapter


def get_adapter(kind: str) -> DatasetAdapter:
    """The adapter of a dataset kind (``utd_mhad``, ``berkeley_mhad``, ``mmact``)."""
    from . import _load_builtin  # noqa: F401  (registers the built-in adapters)

    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ValueError(f"unknown dataset kind {kind!r}; known: {sorted(_REGISTRY)}") from None


def available_kinds() -> list[str]:
    from . import _load_builtin  # noqa: F401

    return sorted(_REGISTRY)


@cache
def load_class_names(kind: str) -> tuple[str, ...]:
    """Class names in label order, embedded in the package (``classes/<kind>.txt`` or ``.json``).

    Embedded rather than read from ../shared so that a checkout is self-contained; tests compare
    them with the published files.
    """
    txt = CLASSES_DIR / f"{kind}.txt"
    if txt.is_file():
        return tuple(line.strip() for line in txt.read_text().splitlines() if line.strip())
    return tuple(load_class_json(kind)["names"])


@cache
def load_class_json(kind: str) -> dict:
    return json.loads((CLASSES_DIR / f"{kind}.json").read_text())


def dataset_class_names(dataset: dict) -> list[str]:
    """Class names in label order of a config's dataset entry (its adapter; a ``label_scheme``
    other than ``default``, e.g. MMAct's ``sakdn36``, picks that scheme's names)."""
    adapter = get_adapter(dataset["kind"])
    return list(adapter.class_names_for(dataset.get("label_scheme", "default")))
