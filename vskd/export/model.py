"""A trained student as one module: raw samples -> GAF -> network -> class probabilities.

:func:`load_student` rebuilds the training code's network from a model file written by training
(``torch.save({"state_dict", "student_config", "num_classes", "class_names", "in_channels",
"gaf_config", "config_hash", ...})``), tolerant of the keys a file may lack or add.
:class:`StudentPipeline` puts :class:`~vskd.export.encoder.GafEncoder` in front of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..torchfile import TorchFileError, load_torch_file
from .encoder import GafEncoder

log = logging.getLogger(__name__)

#: the GAF settings the exported encoder must share with the images the network was trained on
GAF_KEYS = ("kind", "channels", "image_size", "interpolation", "gadf_convention")


class ModelFileError(ValueError):
    """A model file is missing, unreadable or lacks what an export needs."""


@dataclass
class StudentFile:
    """What a training model file says about its student."""

    path: str
    network: nn.Module  # the training code's network (eval mode)
    network_name: str
    student_config: dict[str, Any]
    num_classes: int
    class_names: list[str]
    in_channels: int
    gaf_config: dict[str, Any] | None
    extra: dict[str, Any] = field(default_factory=dict)  # config_hash, run, seed, ... as saved


def _torch_load(path: Path, trust: bool = False) -> dict[str, Any]:
    try:
        state = load_torch_file(path, trust=trust, what="model file")
    except TorchFileError as exc:
        raise ModelFileError(str(exc)) from None
    if not isinstance(state, dict):
        raise ModelFileError(f"{path}: not a vskd model file (a {type(state).__name__}, not a dict)")
    return state


def load_student(path: str | Path, trust: bool = False) -> StudentFile:
    """The student saved in ``path``, rebuilt with ``vskd.models.registry.build_network``. The file
    is loaded without running code from it (``vskd.torchfile``) unless ``trust``."""
    from ..models.registry import build_network

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: model file does not exist")
    state = _torch_load(path, trust)
    if not isinstance(state, dict) or "state_dict" not in state:
        raise ModelFileError(
            f"{path}: expected a dict with a 'state_dict' (a model file written by "
            f"vskd training), got {type(state).__name__}"
            + (f" with keys {sorted(state)[:8]}" if isinstance(state, dict) else "")
        )
    cfg = state.get("student_config") or state.get("network_config")
    if not isinstance(cfg, dict):
        raise ModelFileError(f"{path}: no 'student_config' (keys: {sorted(state)})")
    weights = state["state_dict"]
    num_classes = state.get("num_classes")
    if num_classes is None:
        head = [k for k in weights if k.endswith("classifier.weight")]
        if not head:
            raise ModelFileError(f"{path}: no 'num_classes' and no classifier weight to infer it")
        num_classes = int(weights[head[0]].shape[0])
    gaf_cfg = state.get("gaf_config")
    in_channels = state.get("in_channels")
    if in_channels is None:
        in_channels = len(gaf_cfg["channels"]) if gaf_cfg else 3
    names = state.get("class_names")
    names = [str(n) for n in names] if names is not None else [f"class_{i}" for i in range(num_classes)]
    if len(names) != num_classes:
        raise ModelFileError(f"{path}: {len(names)} class names for {num_classes} classes")
    network_name = state.get("network", state.get("network_name", "gaf_cnn"))
    net = build_network(network_name, dict(cfg, pretrained=None), int(num_classes), int(in_channels))
    try:
        net.load_state_dict(weights)
    except RuntimeError as exc:
        raise ModelFileError(f"{path}: the state dict does not fit {network_name} {cfg}: {exc}") from None
    known = {
        "state_dict",
        "student_config",
        "network_config",
        "num_classes",
        "class_names",
        "in_channels",
        "gaf_config",
    }
    extra = {k: v for k, v in state.items() if k not in known and isinstance(v, (str, int, float, bool))}
    run = state.get("run")
    if isinstance(run, dict) and "name" in run:  # the run sheet's entry: keep its name
        extra["run"] = str(run["name"])
        extra.update({f"run_{k}": v for k, v in run.items() if k in ("method", "teacher")})
    return StudentFile(
        str(path),
        net.eval(),
        network_name,
        dict(cfg),
        int(num_classes),
        names,
        int(in_channels),
        dict(gaf_cfg) if gaf_cfg else None,
        extra,
    )


def resolve_gaf_config(student: StudentFile, eff: dict[str, Any] | None) -> dict[str, Any]:
    """The GAF settings of the export: the model file's, checked against the dataset's config.

    A model file without ``gaf_config`` takes the config's; a disagreement on a setting that
    changes the images (kind, channels, size, interpolation, GADF convention) is an error naming
    both, since the encoder must produce what the network was trained on.
    """
    cfg_gaf = dict(eff["gaf"]) if eff and "gaf" in eff else None
    gaf = student.gaf_config or cfg_gaf
    if gaf is None:
        raise ModelFileError(f"{student.path}: no 'gaf_config' in the model file and no config given")
    if student.gaf_config and cfg_gaf:
        keys = [k for k in GAF_KEYS if not (k == "gadf_convention" and gaf["kind"] != "gadf")]
        diff = {
            k: (student.gaf_config.get(k), cfg_gaf.get(k))
            for k in keys
            if _norm(student.gaf_config.get(k, _DEFAULT.get(k))) != _norm(cfg_gaf.get(k, _DEFAULT.get(k)))
        }
        if diff:
            raise ModelFileError(
                f"{student.path}: trained on GAF settings that differ from the "
                f"config's: {', '.join(f'{k}: model {a!r} vs config {b!r}' for k, (a, b) in diff.items())}"
            )
    gaf = {**_DEFAULT, **gaf}
    if len(gaf["channels"]) != student.in_channels:
        raise ModelFileError(
            f"{student.path}: {len(gaf['channels'])} GAF channels "
            f"{list(gaf['channels'])} for a network with {student.in_channels} inputs"
        )
    return gaf


_DEFAULT = {"interpolation": "area", "gadf_convention": "matlab"}


def _norm(v: Any) -> Any:
    return list(v) if isinstance(v, (list, tuple)) else v


class NetworkLogits(nn.Module):
    """images (B, C, S, S) 0..255 -> logits: the ``.logits`` of a vskd network's NetOutput."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        out = self.network(images)
        return out.logits if hasattr(out, "logits") else out


class StudentPipeline(nn.Module):
    """raw (B, C, T) float32 -> class probabilities (B, K); ``classify_images`` skips the encoder."""

    def __init__(self, encoder: GafEncoder, network: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.network = network  # images -> logits

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.network(self.encoder(raw)), dim=-1)

    @torch.jit.export
    def classify_images(self, images: torch.Tensor) -> torch.Tensor:
        """Probabilities of stored GAF images (B, C, S, S), uint8 values as float."""
        return torch.softmax(self.network(images), dim=-1)


def build_pipeline(student: StudentFile, gaf: dict[str, Any], quantize: bool = True) -> StudentPipeline:
    enc = GafEncoder(
        gaf["kind"],
        int(gaf["image_size"]),
        gaf.get("interpolation", "area"),
        gaf.get("gadf_convention", "matlab"),
        quantize=quantize,
    )
    return StudentPipeline(enc, NetworkLogits(student.network)).eval()
