"""FitNet (Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015): hint-based training.

The student's guided layer, passed through a trained regressor, regresses the teacher's hint layer
with a squared error. Choices (reference: RepDistiller ``distiller_zoo/FitNet.py``, ``ConvReg`` and
``scripts/run_cifar_distill.sh``):

- hint / guided layer: stage ``hint_layer`` of both networks (0-based over the four stage maps;
  default 2, the third stage: ResNet18 ``layer3`` against BN-Inception ``inception_4d``). FitNets
  hints a middle layer; RepDistiller's default ``--hint_layer 2`` is also a middle stage.
- regressor: 1x1 convolution student -> teacher channels, BatchNorm and ReLU. The paper asks the
  regressor to end in the same non-linearity as the hint layer; the teacher's stage outputs are
  post-ReLU, and RepDistiller's ``ConvReg`` is conv + BN + ReLU. A 1x1 kernel because the two
  grids are unrelated (GAF time x time vs frame x x y) and only known at forward time: the larger
  map is average-pooled to the smaller grid first (before the regressor).
- loss: mean squared error over (B, C, H, W) (RepDistiller's ``nn.MSELoss``), weight ``hint``
  = 100 as RepDistiller's FitNet run, plus cross-entropy (weight ``ce`` = 1).
- one stage of training, hint and CE together as RepDistiller does; the paper's two-stage scheme
  (hint pre-training, then KD) is not reproduced.

The regressor is built in ``__init__`` from the ``NetSpec`` channel counts so that it is a
registered parameter before the optimizer is made; it trains with the student.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...models.outputs import NetOutput
from ..base import DistillContext, DistillMethod
from ..registry import register_method
from ._common import int_param, map_channels, match_grids


@register_method("fitnet")
class FitNet(DistillMethod):
    defaults = {"hint": 100.0, "hint_layer": 2}
    teacher_fields = frozenset({"maps"})
    student_maps = True
    weight_params = ("hint",)

    def __init__(self, ctx: DistillContext, **params):
        super().__init__(ctx, **params)
        s_ch, t_ch = map_channels(self.name, ctx.student, ctx.teacher)
        layer = int_param(self.name, "hint_layer", self.params["hint_layer"], 0)
        if layer >= len(s_ch):
            raise ValueError(f"method 'fitnet': hint_layer must be in 0..{len(s_ch) - 1}, got {layer}")
        self.layer = layer
        self.regressor: nn.Module | None = None
        if self.weight("hint") > 0:  # weight 0: no term, no regressor
            self.regressor = nn.Sequential(
                nn.Conv2d(s_ch[layer], t_ch[layer], kernel_size=1, bias=False), nn.BatchNorm2d(t_ch[layer]), nn.ReLU()
            )

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        if self.regressor is None:
            return {}
        if len(student.maps) <= self.layer or len(teacher.maps) <= self.layer:
            raise ValueError(
                f"method 'fitnet' needs stage map {self.layer} of the student and the "
                f"teacher (got {len(student.maps)} and {len(teacher.maps)} maps)"
            )
        s, t = match_grids(student.maps[self.layer], teacher.maps[self.layer])
        return {"hint": F.mse_loss(self.regressor(s), t)}
