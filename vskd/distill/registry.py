"""Registry of distillation methods: ``@register_method("kd")`` on a ``DistillMethod`` subclass.

Adding a method is one module in ``vskd/distill/methods/`` (imported by that package's
``__init__``) and its tests: the run sheet names it, its ``defaults`` are its parameter schema,
and no rule or schema changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import TEACHER_FIELDS, DistillContext, DistillMethod

METHODS: dict[str, type[DistillMethod]] = {}


def register_method(name: str) -> Callable[[type[DistillMethod]], type[DistillMethod]]:
    def add(cls: type[DistillMethod]) -> type[DistillMethod]:
        if name in METHODS:
            raise ValueError(f"distillation method {name!r} is registered twice")
        bad = set(cls.teacher_fields) - TEACHER_FIELDS
        if bad:
            raise ValueError(f"method {name!r} reads unknown teacher outputs {sorted(bad)}")
        cls.name = name
        METHODS[name] = cls
        return cls

    return add


def _load() -> None:
    from . import methods  # noqa: F401  (importing registers every method)


def get_method(name: str) -> type[DistillMethod]:
    _load()
    if name not in METHODS:
        raise ValueError(f"unknown distillation method {name!r}; known: {sorted(METHODS)}")
    return METHODS[name]


def known_methods() -> list[str]:
    _load()
    return sorted(METHODS)


def build_method(name: str, params: dict[str, Any], ctx: DistillContext) -> DistillMethod:
    return get_method(name)(ctx, **params)
