"""DASK (VSKD, ICASSP 2022): soft targets + distance-wise + angle-wise relations + semantics.

All relational and semantic terms act on the paper's "fc0" embeddings (``NetOutput.embedding``):
for the TRN teacher the segment mean of the bottleneck frame features, for the student
ReLU(fc(pool)). The semantic term is, as in the paper's Fig. 1, the released code and SAKDN, the
MSE between the student's and the teacher's fc0; when their sizes differ (not in the paper: both
300-d) a linear projection of the student's trains with it. Defaults are the released ones:
CE + 0.01 * KD(T = 4) + L_D + L_A + L_S. A weight of 0 removes a term (the ablations).

``teacher_fc0: relu`` (not the paper's; default ``raw``) compares with ReLU(teacher fc0), which is
what the relation module actually reads (TRN's relation MLPs start with a ReLU). Why offer it: the
student's fc0 is a ReLU output (>= 0) while the teacher's raw fc0 can be mostly negative (~97 % of
its entries for the demo teacher), so the paper's MSE then has a floor the student cannot go below
and its gradient only pushes the student's fc0 towards 0.
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
    defaults = {"kd": 0.01, "temperature": 4.0, "distance": 1.0, "angle": 1.0, "semantic": 1.0, "teacher_fc0": "raw"}
    teacher_fields = frozenset({"logits", "embedding"})
    weight_params = ("kd", "distance", "angle", "semantic")

    def __init__(self, ctx: DistillContext, **params):
        super().__init__(ctx, **params)
        if self.params["teacher_fc0"] not in ("raw", "relu"):
            raise ValueError(f"method 'dask': teacher_fc0 must be 'raw' or 'relu', got {self.params['teacher_fc0']!r}")
        s_dim, t_dim = ctx.student.embedding_dim, ctx.teacher.embedding_dim
        self.project = nn.Identity() if s_dim == t_dim else nn.Linear(s_dim, t_dim)

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        out = {}
        t_emb = teacher.embedding.relu() if self.params["teacher_fc0"] == "relu" else teacher.embedding
        if self.weight("kd") > 0:
            out["kd"] = soft_target_kl(student.logits, teacher.logits, self.params["temperature"])
        if self.weight("distance") > 0:
            out["distance"] = rkd_distance(student.embedding, t_emb)
        if self.weight("angle") > 0:
            out["angle"] = rkd_angle(student.embedding, t_emb)
        if self.weight("semantic") > 0:
            out["semantic"] = F.mse_loss(self.project(student.embedding), t_emb)
        return out
