"""torchvision ResNets (He et al. 2016) as registered backbones: ``resnet18`` (the VSKD student)
and ``resnet50``. Weights are never downloaded: ``load_pretrained`` reads a local state dict, whose
keys are torchvision's (``conv1.weight``, ``layer1.0.bn1.weight``, ...)."""

from __future__ import annotations

import torch
import torchvision
from torch import nn

from . import Backbone, register_backbone


class ResNetBackbone(Backbone):
    """A torchvision ResNet without its classifier; the stage maps are layer1..layer4."""

    arch = ""
    default_norm = "imagenet"
    first_conv = "conv1"

    def __init__(self, in_channels: int = 3, input_norm: str | None = None):
        super().__init__(in_channels, input_norm)
        self.net = getattr(torchvision.models, self.arch)(weights=None)
        if in_channels != 3:  # e.g. acc + gyro GAF: a first convolution for C channels
            self.net.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.feature_dim = self.net.fc.in_features
        self.net.fc = nn.Identity()
        # layer k has 64 * 2^k * expansion channels (expansion 1 for basic blocks, 4 for bottlenecks)
        self.map_channels = [self.feature_dim // 8 * 2**k for k in range(4)]

    def stage_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        n = self.net
        h = n.maxpool(n.relu(n.bn1(n.conv1(x))))
        maps = []
        for layer in (n.layer1, n.layer2, n.layer3, n.layer4):
            h = layer(h)  # blocks apply ReLU in place to their own output only
            maps.append(h)
        return maps


@register_backbone("resnet18")
class ResNet18(ResNetBackbone):
    arch = "resnet18"


@register_backbone("resnet50")
class ResNet50(ResNetBackbone):
    arch = "resnet50"
