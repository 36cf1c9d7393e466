"""``smallcnn``: a small from-scratch CNN, the backbone of the CPU demo teacher.

Why: a ResNet-18 trained from scratch on the demo's few hundred clips gets ~300 optimiser steps in
the CPU budget and learns little (0.21 accuracy); four conv-BN-ReLU-maxpool stages (16 -> 128
channels, ~0.1 M parameters) over small frames learn the embedded dataset's classes in seconds.
The paper configuration keeps BN-Inception.

With ``widths=(32, 64, 128, 256)`` it is also the wearable GAF student of the run sheet
(``ce_wearable``, ``dask_wearable``): 0.43 M parameters instead of ResNet-18's 11 M, for a
student that meets a wearable's latency (measured in docs/wearable.md).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

from . import Backbone, register_backbone


def _stage(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(cin, cout, 3, padding=1, bias=False),
            bn=nn.BatchNorm2d(cout),
            relu=nn.ReLU(inplace=True),
            pool=nn.MaxPool2d(2),
        )
    )


@register_backbone("smallcnn")
class SmallCNN(Backbone):
    """Stage k: 3x3 conv (no bias) -> BN -> ReLU -> 2x2 max pool; its map is the pooled output
    (stride 2, 4, 8, 16; inputs need at least 16 px per side). ``widths``: the stages' channels."""

    default_norm = "imagenet"
    first_conv = "0.conv"

    def __init__(self, in_channels: int = 3, input_norm: str | None = None, widths: Sequence[int] = (16, 32, 64, 128)):
        super().__init__(in_channels, input_norm)
        widths = [int(w) for w in widths]
        if len(widths) != 4 or min(widths) < 1:
            raise ValueError(f"smallcnn needs 4 positive stage widths, not {widths}")
        self.net = nn.Sequential(*[_stage(cin, cout) for cin, cout in zip([in_channels] + widths[:-1], widths)])
        self.feature_dim = widths[-1]
        self.map_channels = widths

    def stage_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        maps = []
        for stage in self.net:
            x = stage(x)
            maps.append(x)
        return maps
