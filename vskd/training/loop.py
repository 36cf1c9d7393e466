"""The training loop: one epoch at a time, resumable from atomic checkpoints.

A checkpoint lives outside Snakemake's outputs (Snakemake deletes a failed job's outputs) and holds
model, loss-module, optimizer and scheduler states and the history so far, keyed by a fingerprint
of the run's config. Each epoch's randomness is derived from (seed, epoch) alone, so a run killed
after epoch k and resumed ends, on CPU, with the same weights as an uninterrupted one.

A checkpoint is written after an epoch once ``checkpoint_every_s`` seconds have passed since the
last one (default 60 s; the environment variable ``VSKD_CHECKPOINT_EVERY_S`` sets it, 0 = after
every epoch), never after the last epoch (the outputs follow at once): a ResNet-18 checkpoint with
its Adam state is large next to a demo epoch of seconds (docs/benchmarks.md). A run preempted loses
at most the interval plus one epoch of training.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from ..atomic import atomic_path
from ..progress import progress
from ..torchfile import TorchFileError, load_torch_file
from .compute import Compute

log = logging.getLogger(__name__)

#: default seconds between two checkpoints of a training loop (see the module docstring)
CHECKPOINT_EVERY_S = 60.0


def checkpoint_interval() -> float:
    """Seconds between checkpoints: ``VSKD_CHECKPOINT_EVERY_S`` if set, else the default."""
    raw = os.environ.get("VSKD_CHECKPOINT_EVERY_S")
    if raw is None:
        return CHECKPOINT_EVERY_S
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"VSKD_CHECKPOINT_EVERY_S must be a number of seconds, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"VSKD_CHECKPOINT_EVERY_S must be >= 0, not {raw!r}")
    return value


BatchFn = Callable[[dict[str, torch.Tensor]], tuple[torch.Tensor, dict[str, torch.Tensor], torch.Tensor, torch.Tensor]]


def tsn_param_groups(model: nn.Module, lr: float, weight_decay: float) -> list[dict[str, Any]]:
    """TSN/TRN learning-rate policy: biases at 2x lr without decay, BatchNorm without decay."""
    decay, bias, norm = [], [], []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            if not p.requires_grad:
                continue
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                norm.append(p)
            elif name == "bias":
                bias.append(p)
            else:
                decay.append(p)
    return [
        {"params": decay, "lr": lr, "weight_decay": weight_decay},
        {"params": bias, "lr": 2 * lr, "weight_decay": 0.0},
        {"params": norm, "lr": lr, "weight_decay": 0.0},
    ]


def _fused_supported(params: Any) -> bool:
    """Whether torch's fused (single-kernel) optimizer step applies: float parameters on CPU or CUDA."""
    tensors = [p for g in params for p in g["params"]] if params and isinstance(params[0], dict) else list(params)
    return bool(tensors) and all(t.is_floating_point() and t.device.type in ("cpu", "cuda") for t in tensors)


def make_optimizer(params: Any, cfg: dict[str, Any]) -> torch.optim.Optimizer:
    """The section's optimizer, with torch's fused step wherever it applies.

    The fused step computes the same update as the per-parameter loop (to float rounding) in one
    pass over the parameters; at the demo's sizes the loop was a third of a ResNet-18 training step
    on the CPU (docs/benchmarks.md)."""
    name, lr, wd = cfg["name"], cfg["lr"], cfg.get("weight_decay", 0.0)
    params = list(params)
    fused = {"fused": True} if _fused_supported(params) else {}
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=cfg.get("momentum", 0.9), weight_decay=wd, **fused)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd, **fused)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd, **fused)
    raise ValueError(f"unknown optimizer {name!r}")


@dataclass
class FitSpec:
    epochs: int
    batch_size: int
    seed: int
    optimizer: dict[str, Any]
    lr_steps: list[int] = field(default_factory=list)
    lr_policy: str = "plain"
    clip_grad_norm: float | None = None
    num_workers: int = 0
    lr_schedule: str = "step"  # step (MultiStepLR at lr_steps) or cosine (to 0 at the end)
    #: seconds between checkpoints (None: ``checkpoint_interval()``, read when the loop starts)
    checkpoint_every_s: float | None = None
    #: device and precision of the forward passes (the model must already be on the device)
    compute: Compute = field(default_factory=lambda: Compute(torch.device("cpu")))
    #: called after every epoch (model in train mode afterwards); returns test metrics for the
    #: history (curves, the oracle best-epoch column). None: no per-epoch evaluation.
    evaluate: Callable[[], dict[str, float]] | None = None


def _read_checkpoint(checkpoint: Path) -> dict[str, Any] | None:
    """The checkpoint's content, or None when there is none; a damaged (or unsafe) checkpoint is
    moved aside (``<name>.damaged``) with a warning and training starts over."""
    if not checkpoint.is_file():
        return None
    try:
        state = load_torch_file(checkpoint, what="training checkpoint")
        if not isinstance(state, dict):
            raise TorchFileError(f"{checkpoint}: not a training checkpoint")
        return state
    except TorchFileError as exc:
        aside = checkpoint.with_name(checkpoint.name + ".damaged")
        checkpoint.replace(aside)
        log.warning("%s; moved to %s, training starts over", exc, aside)
        return None


def _seed_epoch(seed: int, epoch: int) -> None:
    torch.manual_seed(seed * 100_003 + epoch)  # dropout, relation sampling


class EpochBatchSampler(torch.utils.data.Sampler):
    """Shuffled batches of ``(epoch, index)`` keys: the order is a function of (seed, epoch) alone,
    and the dataset reads the epoch from the key, not from its own state, so worker processes kept
    alive across epochs (``persistent_workers``) sample each epoch's crops and views correctly.
    The permutation is the one a per-epoch ``DataLoader(shuffle=True, generator=g)`` draws (one
    base-seed draw from ``g``, then ``randperm``), so results match the earlier per-epoch loaders.
    """

    def __init__(self, size: int, batch_size: int, seed: int, drop_last: bool = True):
        self.size, self.batch_size, self.seed, self.drop_last = size, batch_size, seed, drop_last
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.size // self.batch_size if self.drop_last else -(-self.size // self.batch_size)

    def __iter__(self):
        g = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        torch.empty((), dtype=torch.int64).random_(generator=g)  # the DataLoader's base-seed draw
        order = torch.randperm(self.size, generator=g).tolist()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield [(self.epoch, i) for i in order[start : start + self.batch_size]]


def fit(
    model: nn.Module,
    criterion: nn.Module,
    dataset,
    spec: FitSpec,
    batch_fn: BatchFn,
    checkpoint: str | Path,
    fingerprint: str,
) -> list[dict[str, float]]:
    """Train ``model`` (and ``criterion``'s own parameters) for ``spec.epochs``; returns history.

    ``batch_fn(batch)`` gets the batch on ``spec.compute``'s device, runs the networks and returns
    (loss, named loss terms, logits, labels); it runs under the spec's autocast. ``dataset`` is
    indexed with ``(epoch, index)`` keys (see :class:`EpochBatchSampler`).
    """
    checkpoint = Path(checkpoint)
    compute = spec.compute
    trainable = [p for p in list(model.parameters()) + list(criterion.parameters()) if p.requires_grad]
    if spec.lr_policy == "tsn":
        groups = tsn_param_groups(model, spec.optimizer["lr"], spec.optimizer.get("weight_decay", 0.0))
        extra = [p for p in criterion.parameters() if p.requires_grad]
        if extra:
            groups.append({"params": extra})
        optimizer = make_optimizer(groups, spec.optimizer)
    else:
        optimizer = make_optimizer(trainable, spec.optimizer)
    if spec.lr_schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=spec.epochs)
    else:
        scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, spec.lr_steps, gamma=0.1)
    scaler = compute.grad_scaler()
    history: list[dict[str, float]] = []
    start = 0
    state = _read_checkpoint(checkpoint)
    if state is not None:
        if state.get("fingerprint") == fingerprint:
            model.load_state_dict(state["model"])
            criterion.load_state_dict(state["criterion"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            if "scaler" in state:
                scaler.load_state_dict(state["scaler"])
            history, start = state["history"], state["epoch"]
            log.info("resuming from %s after epoch %d", checkpoint, start)
        else:
            log.warning("ignoring checkpoint %s: it belongs to another configuration", checkpoint)
    every = checkpoint_interval() if spec.checkpoint_every_s is None else spec.checkpoint_every_s
    last_saved = time.monotonic()
    sampler = EpochBatchSampler(len(dataset), spec.batch_size, spec.seed)
    loader = DataLoader(dataset, batch_sampler=sampler, **compute.loader_options(spec.num_workers))
    for epoch in range(start, spec.epochs):
        _seed_epoch(spec.seed, epoch)
        sampler.set_epoch(epoch)
        model.train()
        criterion.train()
        sums: dict[str, float] = {}
        correct = seen = 0
        t0 = time.time()
        for batch in progress(loader, f"epoch {epoch + 1}/{spec.epochs}", total=len(loader), unit="batch"):
            with compute.autocast():
                loss, parts, logits, labels = batch_fn(compute.to_device(batch))
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"non-finite loss at epoch {epoch + 1}: { {k: float(v) for k, v in parts.items()} }"
                )
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if spec.clip_grad_norm:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(trainable, spec.clip_grad_norm)
            scaler.step(optimizer)
            scaler.update()
            n = labels.shape[0]
            sums["loss"] = sums.get("loss", 0.0) + loss.item() * n
            for k, v in parts.items():
                sums[k] = sums.get(k, 0.0) + v.item() * n
            correct += int((logits.argmax(1) == labels).sum())
            seen += n
        row = {
            "epoch": epoch + 1,
            "lr": optimizer.param_groups[0]["lr"],
            **{k: v / max(seen, 1) for k, v in sums.items()},
            "train_accuracy": correct / max(seen, 1),
            "seconds": time.time() - t0,
        }
        if spec.evaluate is not None:
            row.update(spec.evaluate())
        scheduler.step()
        history.append(row)
        log.info("epoch %d: %s", epoch + 1, ", ".join(f"{k}={v:.4g}" for k, v in row.items() if k != "epoch"))
        if epoch + 1 == spec.epochs or time.monotonic() - last_saved < every:
            continue
        last_saved = time.monotonic()
        with atomic_path(checkpoint) as tmp:
            torch.save(
                {
                    "fingerprint": fingerprint,
                    "epoch": epoch + 1,
                    "model": model.state_dict(),
                    "criterion": criterion.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "scaler": scaler.state_dict(),
                    "history": history,
                },
                tmp,
            )
    return history


@torch.no_grad()
def predict(
    dataset,
    forward: Callable[[dict[str, torch.Tensor]], tuple[torch.Tensor, torch.Tensor]],
    batch_size: int,
    num_workers: int = 0,
    desc: str = "predict",
    compute: Compute | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(logits, embeddings, labels) over ``dataset`` in order; ``forward`` gets each batch on
    ``compute``'s device and runs (in eval mode) under its autocast."""
    compute = compute or Compute(torch.device("cpu"))
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, **compute.loader_options(num_workers))
    logits, embs, labels = [], [], []
    for batch in progress(loader, desc, total=len(loader), unit="batch"):
        with compute.autocast():
            lg, emb = forward(compute.to_device(batch))
        logits.append(lg.float().cpu())
        embs.append(emb.float().cpu())
        labels.append(batch["label"].cpu())
    return torch.cat(logits).numpy(), torch.cat(embs).numpy(), torch.cat(labels).numpy()
