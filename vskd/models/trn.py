"""Multi-scale Temporal Relation module (Zhou et al., ECCV 2018) with deterministic evaluation.

For each scale s = n..2 the module looks at s-frame tuples of the n segment features (in temporal
order), maps each tuple through g_s (ReLU -> Linear -> ReLU), averages over the tuples used and
classifies with one linear layer per scale; the scales' logits are summed. As in TRN there is no
dropout before the classifiers (TRN drops out the backbone feature, before the bottleneck).

Training uses ``relations_per_scale`` random tuples per scale, as TRN does. TRN also draws them at
random in evaluation, so a clip's output changes from call to call (and cached teacher knowledge
would be noise); here evaluation uses EVERY tuple of every scale: the expectation of what training
samples (for 8 segments, 247 tuples of a small MLP: negligible next to the backbone).
"""

from __future__ import annotations

import itertools

import torch
from torch import nn


class MultiScaleRelation(nn.Module):
    """(B, n, D) segment features -> (logits (B, C), relation embedding (B, num_bottleneck))."""

    def __init__(
        self,
        feature_dim: int,
        num_segments: int,
        num_classes: int,
        num_bottleneck: int = 256,
        relations_per_scale: int = 3,
    ):
        super().__init__()
        self.num_segments = num_segments
        self.scales = list(range(num_segments, 1, -1)) or [1]
        self.relations = [list(itertools.combinations(range(num_segments), s)) for s in self.scales]
        self.k = relations_per_scale
        self.fusion = nn.ModuleList(
            nn.Sequential(nn.ReLU(), nn.Linear(s * feature_dim, num_bottleneck), nn.ReLU()) for s in self.scales
        )
        self.classifiers = nn.ModuleList(nn.Linear(num_bottleneck, num_classes) for _ in self.scales)
        for i, rel in enumerate(self.relations):
            self.register_buffer(f"tuples_{i}", torch.as_tensor(rel, dtype=torch.long), persistent=False)

    def _chosen(self, i: int) -> torch.Tensor:
        """Indices of the tuples of scale i used now: a random subset in training, all in eval."""
        n = len(self.relations[i])
        if not self.training or n <= self.k:
            return torch.arange(n)
        return torch.randperm(n)[: self.k].sort().values

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b = x.shape[0]
        logits, embeds = 0, []
        for i, _ in enumerate(self.scales):
            tuples = getattr(self, f"tuples_{i}")[self._chosen(i).to(x.device)]
            feats = x[:, tuples].reshape(b, tuples.shape[0], -1)  # (B, R, s*D)
            h = self.fusion[i](feats).mean(dim=1)
            embeds.append(h)
            logits = logits + self.classifiers[i](h)
        return logits, torch.stack(embeds, 0).mean(0)
