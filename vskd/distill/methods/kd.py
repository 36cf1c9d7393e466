"""KD (Hinton et al., 2015): the student matches the teacher's temperature-softened classes."""

from __future__ import annotations

import torch

from ...models.outputs import NetOutput
from ..base import DistillMethod
from ..functional import soft_target_kl
from ..registry import register_method


@register_method("kd")
class SoftTargets(DistillMethod):
    """ce * CE + kd * T^2 KL(teacher || student). Defaults: RepDistiller's CIFAR setting
    (CE weight 0.1, KD weight 0.9, T = 4)."""

    defaults = {"kd": 0.9, "temperature": 4.0, "ce": 0.1}
    teacher_fields = frozenset({"logits"})
    weight_params = ("kd",)

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        if self.weight("kd") <= 0:
            return {}
        return {"kd": soft_target_kl(student.logits, teacher.logits, self.params["temperature"])}
