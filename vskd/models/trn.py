"""Multi-scale Temporal Relation module (Zhou et al., ECCV 2018) with deterministic evaluation.

For each scale s = n..2 the module looks at s-frame tuples of the n segment features (in temporal
order), maps each tuple through g_s (ReLU -> Linear -> ReLU) and averages over the tuples used.
Like TRN it uses only ``relations_per_scale`` tuples per scale. TRN draws them at random even in
eval mode, which makes a clip's teacher output change from call to call (and cached knowledge
noise); here training draws them at random and evaluation uses a fixed, evenly spread subset.
"""
from __future__ import annotations

import itertools

import numpy as np
import torch
from torch import nn


class MultiScaleRelation(nn.Module):
    """(B, n, D) segment features -> (logits (B, C), embedding (B, num_bottleneck))."""

    def __init__(self, feature_dim: int, num_segments: int, num_classes: int,
                 num_bottleneck: int = 256, relations_per_scale: int = 3, dropout: float = 0.5):
        super().__init__()
        self.num_segments = num_segments
        self.scales = list(range(num_segments, 1, -1))
        self.relations = [list(itertools.combinations(range(num_segments), s)) for s in self.scales]
        self.k = relations_per_scale
        self.fusion = nn.ModuleList(
            nn.Sequential(nn.ReLU(), nn.Linear(s * feature_dim, num_bottleneck), nn.ReLU())
            for s in self.scales)
        self.dropout = nn.Dropout(dropout)
        self.classifiers = nn.ModuleList(nn.Linear(num_bottleneck, num_classes) for _ in self.scales)
        for i, rel in enumerate(self.relations):  # fixed evaluation subsets
            n = len(rel)
            pick = np.unique(np.linspace(0, n - 1, min(self.k, n)).round().astype(int))
            self.register_buffer(f"eval_idx_{i}", torch.as_tensor(pick), persistent=False)

    def _chosen(self, i: int) -> torch.Tensor:
        n = len(self.relations[i])
        if not self.training or n <= self.k:
            return getattr(self, f"eval_idx_{i}") if n > self.k else torch.arange(n)
        return torch.randperm(n)[: self.k].sort().values

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b = x.shape[0]
        logits, embeds = 0, []
        for i, _ in enumerate(self.scales):
            tuples = torch.as_tensor(self.relations[i], device=x.device)[self._chosen(i).to(x.device)]
            # (B, R, s, D) -> (B, R, s*D)
            feats = x[:, tuples].reshape(b, tuples.shape[0], -1)
            h = self.fusion[i](feats).mean(dim=1)
            embeds.append(h)
            logits = logits + self.classifiers[i](self.dropout(h))
        return logits, torch.stack(embeds, 0).mean(0)
