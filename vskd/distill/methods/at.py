"""AT (Zagoruyko & Komodakis, "Paying More Attention to Attention", ICLR 2017): attention transfer.

The activation-based spatial attention of a stage map is the channel mean of |A|^p, flattened and
L2-normalised per clip; the loss is the squared difference of the student's and the teacher's
attention vectors. Choices (references: RepDistiller ``distiller_zoo/AT.py``, which follows the
authors' code, and torchdistill ``ATLoss`` in its ``mode='code'``):

- p = 2 (the paper's choice), parameter ``p``;
- every stage pair: the four ResNet18 stages against the teacher's four stage maps (RepDistiller
  uses all its stage outputs); no connectors are needed since attention is channel-free;
- grids: the larger map is average-pooled to the smaller grid before the attention is taken;
- per pair the mean over (B, H*W) of the squared difference (authors' code), summed over pairs;
  weight ``at`` = 1000 as RepDistiller's AT run (the authors use beta/2 = 500 per pair with the
  same mean), plus cross-entropy (weight ``ce`` = 1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ...models.outputs import NetOutput
from ..base import DistillContext, DistillMethod
from ..registry import register_method
from ._common import positive_param, stage_pairs


def attention(f: torch.Tensor, p: float) -> torch.Tensor:
    """(B, H*W): channel mean of |f|^p, L2-normalised per clip."""
    return F.normalize(f.abs().pow(p).mean(1).flatten(1), dim=1)


@register_method("at")
class AttentionTransfer(DistillMethod):
    defaults = {"at": 1000.0, "p": 2.0}
    teacher_fields = frozenset({"maps"})
    student_maps = True
    weight_params = ("at",)

    def __init__(self, ctx: DistillContext, **params):
        super().__init__(ctx, **params)
        self.p = positive_param(self.name, "p", self.params["p"])

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        if self.weight("at") <= 0:
            return {}
        losses = [
            (attention(s, self.p) - attention(t, self.p)).pow(2).mean()
            for s, t in stage_pairs(self.name, student, teacher)
        ]
        return {"at": torch.stack(losses).sum()}
