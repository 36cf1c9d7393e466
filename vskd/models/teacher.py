"""The video teacher: TSN-style segment features + multi-scale TRN head."""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .backbones import Backbone, load_pretrained
from .trn import MultiScaleRelation


class TRNTeacher(nn.Module):
    """(B, n_segments, 3, H, W) RGB 0-255 -> (logits, embedding).

    The embedding (the relation bottleneck averaged over scales) is what relational distillation
    compares with the student's embedding.
    """

    def __init__(self, backbone: str, num_classes: int, num_segments: int, img_feature_dim: int,
                 num_bottleneck: int, relations_per_scale: int = 3, dropout: float = 0.5,
                 partial_bn: bool = False, pretrained: str | None = None):
        super().__init__()
        self.backbone = Backbone(backbone)
        if pretrained:
            load_pretrained(self.backbone, pretrained)
        self.feature_dropout = nn.Dropout(dropout)
        self.bottleneck = nn.Linear(self.backbone.feature_dim, img_feature_dim)
        self.relation = MultiScaleRelation(img_feature_dim, num_segments, num_classes,
                                           num_bottleneck, relations_per_scale, dropout)
        self.num_segments = num_segments
        self.partial_bn = partial_bn
        self.embedding_dim = num_bottleneck

    @classmethod
    def from_config(cls, cfg: dict[str, Any], num_classes: int) -> "TRNTeacher":
        return cls(cfg["backbone"], num_classes, cfg["num_segments"], cfg["img_feature_dim"],
                   cfg["num_bottleneck"], cfg.get("relations_per_scale", 3), cfg.get("dropout", 0.5),
                   cfg.get("partial_bn", False), cfg.get("pretrained"))

    def train(self, mode: bool = True) -> "TRNTeacher":
        """Partial BN (TSN): in training, every BatchNorm but the first stays frozen in eval mode."""
        super().train(mode)
        if mode and self.partial_bn:
            bns = [m for m in self.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
            for bn in bns[1:]:
                bn.eval()
                bn.weight.requires_grad_(False)
                bn.bias.requires_grad_(False)
        return self

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, n = frames.shape[:2]
        feats = self.backbone(frames.flatten(0, 1))
        feats = self.bottleneck(self.feature_dropout(feats)).view(b, n, -1)
        return self.relation(feats)
