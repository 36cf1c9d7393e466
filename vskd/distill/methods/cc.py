"""CC (Peng et al., "Correlation Congruence for Knowledge Distillation", ICCV 2019).

Besides instance-level knowledge, the student matches the teacher's correlation between clips: a
batch x batch kernel matrix of embedded features. Choices (references: torchdistill ``CCKDLoss`` with
``Linear4CCKD``, RepDistiller ``train_student.py`` correlation branch with ``LinearEmbed``):

- feature: the globally pooled backbone feature of each network (``pooled``: ResNet18's 512-d
  average pool; the teacher's segment-mean pooled feature), the input of the classifier in both
  references (RepDistiller ``feat[-1]``, torchdistill ``model.avgpool``);
- embedding: a trained linear layer on each side to ``feat_dim`` = 128 (both references), then L2
  normalisation. The paper's Taylor expansion of the Gaussian RBF kernel,
  exp(-gamma ||x - y||^2) = exp(-2 gamma) exp(2 gamma x.y), holds for unit vectors only, so the
  embeddings are normalised (torchdistill feeds them unnormalised);
- kernel: k(x, y) = exp(-2 gamma) * sum_{p=0..P} (2 gamma)^p / p! * (x.y)^p, gamma = 0.4, P = 2
  (the paper's and torchdistill's setting), parameters ``gamma`` and ``order``;
- loss: ||K_t - K_s||_F^2 / B^2 (the paper's L_CC; torchdistill takes the unsquared norm);
- weight ``cc`` = 0.02 as RepDistiller's CC run, plus cross-entropy (weight ``ce`` = 1).
  RepDistiller's weight goes with a different, author-supplied loss, so 0.02 is a starting point.

The teacher-side linear layer is one of the method's trainable connectors (as in RepDistiller,
whose ``embed_t`` is in the trainable list); the teacher network itself gets no gradient.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...models.outputs import NetOutput
from ..base import DistillContext, DistillMethod
from ..registry import register_method
from ._common import as_dtype_of, int_param, positive_param


def taylor_rbf(e: torch.Tensor, gamma: float, order: int) -> torch.Tensor:
    """(B, B) Gaussian-RBF kernel of unit vectors by its Taylor expansion up to ``order``."""
    dot = e @ e.t()
    k = torch.zeros_like(dot)
    for p in range(order + 1):
        k = k + (2 * gamma) ** p / math.factorial(p) * dot.pow(p)
    return math.exp(-2 * gamma) * k


@register_method("cc")
class CorrelationCongruence(DistillMethod):
    defaults = {"cc": 0.02, "feat_dim": 128, "gamma": 0.4, "order": 2}
    teacher_fields = frozenset({"pooled"})
    weight_params = ("cc",)

    def __init__(self, ctx: DistillContext, **params):
        super().__init__(ctx, **params)
        dim = int_param(self.name, "feat_dim", self.params["feat_dim"], 1)
        self.order = int_param(self.name, "order", self.params["order"], 0)
        self.gamma = positive_param(self.name, "gamma", self.params["gamma"])
        self.embed_s: nn.Module | None = None
        self.embed_t: nn.Module | None = None
        if self.weight("cc") > 0:
            self.embed_s = nn.Linear(ctx.student.pooled_dim, dim)
            self.embed_t = nn.Linear(ctx.teacher.pooled_dim, dim)

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        if self.embed_s is None:
            return {}
        e_s = F.normalize(self.embed_s(student.pooled.flatten(1)), dim=1)
        e_t = F.normalize(self.embed_t(as_dtype_of(teacher.pooled, student.pooled).flatten(1)), dim=1)
        k_s = taylor_rbf(e_s, self.gamma, self.order)
        k_t = taylor_rbf(e_t, self.gamma, self.order)
        b = k_s.shape[0]
        return {"cc": (k_t - k_s).pow(2).sum() / (b * b)}
