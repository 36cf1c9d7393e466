"""2-D backbones for the video teacher and the GAF student: a registry and one common API.

Every backbone is a :class:`Backbone` registered by name (``@register_backbone("resnet18")``) and
built with ``build_backbone(name, **kw)``. The API every backbone implements:

- constructor keywords ``in_channels: int = 3`` and ``input_norm: str`` (see ``INPUT_NORMS``);
- attributes ``feature_dim`` (pooled feature size), ``map_channels`` (channels of the four stage
  maps), ``net`` (the module whose state dict pretrained weights fill) and ``name``;
- ``forward(x) -> (N, feature_dim)``: global-average-pooled features of the last stage;
- ``forward_maps(x) -> (pooled, [m1, m2, m3, m4])``: the four stage maps, returned explicitly by the
  network's own forward (never captured with hooks: a hook on a BN layer sees a tensor that the
  following in-place ReLU overwrites).

Inputs are always float 0-255 images; each backbone normalises them itself (``input_norm``), so
datasets never need to know which network they feed:

- ``imagenet``: RGB / 255, then ImageNet mean / std (the torchvision convention; ResNets' default).
  With ``in_channels != 3`` (e.g. a 6-axis GAF) there is no ImageNet statistic per channel: every
  channel uses mean 0.5, std 0.25, which maps [0, 1] to [-2, 2] like ImageNet's statistics do;
- ``caffe_bgr``: RGB -> BGR, minus the Caffe mean [104, 117, 128], std 1, 0-255 (the convention of
  the TSN/TRN BN-Inception checkpoints; BN-Inception's default). 3 channels only;
- ``unit``: x / 255 only (the released VSKD student fed GAF images in [0, 1]);
- ``none``: identity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import torch
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAFFE_MEAN_BGR = (104.0, 117.0, 128.0)
#: per-channel statistics for ``imagenet`` normalisation of inputs that are not RGB
GENERIC_MEAN, GENERIC_STD = 0.5, 0.25
INPUT_NORMS = ("imagenet", "caffe_bgr", "unit", "none")


class WeightsError(ValueError):
    """A pretrained-weights file is missing or does not fit the network."""


class Normalize(nn.Module):
    """``(x[, flipped channels] * scale - mean) / std`` with per-channel mean and std."""

    def __init__(
        self,
        mean: tuple[float, ...],
        std: tuple[float, ...],
        bgr: bool = False,
        scale: float = 1.0,
        identity: bool = False,
    ):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))
        self.bgr, self.scale, self.identity = bgr, scale, identity

    @classmethod
    def from_name(cls, input_norm: str, in_channels: int = 3) -> Normalize:
        """The normalisation called ``input_norm`` (see the module docstring) for ``in_channels``."""
        c = in_channels
        if input_norm == "imagenet":
            if c == 3:
                return cls(IMAGENET_MEAN, IMAGENET_STD, scale=1 / 255.0)
            return cls((GENERIC_MEAN,) * c, (GENERIC_STD,) * c, scale=1 / 255.0)
        if input_norm == "caffe_bgr":
            if c != 3:
                raise ValueError(f"input_norm 'caffe_bgr' needs 3 (RGB) input channels, not {c}")
            return cls(CAFFE_MEAN_BGR, (1.0, 1.0, 1.0), bgr=True)
        if input_norm == "unit":
            return cls((0.0,) * c, (1.0,) * c, scale=1 / 255.0)
        if input_norm == "none":
            return cls((0.0,) * c, (1.0,) * c, identity=True)
        raise ValueError(f"unknown input_norm {input_norm!r}; expected one of {INPUT_NORMS}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.identity:
            return x
        if self.bgr:
            x = x.flip(1)
        return (x * self.scale - self.mean) / self.std


class Backbone(nn.Module):
    """Base of every registered backbone: input normalisation + a feature extractor.

    Subclasses build ``self.net`` (what pretrained weights load into), set ``feature_dim``,
    ``map_channels`` and ``first_conv`` (the state-dict prefix of the input convolution), and
    implement ``stage_maps(x)`` on the normalised input.
    """

    name: str = ""
    default_norm: str = "imagenet"
    first_conv: str = ""
    feature_dim: int
    map_channels: list[int]
    net: nn.Module

    def __init__(self, in_channels: int = 3, input_norm: str | None = None):
        super().__init__()
        if in_channels < 1:
            raise ValueError(f"in_channels must be >= 1, not {in_channels}")
        self.in_channels = in_channels
        self.input_norm = input_norm or self.default_norm
        self.norm = Normalize.from_name(self.input_norm, in_channels)

    def stage_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The four stage maps of a normalised batch (N, C, H, W)."""
        raise NotImplementedError

    def forward_maps(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """(pooled (N, feature_dim), [m1, m2, m3, m4]) of 0-255 images (N, in_channels, H, W)."""
        maps = self.stage_maps(self.norm(x))
        return torch.flatten(nn.functional.adaptive_avg_pool2d(maps[-1], 1), 1), maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_maps(x)[0]


B = TypeVar("B", bound=type[Backbone])
#: name -> Backbone subclass; filled by ``@register_backbone`` in the modules imported below
BACKBONES: dict[str, type[Backbone]] = {}


def register_backbone(name: str) -> Callable[[B], B]:
    """Class decorator: make a Backbone subclass buildable as ``build_backbone(name)``."""

    def deco(cls: B) -> B:
        if name in BACKBONES and BACKBONES[name] is not cls:
            raise ValueError(f"backbone {name!r} is already registered ({BACKBONES[name].__name__})")
        if not (isinstance(cls, type) and issubclass(cls, Backbone)):
            raise TypeError(f"@register_backbone({name!r}) needs a Backbone subclass, not {cls!r}")
        BACKBONES[name] = cls
        return cls

    return deco


def backbone_options(name: str) -> list[str]:
    """The options a backbone takes besides ``in_channels`` and ``input_norm`` (e.g. smallcnn's
    ``widths``): what a config's ``backbone_options`` may set."""
    import inspect

    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; registered: {sorted(BACKBONES)}")
    params = inspect.signature(BACKBONES[name].__init__).parameters
    return [p for p in params if p not in ("self", "in_channels", "input_norm")]


def check_backbone_options(name: str, options: Iterable[str]) -> None:
    """ValueError naming the backbone, the options it does not take and those it does."""
    allowed = backbone_options(name)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"backbone {name!r} does not take option(s) {unknown}; it takes {allowed or 'none'}")


def build_backbone(name: str, **kwargs) -> Backbone:
    """The backbone registered as ``name``, built with ``kwargs`` (in_channels, input_norm and
    the backbone's own options)."""
    check_backbone_options(name, set(kwargs) - {"in_channels", "input_norm"})
    backbone = BACKBONES[name](**kwargs)
    backbone.name = name
    return backbone


def _adapt_first_conv(weight: torch.Tensor, in_channels: int) -> torch.Tensor:
    """RGB filters (O, 3, k, k) -> (O, in_channels, k, k) for a non-RGB input.

    Each new channel gets the mean RGB filter scaled by 3 / in_channels, so a constant input
    produces the same response as the pretrained network gives a grey image: the pretrained
    later layers then see activations of their usual scale.
    """
    return weight.mean(1, keepdim=True).repeat(1, in_channels, 1, 1) * (3.0 / in_channels)


def load_pretrained(backbone: Backbone, path: str | Path) -> None:
    """Load ImageNet weights from a local state dict into ``backbone.net``; classifiers ignored.

    Accepts plain state dicts and checkpoints with a ``state_dict`` key, with or without the
    ``module.`` prefix of DataParallel; a whole TSN/TRN model's state dict (``base_model.*``)
    contributes its backbone. Older files are accepted as written: BatchNorm parameters stored as
    (1, C) (TSN/TRN's converted Caffe weights) are reshaped when the element counts match, and a
    missing ``num_batches_tracked`` (PyTorch < 0.4.1, unused unless momentum is None) keeps the
    network's own. For ``in_channels != 3`` the RGB filters of the first convolution are adapted
    (see ``_adapt_first_conv``). Anything else that does not fit — a missing key, a shape, a key
    the network does not have (another depth of the same family) — raises WeightsError naming the
    file and the mismatching keys.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(
            f"pretrained weights {path} do not exist (this machine cannot download "
            "them; place the file there or set pretrained: null)"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise WeightsError(f"pretrained weights {path}: not a readable torch file ({exc})") from None
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise WeightsError(f"pretrained weights {path}: expected a state dict, got {type(state).__name__}")
    state = {k.removeprefix("module."): v for k, v in state.items()}
    if any(k.startswith("base_model.") for k in state):  # a whole TSN/TRN model
        state = {k.removeprefix("base_model."): v for k, v in state.items() if k.startswith("base_model.")}
    head = ("fc.", "last_linear.", "classifier.")
    state = {k: v for k, v in state.items() if not k.startswith(head)}
    own = {k: v for k, v in backbone.net.state_dict().items() if not k.startswith(head)}
    for k in [k for k in own if k.endswith("num_batches_tracked") and k not in state]:
        state[k] = own[k]
    fitted: dict[str, torch.Tensor] = {}
    wrong = []
    for k in set(own) & set(state):
        v = state[k]
        if v.shape != own[k].shape:
            if k == f"{backbone.first_conv}.weight" and backbone.in_channels != 3 and v.dim() == 4 and v.shape[1] == 3:
                v = _adapt_first_conv(v, backbone.in_channels)
            elif v.dim() == 2 and v.shape[0] == 1 and own[k].dim() == 1 and v.numel() == own[k].numel():
                v = v.reshape(own[k].shape)  # TSN/TRN BN parameters as (1, C)
        if v.shape != own[k].shape:
            wrong.append(f"{k} {tuple(v.shape)} vs {tuple(own[k].shape)}")
        fitted[k] = v
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or wrong or unexpected:  # unexpected keys: another architecture (e.g. ResNet-34 for 18)
        raise WeightsError(
            f"pretrained weights {path} do not fit {backbone.name}: {len(missing)} missing keys "
            f"(e.g. {missing[:3]}), {len(wrong)} with wrong shapes (e.g. {sorted(wrong)[:3]}), "
            f"{len(unexpected)} unexpected (e.g. {unexpected[:3]})"
        )
    backbone.net.load_state_dict(fitted, strict=False)


# the modules below register their backbones on import (they import the base API above)
from . import bninception, resnet, smallcnn  # noqa: E402,F401

__all__ = [
    "BACKBONES",
    "Backbone",
    "INPUT_NORMS",
    "Normalize",
    "WeightsError",
    "backbone_options",
    "build_backbone",
    "check_backbone_options",
    "load_pretrained",
    "register_backbone",
]
