"""DASK: cross-entropy + soft targets + distance-wise + angle-wise relations + semantics.

Each term is a small module computing one unweighted loss from the student's and teacher's
outputs; ``DASKLoss`` composes the terms whose config weight is non-zero and returns the weighted
total together with every named term (for logging and ablations). The teacher's outputs are
inputs here, always detached: the teacher is frozen and gets no gradient.

References: soft-target KD (Hinton et al. 2015, T^2-scaled, batch-mean KL); RKD distance and angle
(Park et al., CVPR 2019: distances normalised by their batch mean, Huber loss); the semantic term
of VSKD (student embedding pulled towards the class name's embedding, MSE).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class Outputs:
    """What a network returns for a batch: class logits and the embedding used for relations."""

    logits: torch.Tensor
    embedding: torch.Tensor


class CrossEntropyTerm(nn.Module):
    needs_teacher = False

    def forward(self, student: Outputs, teacher: Outputs | None, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(student.logits, labels)


class SoftTargetTerm(nn.Module):
    needs_teacher = True

    def __init__(self, temperature: float):
        super().__init__()
        self.t = temperature

    def forward(self, student: Outputs, teacher: Outputs, labels: torch.Tensor) -> torch.Tensor:
        log_p = F.log_softmax(student.logits / self.t, dim=1)
        q = F.softmax(teacher.logits.detach() / self.t, dim=1)
        return F.kl_div(log_p, q, reduction="batchmean") * self.t ** 2


def pairwise_distances(e: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    sq = e.pow(2).sum(1)
    d = (sq[:, None] + sq[None, :] - 2 * e @ e.t()).clamp_min(eps).sqrt()
    d = d.clone()
    d.fill_diagonal_(0)
    return d


class DistanceTerm(nn.Module):
    """RKD distance-wise loss: Huber between batch-mean-normalised pairwise distances."""

    needs_teacher = True

    def forward(self, student: Outputs, teacher: Outputs, labels: torch.Tensor) -> torch.Tensor:
        def normalised(e: torch.Tensor) -> torch.Tensor:
            d = pairwise_distances(e)
            return d / d[d > 0].mean().clamp_min(1e-12)

        with torch.no_grad():
            t = normalised(teacher.embedding.detach())
        return F.smooth_l1_loss(normalised(student.embedding), t)


class AngleTerm(nn.Module):
    """RKD angle-wise loss: Huber between the cosines of all triplet angles."""

    needs_teacher = True

    def forward(self, student: Outputs, teacher: Outputs, labels: torch.Tensor) -> torch.Tensor:
        def angles(e: torch.Tensor) -> torch.Tensor:
            diff = F.normalize(e[None, :, :] - e[:, None, :], p=2, dim=2)   # (i, j) -> e_j - e_i
            return torch.bmm(diff, diff.transpose(1, 2)).flatten()

        with torch.no_grad():
            t = angles(teacher.embedding.detach())
        return F.smooth_l1_loss(angles(student.embedding), t)


class SemanticTerm(nn.Module):
    """Pull the student's (projected) embedding towards its class name's semantic embedding.

    A linear projection maps the student embedding into the semantic space when the sizes differ
    (e.g. 128-d student, 384-d MiniLM); it trains with the student. Targets are unit-normalised.
    """

    needs_teacher = False

    def __init__(self, class_embeddings: torch.Tensor, embedding_dim: int):
        super().__init__()
        target = F.normalize(torch.as_tensor(class_embeddings, dtype=torch.float32), dim=1)
        self.register_buffer("targets", target)
        dim = target.shape[1]
        self.project = nn.Identity() if dim == embedding_dim else nn.Linear(embedding_dim, dim)

    def forward(self, student: Outputs, teacher: Outputs | None, labels: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(F.normalize(self.project(student.embedding), dim=1), self.targets[labels])


class DASKLoss(nn.Module):
    """Weighted sum of the configured terms; a weight of 0 removes a term entirely."""

    def __init__(self, weights: dict[str, float], temperature: float = 4.0,
                 class_embeddings: torch.Tensor | None = None, student_embedding_dim: int | None = None):
        super().__init__()
        self.weights = {k: float(v) for k, v in weights.items() if float(v) > 0}
        factories = {
            "ce": lambda: CrossEntropyTerm(),
            "kd": lambda: SoftTargetTerm(temperature),
            "distance": lambda: DistanceTerm(),
            "angle": lambda: AngleTerm(),
            "semantic": lambda: SemanticTerm(self._need(class_embeddings, "semantic"),
                                             self._need(student_embedding_dim, "semantic")),
        }
        unknown = set(self.weights) - set(factories)
        if unknown:
            raise ValueError(f"unknown loss terms {sorted(unknown)}; known: {sorted(factories)}")
        if not self.weights:
            raise ValueError("every loss weight is 0: nothing to train")
        self.terms = nn.ModuleDict({k: factories[k]() for k in self.weights})

    @staticmethod
    def _need(value: Any, term: str) -> Any:
        if value is None:
            raise ValueError(f"the {term} term needs class embeddings and the student embedding size")
        return value

    @property
    def needs_teacher(self) -> bool:
        return any(t.needs_teacher for t in self.terms.values())

    def forward(self, student: Outputs, teacher: Outputs | None,
                labels: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        if teacher is None and self.needs_teacher:
            raise ValueError("a teacher-dependent term has a non-zero weight but no teacher output was given")
        parts = {k: term(student, teacher, labels) for k, term in self.terms.items()}
        total = sum(self.weights[k] * v for k, v in parts.items())
        return total, parts
