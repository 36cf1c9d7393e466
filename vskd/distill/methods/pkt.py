"""PKT (Passalis & Tefas, "Learning Deep Representations with Probabilistic Knowledge Transfer",
ECCV 2018).

The student matches the teacher's conditional probability distribution of clip-to-clip
similarities within a batch: cosine similarities mapped to [0, 1] by (cos + 1) / 2, each row
normalised to sum to 1, and the KL divergence of the teacher's distribution to the student's.
Choices (references: RepDistiller ``distiller_zoo/PKT.py`` and torchdistill ``PKTLoss``, both from
the authors' code):

- feature: the globally pooled backbone feature of each network (``pooled``; RepDistiller's
  ``feat[-1]``, torchdistill's classifier input), no connector: cosine similarities are B x B,
  whatever the dimensions;
- as in the authors' code, the diagonal (self-similarity) stays in the distribution, eps = 1e-7
  guards the divisions and logarithms, and the KL is averaged over all B x B entries;
- weight ``pkt`` = 30000 as RepDistiller's PKT run (and torchdistill's ImageNet configuration),
  which compensates that B^2 mean; plus cross-entropy (weight ``ce`` = 1).
"""

from __future__ import annotations

import torch

from ...models.outputs import NetOutput
from ..base import DistillMethod
from ..registry import register_method
from ._common import as_dtype_of

EPS = 1e-7


def similarity_distribution(f: torch.Tensor) -> torch.Tensor:
    """(B, B) rows of similarity probabilities from cosine similarities of the flattened features."""
    f = f.flatten(1)
    f = f / (f.norm(dim=1, keepdim=True) + EPS)
    sim = (f @ f.t() + 1.0) / 2.0
    return sim / sim.sum(dim=1, keepdim=True)


def pkt_loss(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    p_s, p_t = similarity_distribution(student), similarity_distribution(teacher)
    return (p_t * torch.log((p_t + EPS) / (p_s + EPS))).mean()


@register_method("pkt")
class ProbabilisticKT(DistillMethod):
    defaults = {"pkt": 30000.0}
    teacher_fields = frozenset({"pooled"})
    weight_params = ("pkt",)

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        if self.weight("pkt") <= 0:
            return {}
        return {"pkt": pkt_loss(student.pooled, as_dtype_of(teacher.pooled, student.pooled))}
