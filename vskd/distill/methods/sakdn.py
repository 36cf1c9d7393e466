"""SAKDN's distillation loss (Liu et al., IEEE TIP 2021): sensor teachers -> video student.

CE + kd * soft targets + gsdm * GSDM + semantic * semantic term; defaults are the released UTD
script's weights (soft targets 0.01 at T = 4, GSDM 1, semantic 1; its SP/RKD terms are weighted 0).

- soft targets: ``soft_target: branches`` (the released code) averages T^2 KL to each teacher;
  ``fused`` distils the fused prediction (sum of the teachers' logits);
- semantic: MSE between the student's fc0 (projected when sizes differ) and each teacher's semantic
  layer (which regressed the class-name embedding), averaged over teachers;
- GSDM (``vskd.distill.gsdm``): graph-guided ablation-CAMs of the student's and each teacher's stage
  maps, paired depth by depth (``ablation_weight``, ``gsdm_pairing``: paper reading or the code's).

The teacher arrives as a ``vskd.models.outputs.TeacherSet`` (a single NetOutput counts as one
teacher). GSDM needs the student's prediction for an all-zero clip: the training loop sets it with
``set_student_ablation`` before each batch (the method never runs the student itself).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...models.outputs import NetOutput
from ..base import DistillContext, DistillMethod
from ..functional import soft_target_kl
from ..gsdm import ABLATION_WEIGHTS, PAIRINGS, ablation_weights, gsdm_loss
from ..registry import register_method


@register_method("sakdn")
class SAKDN(DistillMethod):
    defaults = {
        "kd": 0.01,
        "temperature": 4.0,
        "gsdm": 1.0,
        "semantic": 1.0,
        "soft_target": "branches",
        "ablation_weight": "norm",
        "gsdm_pairing": "similarity",
    }
    teacher_fields = frozenset({"logits", "embedding", "maps"})
    student_maps = True
    needs_class_embeddings = True
    weight_params = ("kd", "gsdm", "semantic")

    def __init__(self, ctx: DistillContext, **params):
        super().__init__(ctx, **params)
        p = self.params
        for key, allowed in (
            ("soft_target", ("branches", "fused")),
            ("ablation_weight", ABLATION_WEIGHTS),
            ("gsdm_pairing", PAIRINGS),
        ):
            if p[key] not in allowed:
                raise ValueError(f"method 'sakdn': {key} must be one of {allowed}, got {p[key]!r}")
        if self.weight("gsdm") > 0 and ctx.class_embeddings is None:
            raise ValueError("method 'sakdn': GSDM needs the class-name embeddings")
        emb = ctx.class_embeddings if ctx.class_embeddings is not None else torch.zeros(1, 1)
        self.register_buffer("class_embeddings", emb.to(torch.float32).clone(), persistent=False)
        s_dim, t_dim = ctx.student.embedding_dim, ctx.teacher.embedding_dim
        self.project = nn.Identity() if s_dim == t_dim else nn.Linear(s_dim, t_dim)
        self.student_ablation_class: int | None = None

    def set_student_ablation(self, cls: int) -> None:
        """The student's predicted class for an all-zero clip (GGAA's ablated input), this batch."""
        self.student_ablation_class = int(cls)

    @staticmethod
    def _teachers(teacher: NetOutput) -> tuple[list[NetOutput], list[int]]:
        branches = getattr(teacher, "branches", None)
        if branches:
            return list(branches), list(teacher.ablation_classes)
        return [teacher], [int(getattr(teacher, "ablation_class", 0))]

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        branches, ablated = self._teachers(teacher)
        out: dict[str, torch.Tensor] = {}
        if self.weight("kd") > 0:
            T = self.params["temperature"]
            if self.params["soft_target"] == "fused":
                out["kd"] = soft_target_kl(student.logits, teacher.logits, T)
            else:
                out["kd"] = torch.stack([soft_target_kl(student.logits, b.logits, T) for b in branches]).mean()
        if self.weight("semantic") > 0:
            s = self.project(student.embedding)
            out["semantic"] = torch.stack([F.mse_loss(s, b.embedding.to(s.dtype)) for b in branches]).mean()
        if self.weight("gsdm") > 0:
            if self.student_ablation_class is None:
                raise ValueError("method 'sakdn': set_student_ablation() must be called before GSDM")
            if not student.maps or any(not b.maps for b in branches):
                raise ValueError("method 'sakdn': GSDM needs the stage maps of the student and every teacher")
            mode = self.params["ablation_weight"]
            e = self.class_embeddings
            w_s = ablation_weights(student.logits.argmax(1), self.student_ablation_class, e, mode)
            w_t = [ablation_weights(b.logits.argmax(1), a, e, mode) for b, a in zip(branches, ablated)]
            out["gsdm"] = gsdm_loss(
                list(student.maps), w_s, [list(b.maps) for b in branches], w_t, self.params["gsdm_pairing"]
            )
        return out
