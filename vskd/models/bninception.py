"""BN-Inception (Ioffe & Szegedy 2015), the 2-D backbone of TSN/TRN and of the VSKD teacher.

Written from the published network definition (the Caffe prototxt used by TSN). Layer names follow
that definition (``conv1_7x7_s2``, ``inception_3a_1x1_bn``, ...) so that the state dicts of TSN/TRN
ImageNet checkpoints load directly. Input convention of those checkpoints: BGR, 0-255, mean
[104, 117, 128], std 1 (see ``INPUT_MEAN``). At 224 px the features are 1024 x 7 x 7.
"""
from __future__ import annotations

import torch
from torch import nn

INPUT_MEAN_BGR = (104.0, 117.0, 128.0)
FEATURE_DIM = 1024

# name: (in, 1x1, 3x3 reduce, 3x3, double reduce, double 3x3, pool kind, pool proj, stride)
# A stride-2 block has no 1x1 branch and passes its max-pooled input through unprojected.
BLOCKS = (
    ("3a", 192, 64, 64, 64, 64, 96, "avg", 32, 1),
    ("3b", 256, 64, 64, 96, 64, 96, "avg", 64, 1),
    ("3c", 320, 0, 128, 160, 64, 96, "max", 0, 2),
    ("4a", 576, 224, 64, 96, 96, 128, "avg", 128, 1),
    ("4b", 576, 192, 96, 128, 96, 128, "avg", 128, 1),
    ("4c", 576, 160, 128, 160, 128, 160, "avg", 96, 1),
    ("4d", 576, 96, 128, 192, 160, 192, "avg", 128, 1),
    ("4e", 608, 0, 128, 192, 192, 256, "max", 0, 2),
    ("5a", 1056, 352, 192, 320, 160, 224, "avg", 128, 1),
    ("5b", 1024, 352, 192, 320, 192, 224, "max", 128, 1),
)


class BNInception(nn.Module):
    """BN-Inception feature extractor; ``forward`` returns (N, 1024) pooled features."""

    def __init__(self, num_classes: int | None = None):
        super().__init__()
        self.stem = [
            ("conv1_7x7_s2", nn.Conv2d(3, 64, 7, 2, 3)), ("conv1_7x7_s2_bn", nn.BatchNorm2d(64)),
            ("conv1_relu_7x7", nn.ReLU(inplace=True)),
            ("pool1_3x3_s2", nn.MaxPool2d(3, 2, ceil_mode=True)),
            ("conv2_3x3_reduce", nn.Conv2d(64, 64, 1)), ("conv2_3x3_reduce_bn", nn.BatchNorm2d(64)),
            ("conv2_relu_3x3_reduce", nn.ReLU(inplace=True)),
            ("conv2_3x3", nn.Conv2d(64, 192, 3, 1, 1)), ("conv2_3x3_bn", nn.BatchNorm2d(192)),
            ("conv2_relu_3x3", nn.ReLU(inplace=True)),
            ("pool2_3x3_s2", nn.MaxPool2d(3, 2, ceil_mode=True)),
        ]
        for name, layer in self.stem:
            self.add_module(name, layer)
        self.stem = [name for name, _ in self.stem]
        self.blocks: list[tuple[str, list[list[str]], int]] = []
        for spec in BLOCKS:
            self._add_block(*spec)
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.last_linear = nn.Linear(FEATURE_DIM, num_classes) if num_classes else None

    def _conv_bn(self, name: str, cin: int, cout: int, k: int, stride: int = 1) -> list[str]:
        self.add_module(name, nn.Conv2d(cin, cout, k, stride, k // 2))
        self.add_module(f"{name}_bn", nn.BatchNorm2d(cout))
        return [name, f"{name}_bn"]

    def _add_block(self, tag, cin, c1, c3r, c3, cdr, cd, pool, proj, stride):
        p = f"inception_{tag}"
        branches: list[list[str]] = []
        if c1:
            branches.append(self._conv_bn(f"{p}_1x1", cin, c1, 1))
        branches.append(self._conv_bn(f"{p}_3x3_reduce", cin, c3r, 1)
                        + self._conv_bn(f"{p}_3x3", c3r, c3, 3, stride))
        branches.append(self._conv_bn(f"{p}_double_3x3_reduce", cin, cdr, 1)
                        + self._conv_bn(f"{p}_double_3x3_1", cdr, cd, 3)
                        + self._conv_bn(f"{p}_double_3x3_2", cd, cd, 3, stride))
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
                x = torch.relu_(x)
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.stem:
            x = getattr(self, name)(x)
        for _, branches, _ in self.blocks:
            x = torch.cat([self._run(b, x) for b in branches], dim=1)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.global_pool(self.features(x)).flatten(1)
        return self.last_linear(x) if self.last_linear is not None else x
