"""SPAMFM: Similarity-Preserving Adaptive Multi-modal Fusion Module (SAKDN, Liu et al. 2021).

At one depth of the M sensor branches, each branch's feature F_m (B, C, H, W) or (B, C) is
recalibrated channel-wise by a gate that sees every branch:

1. similarity preservation: the batch Gram G_m = f_m f_m^T (f_m: F_m flattened per clip), each row
   L2-normalised, propagates the squeezed descriptor y_m = GAP(F_m): y~_m = G^_m y_m (B, C). A clip's
   descriptor becomes a similarity-weighted mixture of the clips it resembles in that modality;
2. adaptive fusion: three joint descriptors of all modalities, concatenation z_cat = [y~_1..y~_M],
   sum z_add = sum_m y~_m and product z_mul = prod_m y~_m;
3. excitation per branch m: gate_m = sig(MLP_cat,m(z_cat)) + sig(MLP_add,m(z_add)) + sig(MLP_mul,m(z_mul))
   (each MLP: C' -> C'/r -> C with ReLU), in [0, 3]; output gate_m * F_m.

The released code writes ``relu(sigmoid(.))``, which equals ``sigmoid(.)``; the paper and the code
agree on the structure. Because of step 1 a clip's output depends on the other clips of its batch:
evaluation and the knowledge cache therefore use fixed batches in split order (see
``vskd.training.sensor_teachers``). Sum and product need equal channel counts in every branch (always true
here: the branches share one architecture).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def similarity_propagated(feature: torch.Tensor) -> torch.Tensor:
    """Row-normalised batch Gram of ``feature`` times its squeezed descriptor: (B, C)."""
    flat = feature.flatten(1)
    gram = F.normalize(flat @ flat.t(), p=2, dim=1)
    squeezed = feature.mean(dim=(2, 3)) if feature.dim() == 4 else feature
    return gram @ squeezed


def _excitation(c_in: int, c_out: int, reduction: int) -> nn.Sequential:
    hidden = max(1, c_in // reduction)
    return nn.Sequential(nn.Linear(c_in, hidden), nn.ReLU(), nn.Linear(hidden, c_out), nn.Sigmoid())


class SPAMFM(nn.Module):
    """Fusion of M same-depth branch features; ``forward(list of M tensors) -> list of M tensors``."""

    def __init__(self, channels: list[int] | tuple[int, ...], reduction: int = 4):
        super().__init__()
        self.channels = [int(c) for c in channels]
        if len(self.channels) < 1:
            raise ValueError("SPAMFM needs at least one branch")
        total = sum(self.channels)
        self.equal = len(set(self.channels)) == 1
        self.fc_cat = nn.ModuleList(_excitation(total, c, reduction) for c in self.channels)
        if self.equal:
            self.fc_add = nn.ModuleList(_excitation(c, c, reduction) for c in self.channels)
            self.fc_mul = nn.ModuleList(_excitation(c, c, reduction) for c in self.channels)
        self.last_gates: list[torch.Tensor] = []

    def gates(self, features: list[torch.Tensor]) -> list[torch.Tensor]:
        """Per-branch channel gates (B, C_m) in [0, 3] (two terms only when channel counts differ)."""
        if len(features) != len(self.channels):
            raise ValueError(f"SPAMFM built for {len(self.channels)} branches, got {len(features)}")
        prop = [similarity_propagated(f) for f in features]
        z_cat = torch.cat(prop, dim=1)
        out = []
        if self.equal:
            z_add = torch.stack(prop).sum(0)
            z_mul = torch.stack(prop).prod(0)
        for m in range(len(features)):
            g = self.fc_cat[m](z_cat)
            if self.equal:
                g = g + self.fc_add[m](z_add) + self.fc_mul[m](z_mul)
            out.append(g)
        return out

    def forward(self, features: list[torch.Tensor]) -> list[torch.Tensor]:
        gates = self.gates(features)
        self.last_gates = [g.detach() for g in gates]  # for the report: fusion weights per class
        return [f * (g.view(*g.shape, 1, 1) if f.dim() == 4 else g) for f, g in zip(features, gates)]
