"""2-D backbones for the video teacher and the GAF student, with their input conventions.

Every backbone takes RGB frames as float 0-255 and normalises them itself (BN-Inception checkpoints
of TSN/TRN expect BGR minus the Caffe mean; torchvision networks RGB / 255 with ImageNet mean/std),
so datasets never need to know which network they feed.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torchvision
from torch import nn

from .bninception import INPUT_MEAN_BGR, BNInception

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class WeightsError(ValueError):
    """A pretrained-weights file is missing or does not fit the network."""


class Normalize(nn.Module):
    def __init__(self, mean, std, bgr: bool, scale: float):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))
        self.bgr, self.scale = bgr, scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bgr:
            x = x.flip(1)
        return (x * self.scale - self.mean) / self.std


class Backbone(nn.Module):
    """Normalisation + feature extractor -> (N, feature_dim)."""

    def __init__(self, name: str):
        super().__init__()
        if name == "bninception":
            self.net = BNInception()
            self.norm = Normalize(INPUT_MEAN_BGR, (1.0, 1.0, 1.0), bgr=True, scale=1.0)
            self.feature_dim = 1024
        elif name in ("resnet18", "resnet50"):
            self.net = getattr(torchvision.models, name)(weights=None)
            self.feature_dim = self.net.fc.in_features
            self.net.fc = nn.Identity()
            self.norm = Normalize(IMAGENET_MEAN, IMAGENET_STD, bgr=False, scale=1 / 255.0)
        else:
            raise ValueError(f"unknown backbone {name!r}")
        self.name = name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.norm(x))


def load_pretrained(backbone: Backbone, path: str | Path) -> None:
    """Load ImageNet weights from a local state dict; the classifier layer is ignored.

    Accepts plain state dicts and checkpoints with a ``state_dict`` key, with or without the
    ``module.`` prefix of DataParallel. Raises WeightsError naming the file and the mismatch.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"pretrained weights {path} do not exist (this machine cannot download "
                           "them; place the file there or set pretrained: null)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise WeightsError(f"pretrained weights {path}: not a readable torch file ({exc})") from None
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    state = {k.removeprefix("module."): v for k, v in state.items()}
    head = ("fc.", "last_linear.")
    state = {k: v for k, v in state.items() if not k.startswith(head)}
    own = {k: v for k, v in backbone.net.state_dict().items() if not k.startswith(head)}
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = sorted(k for k in set(own) & set(state) if own[k].shape != state[k].shape)
    if missing or wrong:
        raise WeightsError(
            f"pretrained weights {path} do not fit {backbone.name}: {len(missing)} missing keys "
            f"(e.g. {missing[:3]}), {len(wrong)} with wrong shapes (e.g. {wrong[:3]}), "
            f"{len(unexpected)} unexpected (e.g. {unexpected[:3]})")
    backbone.net.load_state_dict(state, strict=False)
