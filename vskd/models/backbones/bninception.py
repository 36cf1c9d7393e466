"""BN-Inception (Ioffe & Szegedy 2015), the 2-D backbone of TSN/TRN and of the VSKD teacher.

Written from the published network definition (the Caffe prototxt used by TSN). Layer names follow
that definition (``conv1_7x7_s2``, ``inception_3a_1x1_bn``, ...) so that the state dicts of TSN/TRN
ImageNet checkpoints load directly. Input convention of those checkpoints: BGR, 0-255, mean
[104, 117, 128], std 1 (``input_norm="caffe_bgr"``, the default here). At 224 px the features are
1024 x 7 x 7; the backbone has 10,270,240 parameters without its 1000-way classifier.
"""

from __future__ import annotations

import torch
from torch import nn

from . import Backbone, register_backbone

FEATURE_DIM = 1024

# name: (in, 1x1, 3x3 reduce, 3x3, double reduce, double 3x3, pool kind, pool proj, stride)
# A stride-2 block has no 1x1 branch and passes its max-pooled input through unprojected.
# Output channels = 1x1 + 3x3 + double 3x3 + (pool proj, or the input for a stride-2 block).
BLOCKS = (
    ("3a", 192, 64, 64, 64, 64, 96, "avg", 32, 1),  # -> 256
    ("3b", 256, 64, 64, 96, 64, 96, "avg", 64, 1),  # -> 320
    ("3c", 320, 0, 128, 160, 64, 96, "max", 0, 2),  # -> 576
    ("4a", 576, 224, 64, 96, 96, 128, "avg", 128, 1),  # -> 576
    ("4b", 576, 192, 96, 128, 96, 128, "avg", 128, 1),  # -> 576
    ("4c", 576, 160, 128, 160, 128, 160, "avg", 128, 1),  # -> 608
    ("4d", 608, 96, 128, 192, 160, 192, "avg", 128, 1),  # -> 608
    ("4e", 608, 0, 128, 192, 192, 256, "max", 0, 2),  # -> 1056
    ("5a", 1056, 352, 192, 320, 160, 224, "avg", 128, 1),  # -> 1024
    ("5b", 1024, 352, 192, 320, 192, 224, "max", 128, 1),  # -> 1024
)
#: the blocks whose outputs are the backbone's four stage maps (after the stem's conv2_3x3)
MAP_BLOCKS = ("inception_3b", "inception_4d", "inception_5b")


def block_out_channels(spec: tuple) -> int:
    _, cin, c1, _, c3, _, cd, _, proj, stride = spec
    return c1 + c3 + cd + (proj if stride == 1 else cin)


class BNInception(nn.Module):
    """BN-Inception feature extractor with the published layer names.

    ``forward`` returns (N, 1024) pooled features (or classifier logits with ``num_classes``);
    ``stage_maps`` the maps after conv2_3x3 (192 ch, stride 4), inception_3b (320, /8),
    inception_4d (608, /16) and inception_5b (1024, /32).
    """

    def __init__(self, num_classes: int | None = None, in_channels: int = 3):
        super().__init__()
        stem = [
            ("conv1_7x7_s2", nn.Conv2d(in_channels, 64, 7, 2, 3)),
            ("conv1_7x7_s2_bn", nn.BatchNorm2d(64)),
            ("conv1_relu_7x7", nn.ReLU(inplace=True)),
            ("pool1_3x3_s2", nn.MaxPool2d(3, 2, ceil_mode=True)),
            ("conv2_3x3_reduce", nn.Conv2d(64, 64, 1)),
            ("conv2_3x3_reduce_bn", nn.BatchNorm2d(64)),
            ("conv2_relu_3x3_reduce", nn.ReLU(inplace=True)),
            ("conv2_3x3", nn.Conv2d(64, 192, 3, 1, 1)),
            ("conv2_3x3_bn", nn.BatchNorm2d(192)),
            ("conv2_relu_3x3", nn.ReLU(inplace=True)),
        ]
        for name, layer in stem:
            self.add_module(name, layer)
        self.stem = [name for name, _ in stem]
        self.pool2_3x3_s2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.blocks: list[tuple[str, list[list[str]], int]] = []
        for spec in BLOCKS:
            self._add_block(*spec)
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.last_linear = nn.Linear(FEATURE_DIM, num_classes) if num_classes else None

    def _conv_bn(self, name: str, cin: int, cout: int, k: int, stride: int = 1) -> list[str]:
        self.add_module(name, nn.Conv2d(cin, cout, k, stride, k // 2))
        self.add_module(f"{name}_bn", nn.BatchNorm2d(cout))
        return [name, f"{name}_bn"]

    def _add_block(self, tag, cin, c1, c3r, c3, cdr, cd, pool, proj, stride) -> None:
        p = f"inception_{tag}"
        branches: list[list[str]] = []
        if c1:
            branches.append(self._conv_bn(f"{p}_1x1", cin, c1, 1))
        branches.append(self._conv_bn(f"{p}_3x3_reduce", cin, c3r, 1) + self._conv_bn(f"{p}_3x3", c3r, c3, 3, stride))
        branches.append(
            self._conv_bn(f"{p}_double_3x3_reduce", cin, cdr, 1)
            + self._conv_bn(f"{p}_double_3x3_1", cdr, cd, 3)
            + self._conv_bn(f"{p}_double_3x3_2", cd, cd, 3, stride)
        )
        if pool == "avg":
            self.add_module(f"{p}_pool", nn.AvgPool2d(3, 1, 1, ceil_mode=True, count_include_pad=True))
        else:
            self.add_module(f"{p}_pool", nn.MaxPool2d(3, stride, 1 if stride == 1 else 0, ceil_mode=True))
        pool_branch = [f"{p}_pool"] + (self._conv_bn(f"{p}_pool_proj", cin, proj, 1) if proj else [])
        branches.append(pool_branch)
        self.blocks.append((p, branches, stride))

    def _run(self, names: list[str], x: torch.Tensor) -> torch.Tensor:
        for name in names:
            x = getattr(self, name)(x)
            if name.endswith("_bn"):
                x = torch.relu_(x)  # in place on the BN output, which nothing else holds
        return x

    def block_outputs(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every stage output by name: ``conv2_3x3`` (after its ReLU) and ``inception_*``."""
        for name in self.stem:
            x = getattr(self, name)(x)
        outs = {"conv2_3x3": x}
        x = self.pool2_3x3_s2(x)
        for name, branches, _ in self.blocks:
            x = torch.cat([self._run(b, x) for b in branches], dim=1)
            outs[name] = x
        return outs

    def stage_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = self.block_outputs(x)
        return [outs["conv2_3x3"]] + [outs[name] for name in MAP_BLOCKS]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The (N, 1024, H/32, W/32) map of inception_5b."""
        return self.block_outputs(x)["inception_5b"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.global_pool(self.features(x)).flatten(1)
        return self.last_linear(x) if self.last_linear is not None else x


@register_backbone("bninception")
class BNInceptionBackbone(Backbone):
    """BN-Inception as a registered backbone; ``net`` holds the TSN-named layers."""

    default_norm = "caffe_bgr"
    first_conv = "conv1_7x7_s2"

    def __init__(self, in_channels: int = 3, input_norm: str | None = None):
        super().__init__(in_channels, input_norm)
        self.net = BNInception(in_channels=in_channels)
        self.feature_dim = FEATURE_DIM
        self.map_channels = [192, 320, 608, 1024]

    def stage_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.net.stage_maps(x)
