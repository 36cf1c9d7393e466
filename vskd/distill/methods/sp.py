"""SP (Tung & Mori, "Similarity-Preserving Knowledge Distillation", ICCV 2019).

Clips that activate the teacher similarly should activate the student similarly: the batch x batch
Gram matrix of flattened activations, each row L2-normalised, is matched between the two networks.
Choices (references: RepDistiller ``distiller_zoo/SP.py`` "verified by original author", torchdistill
``SPKDLoss``):

- feature: the last stage map of each network (ResNet18 ``layer4``; the teacher's last stage),
  flattened over (C, H, W): the paper takes the activation map at the end of the last group, as
  RepDistiller (``feat[-2]``) and torchdistill (``layer4``). A Gram matrix is B x B, so channel
  counts and grids may differ and no pooling or connector is needed;
- loss: ||G_t - G_s||_F^2 / B^2 (the paper's Eq. 4 for one layer pair);
- weight ``sp`` = 3000 as RepDistiller's SP run (the paper's gamma for CIFAR), plus cross-entropy
  (weight ``ce`` = 1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ...models.outputs import NetOutput
from ..base import DistillMethod
from ..registry import register_method
from ._common import as_dtype_of


def similarity(f: torch.Tensor) -> torch.Tensor:
    """(B, B) Gram matrix of the flattened features, each row L2-normalised."""
    f = f.flatten(1)
    return F.normalize(f @ f.t(), dim=1)


@register_method("sp")
class SimilarityPreserving(DistillMethod):
    defaults = {"sp": 3000.0}
    teacher_fields = frozenset({"maps"})
    student_maps = True
    weight_params = ("sp",)

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        if self.weight("sp") <= 0:
            return {}
        if not student.maps or not teacher.maps:
            raise ValueError("method 'sp' needs the last stage map of the student and the teacher")
        f_s = student.maps[-1]
        g_s, g_t = similarity(f_s), similarity(as_dtype_of(teacher.maps[-1], f_s))
        b = g_s.shape[0]
        return {"sp": (g_t - g_s).pow(2).sum() / (b * b)}
