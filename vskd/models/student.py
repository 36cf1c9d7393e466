"""The sensor student: a 2-D CNN on GAF images with a pool -> fc0 -> classes head (VSKD)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .backbones import build_backbone, load_pretrained
from .outputs import NetOutput
from .registry import register_network


@register_network("gaf_cnn")
class GafStudent(nn.Module):
    """(B, C, S, S) GAF images, uint8 range 0-255 -> NetOutput.

    Head as the released student: pool (512 for ResNet-18) -> fc -> ReLU = fc0 (``embedding``)
    -> linear classifier. ``input_norm`` is how the backbone normalises its input: ``unit``
    (x / 255: the released code's ToTensor without mean/std, the default) or ``imagenet``.
    More than 3 GAF channels (e.g. acc + gyro) widen the first convolution.
    ``backbone_options``: the backbone's own keywords (e.g. ``smallcnn``'s ``widths`` for the
    wearable student).
    """

    modality = "gaf"

    def __init__(
        self,
        num_classes: int,
        embedding_dim: int = 300,
        in_channels: int = 3,
        backbone: str = "resnet18",
        pretrained: str | None = None,
        input_norm: str = "unit",
        backbone_options: dict[str, Any] | None = None,
    ):
        super().__init__()
        if pretrained and in_channels != 3:
            raise ValueError(f"ImageNet weights ({pretrained}) need 3 GAF channels, got {in_channels}")
        self.backbone = build_backbone(
            backbone, in_channels=in_channels, input_norm=input_norm, **(backbone_options or {})
        )
        if pretrained:
            load_pretrained(self.backbone, pretrained)
        self.fc = nn.Linear(self.backbone.feature_dim, embedding_dim)
        self.classifier = nn.Linear(embedding_dim, num_classes)
        self.embedding_dim = embedding_dim
        self.pooled_dim = self.backbone.feature_dim
        self.relation_dim = None
        self.map_channels = tuple(self.backbone.map_channels)

    @classmethod
    def from_config(cls, cfg: dict[str, Any], num_classes: int, in_channels: int) -> GafStudent:
        return cls(
            num_classes,
            cfg["embedding_dim"],
            in_channels,
            cfg["backbone"],
            cfg.get("pretrained"),
            cfg.get("input_norm", "unit"),
            cfg.get("backbone_options"),
        )

    def forward(self, x: torch.Tensor, with_maps: bool = False) -> NetOutput:
        if with_maps:
            pooled, maps = self.backbone.forward_maps(x)
        else:
            pooled, maps = self.backbone(x), []
        emb = torch.relu(self.fc(pooled))
        return NetOutput(self.classifier(emb), emb, pooled, None, maps)
