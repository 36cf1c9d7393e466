"""The sensor student: ResNet-18 on GAF images with a 512 -> embedding -> classes head (VSKD)."""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .backbones import Backbone, load_pretrained


class GafStudent(nn.Module):
    """(B, C, S, S) GAF images as 0-255 floats -> (logits, embedding).

    ``forward_features`` also returns the four residual stages' maps, for feature-based baselines.
    """

    def __init__(self, num_classes: int, embedding_dim: int = 300, in_channels: int = 3,
                 backbone: str = "resnet18", pretrained: str | None = None):
        super().__init__()
        self.backbone = Backbone(backbone)
        if pretrained:
            load_pretrained(self.backbone, pretrained)
        if in_channels != 3:  # e.g. acc + gyro: widen the first convolution, normalise per channel
            net = self.backbone.net
            net.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
            self.backbone.norm.mean = torch.full((1, in_channels, 1, 1), 0.5)
            self.backbone.norm.std = torch.full((1, in_channels, 1, 1), 0.25)
        self.embed = nn.Linear(self.backbone.feature_dim, embedding_dim)
        self.classifier = nn.Sequential(nn.ReLU(), nn.Linear(embedding_dim, num_classes))
        self.embedding_dim = embedding_dim

    @classmethod
    def from_config(cls, cfg: dict[str, Any], num_classes: int, in_channels: int) -> "GafStudent":
        return cls(num_classes, cfg["embedding_dim"], in_channels, cfg["backbone"], cfg.get("pretrained"))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        emb = self.embed(self.backbone(x))
        return self.classifier(emb), emb

    def forward_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        net = self.backbone.net
        h = net.maxpool(net.relu(net.bn1(net.conv1(self.backbone.norm(x)))))
        maps = []
        for layer in (net.layer1, net.layer2, net.layer3, net.layer4):
            h = layer(h)
            maps.append(h)
        emb = self.embed(torch.flatten(net.avgpool(h), 1))
        return self.classifier(emb), emb, maps
