"""DASK (VSKD, ICASSP 2022): soft targets + distance-wise + angle-wise relations + semantics.

All relational and semantic terms act on the paper's "fc0" embeddings (``NetOutput.embedding``):
for the TRN teacher the segment mean of the bottleneck frame features, for the student
ReLU(fc(pool)). The semantic term is, as in the paper's Fig. 1, the released code and SAKDN, the
MSE between the student's and the teacher's fc0; when their sizes differ (not in the paper: both
300-d) a linear projection of the student's trains with it. Defaults are the released ones:
CE + 0.01 * KD(T = 4) + L_D + L_A + L_S. A weight of 0 removes a term (the ablations).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...models.outputs import NetOutput
from ..base import DistillContext, DistillMethod
from ..functional import rkd_angle, rkd_distance, soft_target_kl
from ..registry import register_method


@register_method("dask")
class DASK(DistillMethod):
    defaults = {"kd": 0.01, "temperature": 4.0, "distance": 1.0, "angle": 1.0, "semantic": 1.0}
    teacher_fields = frozenset({"logits", "embedding"})
    weight_params = ("kd", "distance", "angle", "semantic")

    def __init__(self, ctx: DistillContext, **params):
        super().__init__(ctx, **params)
        s_dim, t_dim = ctx.student.embedding_dim, ctx.teacher.embedding_dim
        self.project = nn.Identity() if s_dim == t_dim else nn.Linear(s_dim, t_dim)

    def terms(self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor,
              index: torch.Tensor | None) -> dict[str, torch.Tensor]:
        out = {}
        if self.weight("kd") > 0:
            out["kd"] = soft_target_kl(student.logits, teacher.logits, self.params["temperature"])
        if self.weight("distance") > 0:
            out["distance"] = rkd_distance(student.embedding, teacher.embedding)
        if self.weight("angle") > 0:
            out["angle"] = rkd_angle(student.embedding, teacher.embedding)
        if self.weight("semantic") > 0:
            out["semantic"] = F.mse_loss(self.project(student.embedding), teacher.embedding)
        return out
