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

    Weights 1 / 2 as in the RKD paper and torchdistill (RepDistiller and mdistiller use 25 / 50).
    """

    defaults = {"distance": 1.0, "angle": 2.0}
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
