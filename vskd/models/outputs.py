"""What every network of vskd returns: one record, so distillation methods pick what they need.

Distillation methods differ in what they read (logits, an embedding, a pooled feature, spatial
maps); networks return all of these explicitly instead of exposing them through forward hooks
(hooks on in-place ReLUs see overwritten tensors). ``maps`` are only computed when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

#: names of the vector outputs a teacher's knowledge cache stores for every view
VECTOR_FIELDS = ("logits", "embedding", "pooled", "relation")


@dataclass
class NetOutput:
    """Outputs of a network for a batch.

    - ``logits``: (B, classes).
    - ``embedding``: the paper's "fc0" (B, D): for the TRN teacher the segment mean of the frame
      features after the bottleneck (before the relation module), for the GAF student
      ReLU(fc(pool)). DASK's relational and semantic terms compare these.
    - ``pooled``: (B, P) the globally pooled backbone feature (segment mean for the teacher).
    - ``relation``: (B, R) the TRN relation embedding averaged over scales (teacher only).
    - ``maps``: the four stage feature maps (segment mean for the teacher), when requested.
    """

    logits: torch.Tensor
    embedding: torch.Tensor
    pooled: torch.Tensor
    relation: torch.Tensor | None = None
    maps: list[torch.Tensor] = field(default_factory=list)

    def detached(self) -> NetOutput:
        """A copy with every tensor cut from the graph (teacher outputs are constants)."""
        d = lambda t: None if t is None else t.detach()  # noqa: E731
        return NetOutput(
            d(self.logits), d(self.embedding), d(self.pooled), d(self.relation), [m.detach() for m in self.maps]
        )


@dataclass
class TeacherSet(NetOutput):
    """Outputs of one or more sensor teachers for a batch.

    ``logits`` = sum of the branches' logits (the fused prediction; one branch: its own),
    ``embedding`` = mean of their semantic layers, ``branches`` each teacher's NetOutput,
    ``ablation_classes`` each teacher's prediction for an all-zero input (GSDM).
    """

    branches: list[NetOutput] = field(default_factory=list)
    ablation_classes: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, branches: list[NetOutput], ablation_classes: list[int]) -> TeacherSet:
        if not branches:
            raise ValueError("a TeacherSet needs at least one teacher")
        logits = torch.stack([b.logits for b in branches]).sum(0)
        emb = torch.stack([b.embedding for b in branches]).mean(0) if branches[0].embedding is not None else None
        return cls(logits, emb, None, None, [], list(branches), list(ablation_classes))

    def detached(self) -> TeacherSet:
        return TeacherSet.of([b.detached() for b in self.branches], self.ablation_classes)
