"""Embedded synthetic datasets: one generator per adapter kind, registered like the adapters.

A generator writes what the real dataset's distribution looks like (the same files, names and
formats) into one folder: ``layout = "archives"`` (the official archives, then unpacked by the
workflow like downloaded ones: UTD-MHAD) or ``"folder"`` (an unpacked folder the manifest scans
directly: Berkeley-MHAD, MMAct). A new dataset's generator is one module here calling
:func:`register_generator`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

_REGISTRY: dict[str, Generator] = {}


@dataclass(frozen=True)
class Generator:
    """A synthetic dataset generator: ``write(config, out_dir, workers)`` -> clip count."""

    kind: str
    layout: Literal["archives", "folder"]
    write: Callable[[dict[str, Any], Path, int], int]


def register_generator(generator: Generator) -> Generator:
    _REGISTRY[generator.kind] = generator
    return generator


def get_generator(kind: str) -> Generator:
    """The generator of a dataset kind; a ValueError names the kinds that have one."""
    from . import berkeley_mhad, mmact, utd_mhad  # noqa: F401  (importing registers them)

    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ValueError(f"no synthetic generator for dataset kind {kind!r}; known: {sorted(_REGISTRY)}") from None
