"""Where and in what precision a stage computes: device, autocast, gradient scaling, loaders.

One object per training stage, built from its config (``device``, ``precision``), so every
forward pass (training, per-epoch test, final evaluation, knowledge cache, the online teacher)
runs under the same autocast and every batch reaches the device the same way: from pinned
memory with non-blocking copies on CUDA, plainly on the CPU.

``precision: fp32`` (default) is faithful to the released code. ``bf16`` and ``fp16`` run the
forward passes under ``torch.autocast`` (weights, optimiser state and the loss reduction stay
fp32); ``fp16`` adds a gradient scaler, which ``bf16`` does not need (fp32's exponent range).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

log = logging.getLogger(__name__)

#: precision name -> autocast dtype (None: no autocast)
PRECISIONS: dict[str, torch.dtype | None] = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(name: str = "auto") -> torch.device:
    """The torch device of a config's ``device``; on CUDA, deterministic algorithms are switched on
    so that a seed means the same thing there as on the CPU (see ``set_deterministic``)."""
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device: cuda was requested but CUDA is not available")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(name)
    if device.type == "cuda":
        set_deterministic()
    return device


def set_deterministic() -> None:
    """Deterministic GPU kernels: cuDNN without autotuning, deterministic algorithms (warning
    where an op has none) and the cuBLAS workspace setting that makes matmuls reproducible.
    Costs some speed; without it two runs with one seed differ on CUDA."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True, warn_only=True)


@dataclass(frozen=True)
class Compute:
    """A stage's device and precision, and what follows from them."""

    device: torch.device
    precision: str = "fp32"

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {sorted(PRECISIONS)}, not {self.precision!r}")

    @classmethod
    def of(cls, cfg: Mapping[str, Any]) -> Compute:
        """From a stage config's ``device`` and ``precision`` (default fp32)."""
        return cls(resolve_device(cfg.get("device", "auto")), cfg.get("precision", "fp32"))

    @property
    def cuda(self) -> bool:
        return self.device.type == "cuda"

    def autocast(self) -> contextlib.AbstractContextManager:
        """The forward passes' context: autocast to bf16/fp16, nothing for fp32."""
        dtype = PRECISIONS[self.precision]
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=dtype)

    def grad_scaler(self) -> torch.amp.GradScaler:
        """Loss scaling for fp16 (small gradients would underflow); a pass-through otherwise."""
        return torch.amp.GradScaler(self.device.type, enabled=self.precision == "fp16")

    def loader_options(self, num_workers: int) -> dict[str, Any]:
        """DataLoader options: pinned host memory on CUDA (non-blocking copies), worker processes
        kept alive across epochs (their start-up is paid once per stage, not per epoch)."""
        return {"num_workers": num_workers, "pin_memory": self.cuda, "persistent_workers": num_workers > 0}

    def to_device(self, batch: Mapping[str, Any]) -> dict[str, Any]:
        """A batch's tensors on the device (non-blocking from pinned memory on CUDA)."""
        return {k: v.to(self.device, non_blocking=self.cuda) if torch.is_tensor(v) else v for k, v in batch.items()}
