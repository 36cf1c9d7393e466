"""Registry of the networks a run can name as teacher or student (``trn``, ``gaf_cnn``, ...).

A network class registers itself with ``@register_network(name)``; it declares the input
``modality`` it reads (``video`` frames or ``gaf`` images) and builds itself with
``from_config(section, num_classes, in_channels)``. Backbones have their own registry
(``vskd.models.backbones``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

NETWORKS: dict[str, type[nn.Module]] = {}


def register_network(name: str) -> Callable[[type[nn.Module]], type[nn.Module]]:
    def add(cls: type[nn.Module]) -> type[nn.Module]:
        if name in NETWORKS:
            raise ValueError(f"network {name!r} is registered twice")
        cls.network_name = name
        NETWORKS[name] = cls
        return cls

    return add


def build_network(name: str, cfg: dict[str, Any], num_classes: int, in_channels: int = 3) -> nn.Module:
    """The network registered as ``name``, built from its config section."""
    from . import student, teacher  # noqa: F401  (importing registers them)

    if name not in NETWORKS:
        raise ValueError(f"unknown network {name!r}; known: {sorted(NETWORKS)}")
    return NETWORKS[name].from_config(cfg, num_classes, in_channels)
