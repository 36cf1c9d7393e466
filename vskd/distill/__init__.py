"""Distillation methods (registry in ``registry``, one module per method in ``methods``)."""

from .base import DistillContext, DistillMethod, NetSpec
from .registry import build_method, get_method, known_methods, register_method

__all__ = [
    "DistillContext",
    "DistillMethod",
    "NetSpec",
    "build_method",
    "get_method",
    "known_methods",
    "register_method",
]
