"""RKD (Park et al., CVPR 2019): distance- and angle-wise relations of the pooled features."""

from __future__ import annotations

import torch

from ...models.outputs import NetOutput
from ..base import DistillMethod
from ..functional import rkd_angle, rkd_distance
from ..registry import register_method


@register_method("rkd")
class RelationalKD(DistillMethod):
    """ce * CE + distance * L_D + angle * L_A on the globally pooled backbone features.

    Weights 25 / 50: the classification setting of the RKD authors' code (lenscloth/RKD) and of
    RepDistiller's ``RKDLoss(w_d=25, w_a=50)``, the suite the other zoo rows follow. The RKD paper's
    1 / 2 (also torchdistill's example) is its metric-learning setting; rows may set it.
    """

    defaults = {"distance": 25.0, "angle": 50.0}
    teacher_fields = frozenset({"pooled"})
    weight_params = ("distance", "angle")

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        out = {}
        if self.weight("distance") > 0:
            out["distance"] = rkd_distance(student.pooled, teacher.pooled)
        if self.weight("angle") > 0:
            out["angle"] = rkd_angle(student.pooled, teacher.pooled)
        return out
