"""NST (Huang & Wang, "Like What You Like: Knowledge Distill via Neuron Selectivity Transfer", 2017).

Each channel of a stage map is one sample of a distribution (its activation pattern over the grid,
L2-normalised); the student's channel distribution is matched to the teacher's by the squared
maximum mean discrepancy with a polynomial kernel. Choices (reference: RepDistiller
``distiller_zoo/NST.py``):

- stage pairs: the four ResNet18 stages against the teacher's four stage maps (RepDistiller uses
  all its stage outputs); channel counts may differ (MMD compares two sets of any sizes), the grids
  must agree: the larger map is average-pooled to the smaller grid;
- kernel: k(x, y) = (x . y + c)^d with d = 2, c = 0, the paper's best kernel;
- MMD^2 per clip = mean k(t, t) + mean k(s, s) - 2 mean k(s, t) over channel pairs, averaged over
  the batch, summed over stages (the teacher-teacher part carries no gradient but is kept so that
  the term is the true MMD^2 >= 0);
- weight ``nst`` = 50 as RepDistiller's NST run, plus cross-entropy (weight ``ce`` = 1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ...models.outputs import NetOutput
from ..base import DistillMethod
from ..registry import register_method
from ._common import stage_pairs


def poly_kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(B, Ca, Cb) kernel (a_i . b_j)^2 between the channels of two (B, C, N) tensors."""
    return torch.bmm(a, b.transpose(1, 2)).pow(2)


def nst_mmd(s: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Squared MMD between the L2-normalised channels of two maps on the same grid."""
    s = F.normalize(s.flatten(2), dim=2)
    t = F.normalize(t.flatten(2), dim=2)
    return poly_kernel(t, t).mean() + poly_kernel(s, s).mean() - 2 * poly_kernel(s, t).mean()


@register_method("nst")
class NeuronSelectivityTransfer(DistillMethod):
    defaults = {"nst": 50.0}
    teacher_fields = frozenset({"maps"})
    student_maps = True
    weight_params = ("nst",)

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        if self.weight("nst") <= 0:
            return {}
        pairs = stage_pairs(self.name, student, teacher)
        return {"nst": torch.stack([nst_mmd(s, t) for s, t in pairs]).sum()}
