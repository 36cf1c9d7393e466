"""The video teacher: TSN-style segment features + multi-scale TRN head."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .backbones import build_backbone, load_pretrained
from .outputs import NetOutput
from .registry import register_network
from .trn import MultiScaleRelation


@register_network("trn")
class TRNTeacher(nn.Module):
    """(B, n_segments, 3, H, W) RGB 0-255 -> NetOutput.

    ``embedding`` (the paper's fc0) is the segment mean of the bottleneck frame features, before
    the relation module; ``relation`` is the relation embedding averaged over scales; ``pooled``
    and ``maps`` are segment means of the backbone's pooled feature and stage maps.
    """

    modality = "video"

    def __init__(
        self,
        backbone: str,
        num_classes: int,
        num_segments: int,
        img_feature_dim: int,
        num_bottleneck: int,
        relations_per_scale: int = 3,
        dropout: float = 0.5,
        partial_bn: bool = False,
        pretrained: str | None = None,
    ):
        super().__init__()
        self.backbone = build_backbone(backbone)
        if pretrained:
            load_pretrained(self.backbone, pretrained)
        self.feature_dropout = nn.Dropout(dropout)
        self.bottleneck = nn.Linear(self.backbone.feature_dim, img_feature_dim)
        self.relation = MultiScaleRelation(
            img_feature_dim, num_segments, num_classes, num_bottleneck, relations_per_scale
        )
        self.num_segments = num_segments
        self.partial_bn = partial_bn
        self.embedding_dim = img_feature_dim
        self.pooled_dim = self.backbone.feature_dim
        self.relation_dim = num_bottleneck
        self.map_channels = tuple(self.backbone.map_channels)

    @classmethod
    def from_config(cls, cfg: dict[str, Any], num_classes: int, in_channels: int = 3) -> TRNTeacher:
        return cls(
            cfg["backbone"],
            num_classes,
            cfg["num_segments"],
            cfg["img_feature_dim"],
            cfg["num_bottleneck"],
            cfg.get("relations_per_scale", 3),
            cfg.get("dropout", 0.5),
            cfg.get("partial_bn", False),
            cfg.get("pretrained"),
        )

    def train(self, mode: bool = True) -> TRNTeacher:
        """Partial BN (TSN): in training, every BatchNorm but the first stays frozen in eval mode."""
        super().train(mode)
        if mode and self.partial_bn:
            bns = [m for m in self.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
            for bn in bns[1:]:
                bn.eval()
                bn.weight.requires_grad_(False)
                bn.bias.requires_grad_(False)
        return self

    def forward(self, frames: torch.Tensor, with_maps: bool = False) -> NetOutput:
        b, n = frames.shape[:2]
        flat = frames.flatten(0, 1)
        if with_maps:
            pooled, maps = self.backbone.forward_maps(flat)
            maps = [m.view(b, n, *m.shape[1:]).mean(1) for m in maps]
        else:
            pooled, maps = self.backbone(flat), []
        feats = self.bottleneck(self.feature_dropout(pooled)).view(b, n, -1)
        logits, relation = self.relation(feats)
        return NetOutput(logits, feats.mean(1), pooled.view(b, n, -1).mean(1), relation, maps)
