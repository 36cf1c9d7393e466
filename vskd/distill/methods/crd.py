"""CRD (Tian, Krishnan & Isola, "Contrastive Representation Distillation", ICLR 2020).

Student and teacher representations of the same clip are pulled together and those of different
clips pushed apart, with a noise-contrastive estimate (NCE) of a lower bound of their mutual
information. Choices (references: RepDistiller ``crd/criterion.py``, ``crd/memory.py`` and
``train_student.py``; torchdistill ``CRDLoss``):

- feature: the globally pooled backbone feature of each network (``pooled``; RepDistiller's
  ``feat[-1]``, torchdistill's ``model.avgpool``);
- embeddings: a trained linear layer on each side to ``feat_dim`` = 128, then L2 normalisation
  (RepDistiller's ``Embed``). The teacher-side layer is one of the method's trainable connectors;
  the teacher network gets no gradient;
- memory bank: one 128-d vector per training clip and side (buffers of ``ctx.num_train`` rows,
  initialised uniformly in +-1/sqrt(feat_dim/3)), addressed by ``index`` (the position of each clip
  in the training list). After each training step the rows of the batch are updated with momentum
  ``nce_m`` = 0.5 and re-normalised; in eval mode the bank is read but not written;
- scores: for each anchor (student embedding against the teacher bank, and teacher embedding
  against the student bank) exp(v . m / nce_t), nce_t = 0.07, divided by a constant Z set once
  from the first batch as mean score x num_train (the paper's / RepDistiller's estimate);
- negatives: ``nce_k`` rows drawn uniformly, with replacement, from the other training clips
  (never the clip itself). The default 4096 (RepDistiller's CIFAR runs use 16384 over 50000 images)
  exceeds a small training set (a UTD trial has 432 training clips), so ``nce_k`` is clamped to
  num_train - 1; the value in use is ``num_negatives``. RepDistiller's ``mode='exact'`` sampler
  also excludes clips of the positive's class; the labels of the whole training list are not in
  the context, so negatives here are instance-level, as in the paper's main formulation;
- loss (the paper's Eq. 18, both directions summed): with m = K negatives and noise
  probability Pn = 1/num_train, -(sum log(P+/(P+ + m Pn)) + sum log(m Pn/(P- + m Pn))) / B;
- weights: ``crd`` = 0.8 and cross-entropy ``ce`` = 1 as RepDistiller's CRD run (the paper's CRD);
  ``kd`` = 0 by default (CRD alone); a positive ``kd`` adds Hinton's soft targets at
  ``temperature`` (the paper's CRD+KD variant: ``kd`` 1).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...models.outputs import NetOutput
from ..base import DistillContext, DistillMethod
from ..functional import soft_target_kl
from ..registry import register_method
from ._common import as_dtype_of, int_param, positive_param

EPS = 1e-7


def nce_loss(scores: torch.Tensor, num_data: int) -> torch.Tensor:
    """NCE loss of (B, 1 + K) normalised scores, the positive first (CRD's Eq. 18)."""
    m = scores.shape[1] - 1
    noise = m / float(num_data)  # m * Pn
    pos, neg = scores[:, 0], scores[:, 1:]
    log_d1 = torch.log(pos / (pos + noise + EPS))
    log_d0 = torch.log(noise / (neg + noise + EPS))
    return -(log_d1.sum() + log_d0.sum()) / scores.shape[0]


@register_method("crd")
class ContrastiveRepresentation(DistillMethod):
    defaults = {"crd": 0.8, "kd": 0.0, "temperature": 4.0, "feat_dim": 128, "nce_k": 4096, "nce_t": 0.07, "nce_m": 0.5}
    teacher_fields = frozenset({"pooled", "logits"})
    weight_params = ("crd", "kd")

    def __init__(self, ctx: DistillContext, **params):
        super().__init__(ctx, **params)
        dim = int_param(self.name, "feat_dim", self.params["feat_dim"], 1)
        nce_k = int_param(self.name, "nce_k", self.params["nce_k"], 1)
        self.nce_t = positive_param(self.name, "nce_t", self.params["nce_t"])
        positive_param(self.name, "temperature", self.params["temperature"])
        momentum = self.params["nce_m"]
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum < 1:
            raise ValueError(f"method 'crd': nce_m must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.embed_s: nn.Module | None = None
        self.embed_t: nn.Module | None = None
        self.num_data = int(ctx.num_train)
        self.num_negatives = 0
        if self.weight("crd") <= 0:
            return
        if self.num_data < 2:
            raise ValueError(
                f"method 'crd' needs the number of training clips (ctx.num_train >= 2) "
                f"for its memory bank, got {ctx.num_train}"
            )
        self.num_negatives = min(nce_k, self.num_data - 1)
        self.embed_s = nn.Linear(ctx.student.pooled_dim, dim)
        self.embed_t = nn.Linear(ctx.teacher.pooled_dim, dim)
        stdv = 1.0 / math.sqrt(dim / 3)
        self.register_buffer("memory_s", torch.rand(self.num_data, dim) * 2 * stdv - stdv)
        self.register_buffer("memory_t", torch.rand(self.num_data, dim) * 2 * stdv - stdv)
        # Z of the student-anchor and the teacher-anchor scores; negative = not set yet
        self.register_buffer("z", torch.full((2,), -1.0))

    def sample_negatives(self, index: torch.Tensor) -> torch.Tensor:
        """(B, K) training positions drawn uniformly with replacement among the other clips."""
        draw = torch.randint(0, self.num_data - 1, (len(index), self.num_negatives), device=index.device)
        return draw + (draw >= index[:, None]).long()  # skip the positive itself

    def _scores(self, anchor: torch.Tensor, bank: torch.Tensor, ids: torch.Tensor, which: int):
        """exp(anchor . bank[ids] / T) / Z, (B, 1 + K); Z fixed at the first call."""
        e = torch.exp(torch.bmm(bank[ids], anchor[:, :, None]).squeeze(2) / self.nce_t)
        if self.z[which] < 0:
            self.z[which] = e.detach().mean() * self.num_data
        return e / self.z[which].clone()  # a copy: the buffer's other entry is set in place

    @torch.no_grad()
    def _update(self, bank: torch.Tensor, index: torch.Tensor, v: torch.Tensor) -> None:
        rows = bank[index] * self.momentum + v.detach() * (1 - self.momentum)
        bank.index_copy_(0, index, F.normalize(rows, dim=1))

    def terms(
        self, student: NetOutput, teacher: NetOutput | None, labels: torch.Tensor, index: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        out = {}
        if self.embed_s is not None:
            if index is None:
                raise ValueError("method 'crd' needs the training-list position (index) of each clip")
            index = torch.as_tensor(index, device=self.memory_s.device).long().view(-1)
            if len(index) != len(student.pooled) or bool(((index < 0) | (index >= self.num_data)).any()):
                raise ValueError(
                    f"method 'crd': index must give one position in 0..{self.num_data - 1} "
                    f"per clip, got {index.tolist()}"
                )
            v_s = F.normalize(self.embed_s(student.pooled.flatten(1)), dim=1)
            v_t = F.normalize(self.embed_t(as_dtype_of(teacher.pooled, student.pooled).flatten(1)), dim=1)
            ids = torch.cat([index[:, None], self.sample_negatives(index)], dim=1)
            loss_s = nce_loss(self._scores(v_s, self.memory_t, ids, 0), self.num_data)
            loss_t = nce_loss(self._scores(v_t, self.memory_s, ids, 1), self.num_data)
            out["crd"] = loss_s + loss_t
            if self.training:
                self._update(self.memory_s, index, v_s)
                self._update(self.memory_t, index, v_t)
        if self.weight("kd") > 0:
            out["kd"] = soft_target_kl(student.logits, teacher.logits, self.params["temperature"])
        return out
