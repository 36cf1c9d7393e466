"""The contract of a distillation method: what it reads, its parameters, its loss terms.

A method is a small ``nn.Module`` registered by name (``vskd.distill.registry``). It declares

- ``defaults``: every parameter it accepts with its default (term weights, temperature, ...);
  a run row of the run sheet may override any of them and nothing else;
- ``teacher_fields``: which teacher outputs it reads (``logits``, ``embedding``, ``pooled``,
  ``relation``, ``maps``), so that the knowledge cache and the online teacher provide just those;
- ``student_maps``: whether the student must return its stage maps.

``forward`` returns the weighted total and every named, unweighted term (logged per epoch, so an
ablation's history shows each term). Cross-entropy on the labels is part of every method, with
weight ``ce`` (default 1). Teacher outputs arrive detached: no gradient ever reaches the teacher.
Trainable parts of a method (connectors, embeddings, memory banks) are its own submodules and
train with the student.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from ..models.outputs import NetOutput

TEACHER_FIELDS = frozenset({"logits", "embedding", "pooled", "relation", "maps"})


@dataclass(frozen=True)
class NetSpec:
    """Sizes of a network's outputs, for methods that build connectors."""

    num_classes: int
    embedding_dim: int
    pooled_dim: int
    relation_dim: int | None = None
    map_channels: tuple[int, ...] = ()

    @classmethod
    def of(cls, net: nn.Module, num_classes: int) -> NetSpec:
        return cls(
            num_classes,
            net.embedding_dim,
            net.pooled_dim,
            getattr(net, "relation_dim", None),
            tuple(getattr(net, "map_channels", ())),
        )


@dataclass
class DistillContext:
    """What a method may need to build itself besides its parameters."""

    student: NetSpec
    teacher: NetSpec | None = None
    num_train: int = 0  # training clips (CRD's memory bank)
    class_embeddings: torch.Tensor | None = None  # (classes, D) class-name vectors


class DistillMethod(nn.Module):
    """Base of every method; subclasses implement ``terms`` and declare the class attributes."""

    name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    teacher_fields: ClassVar[frozenset[str]] = frozenset()
    student_maps: ClassVar[bool] = False
    needs_class_embeddings: ClassVar[bool] = False
    #: parameters that are term weights: a weight of 0 removes the term (not computed at all)
    weight_params: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: DistillContext, **params: Any):
        super().__init__()
        self.params = self.resolve_params(params)
        self.ctx = ctx
        if self.teacher_fields and ctx.teacher is None:
            raise ValueError(f"method {self.name!r} needs a teacher")

    @classmethod
    def resolve_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Defaults updated by ``params``; unknown names are an error listing the known ones."""
        known = {"ce": 1.0, **cls.defaults}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ValueError(f"method {cls.name!r} has no parameter {unknown}; known: {sorted(known)}")
        return {**known, **params}

    @property
    def needs_teacher(self) -> bool:
        return bool(self.teacher_fields)

    def weight(self, term: str) -> float:
        return float(self.params[term])

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """The method's own unweighted loss terms (cross-entropy is added by ``forward``)."""
        return {}

    def term_weights(self) -> dict[str, float]:
        """Weight of each term ``terms`` returns; by default the parameter of the same name."""
        return {k: self.weight(k) for k in self.weight_params}

    def forward(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        if self.needs_teacher and teacher is None:
            raise ValueError(f"method {self.name!r} needs teacher outputs, none were given")
        teacher = teacher.detached() if teacher is not None else None
        weights = {"ce": self.weight("ce"), **self.term_weights()}
        parts: dict[str, torch.Tensor] = {}
        if weights["ce"] > 0:
            parts["ce"] = F.cross_entropy(student.logits, labels)
        parts.update(self.terms(student, teacher, labels, index))
        if not parts:
            raise ValueError(f"method {self.name!r}: every term has weight 0, nothing to train")
        total = sum(weights[k] * v for k, v in parts.items())
        return total, parts
