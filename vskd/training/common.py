"""What every training stage shares: its output files, the split subsets, the optimiser schedule
from a config section, per-epoch test evaluation, the metrics/model files with provenance, the
frame sampling of a video network and the test logits that late fusion reads.
"""

from __future__ import annotations

import logging
import resource
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..atomic import atomic_path
from ..data.adapters import dataset_class_names
from ..data.manifest import read_split
from ..metrics import classification_metrics
from ..models.outputs import NetOutput
from ..torchfile import load_torch_file
from .compute import Compute
from .loop import FitSpec, fit, predict
from .sampling import DEFAULT_CROP_SCALES

log = logging.getLogger(__name__)


@dataclass
class RunOutputs:
    """Files one training stage writes."""

    model: str
    metrics: str
    history: str
    per_class: str
    confusion: str
    checkpoint: str
    #: clip_id, label, logit_0.. of the test clips (what late fusion combines); "" to skip
    test_logits: str = ""

    @classmethod
    def of(cls, files: Mapping[str, str], checkpoint: str) -> RunOutputs:
        """From a rule's named outputs (``snakemake.output``) and its checkpoint path."""
        names = [f.name for f in fields(cls) if f.name != "checkpoint"]
        return cls(checkpoint=checkpoint, **{n: str(files[n]) for n in names if n in files})


@dataclass
class ModelOutputs(RunOutputs):
    """Files a model's training writes besides a run's: the accuracy of each branch (one row for a
    single network) and SPAMFM's mean gates (none for a network without fusion)."""

    branches: str = ""
    gates: str = ""


def class_names(cfg: dict[str, Any]) -> list[str]:
    """The class names of a config's dataset, in label order (its adapter's class file)."""
    return dataset_class_names(cfg["dataset"])


def read_subsets(path: str | Path, *subsets: str) -> list[tuple[list[str], np.ndarray]]:
    """(clip ids, labels) of each requested subset of a split file, read once."""
    frame = read_split(path)
    out = []
    for subset in subsets:
        part = frame[frame.subset == subset]
        if part.empty:
            raise ValueError(f"{path}: no clip in the {subset} subset")
        out.append((part.clip_id.tolist(), part.label.to_numpy()))
    return out


def fit_spec(
    section: dict[str, Any], seed: int, compute: Compute, evaluate: Callable[[], dict[str, float]] | None = None
) -> FitSpec:
    return FitSpec(
        compute=compute,
        epochs=section["epochs"],
        batch_size=section["batch_size"],
        seed=seed,
        optimizer=section["optimizer"],
        lr_steps=section.get("lr_steps", []),
        lr_policy=section.get("lr_policy", "plain"),
        clip_grad_norm=section.get("clip_grad_norm"),
        num_workers=section.get("num_workers", 0),
        lr_schedule=section.get("lr_schedule", "step"),
        evaluate=evaluate if section.get("eval_every_epoch", False) else None,
    )


def test_evaluator(
    model: torch.nn.Module, dataset, forward, batch_size: int, names: Sequence[str], compute: Compute
) -> Callable[[], dict[str, float]]:
    """Test accuracy / macro-F1 after an epoch (for curves and the oracle best-epoch column;
    never used to choose the reported model, which is the final epoch's)."""

    def evaluate() -> dict[str, float]:
        model.eval()
        logits, _, labels = predict(dataset, forward, batch_size, desc="test", compute=compute)
        model.train()
        summary = classification_metrics(labels, logits.argmax(1), names)[0]
        return {"test_accuracy": summary["accuracy"], "test_macro_f1": summary["macro_f1"]}

    return evaluate


def _oracle(history: list[dict[str, float]]) -> dict[str, Any]:
    """Best test-set epoch: what the released code reported (it selected on the test set).
    Named an oracle because choosing an epoch on the test split is not a valid estimate."""
    if not history or "test_accuracy" not in history[0]:
        return {}
    best = max(range(len(history)), key=lambda i: history[i]["test_accuracy"])
    return {"oracle_best_accuracy": history[best]["test_accuracy"], "oracle_best_epoch": best + 1}


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (what a run's metrics.csv records beside its
    training seconds: the cost of a run without Snakemake's per-job memory sampling). DataLoader
    worker processes are not counted."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def write_outputs(
    out: RunOutputs,
    model: torch.nn.Module,
    model_meta: dict[str, Any],
    history: list[dict[str, float]],
    labels: np.ndarray,
    logits: np.ndarray,
    prov: dict[str, Any],
    names: Sequence[str],
) -> dict[str, float]:
    summary, per_class, confusion = classification_metrics(labels, logits.argmax(1), names)
    with atomic_path(out.model) as tmp:
        torch.save({"state_dict": model.state_dict(), **model_meta}, tmp)
    with atomic_path(out.history) as tmp:
        pd.DataFrame(history).to_csv(tmp, index=False)
    with atomic_path(out.per_class) as tmp:
        per_class.to_csv(tmp, index=False)
    with atomic_path(out.confusion) as tmp:
        confusion.to_csv(tmp)
    row = {
        **prov,
        **summary,
        **_oracle(history),
        "epochs": len(history),
        "final_train_loss": history[-1]["loss"] if history else float("nan"),
        "train_seconds": sum(r.get("seconds", 0.0) for r in history),
        "peak_rss_mb": peak_rss_mb(),
    }
    with atomic_path(out.metrics) as tmp:
        pd.DataFrame([row]).to_csv(tmp, index=False)
    Path(out.checkpoint).unlink(missing_ok=True)  # finished: a later rerun must start afresh
    log.info(
        "%s: accuracy %.4f, macro F1 %.4f on %d %s clips",
        prov["model"],
        summary["accuracy"],
        summary["macro_f1"],
        summary["n_test"],
        prov.get("evaluated_on", "test"),
    )
    return summary


@dataclass
class Trainee:
    """A network one stage trains, and how: what "train, evaluate on the test clips, write the
    files" needs, shared by every training stage (video teacher, GAF student, video student,
    sensor teacher, SPAMFM).

    ``batch_fn(batch) -> (loss, terms, logits, labels)`` trains, ``forward(batch) -> (logits,
    embedding)`` evaluates; both get batches already on the compute device (``fit`` / ``predict``).
    ``criterion``: a loss module with parameters of its own (a method's connectors), trained too.
    """

    net: torch.nn.Module
    train_set: Any
    test_set: Any
    batch_fn: Callable
    forward: Callable
    section: dict[str, Any]
    seed: int
    compute: Compute
    digest: str
    names: Sequence[str]
    criterion: torch.nn.Module = field(default_factory=torch.nn.Identity)

    def fit(self, checkpoint: str) -> list[dict[str, float]]:
        """Train with the section's schedule (resuming from ``checkpoint``); per-epoch test accuracy
        in the history when the section asks (curves only, never a selection)."""
        evaluate = test_evaluator(
            self.net, self.test_set, self.forward, self.section["batch_size"], self.names, self.compute
        )
        spec = fit_spec(self.section, self.seed, self.compute, evaluate)
        return fit(self.net, self.criterion, self.train_set, spec, self.batch_fn, checkpoint, fingerprint=self.digest)

    def test(self, desc: str) -> tuple[np.ndarray, np.ndarray]:
        """(logits, labels) of the final network on the test clips, in eval mode."""
        self.net.eval()
        logits, _, labels = predict(
            self.test_set, self.forward, self.section["batch_size"], desc=desc, compute=self.compute
        )
        return logits, labels

    def finish(
        self, out: RunOutputs, history: list[dict[str, float]], meta: dict[str, Any], prov: dict[str, Any], desc: str
    ) -> dict[str, float]:
        """Evaluate on the test clips and write the model, history, metrics, per-class, confusion
        and test-logit files."""
        logits, labels = self.test(desc)
        if out.test_logits:
            write_test_logits(out.test_logits, self.test_set.clip_ids, labels, logits)
        return write_outputs(out, self.net, meta, history, labels, logits, prov, self.names)


def teacher_crop(cfg: dict[str, Any], frames_cfg: dict[str, Any]) -> tuple[int, int]:
    return (cfg.get("crop_height", frames_cfg["height"]), cfg.get("crop_width", frames_cfg["width"]))


def frame_sampling(teacher_cfg: dict[str, Any], crop: Sequence[int]) -> dict[str, Any]:
    """How the teacher's clips are sampled: identical in its training, its knowledge cache and
    the online distillation, so the student is distilled from what the teacher learned on."""
    return {
        "num_segments": teacher_cfg["num_segments"],
        "crop": tuple(crop),
        "crop_scales": tuple(teacher_cfg.get("crop_scales", DEFAULT_CROP_SCALES)),
        "test_crop_scale": teacher_cfg.get("test_crop_scale", 1.0),
    }


def logits_and_embedding(out: NetOutput) -> tuple[torch.Tensor, torch.Tensor]:
    return out.logits, out.embedding


def write_test_logits(path: str, clip_ids: Sequence[str], labels: np.ndarray, logits: np.ndarray) -> None:
    """clip_id, label, logit_0..logit_{C-1}: what late fusion combines, aligned by clip id."""
    frame = pd.DataFrame(logits, columns=[f"logit_{k}" for k in range(logits.shape[1])])
    frame.insert(0, "label", np.asarray(labels, np.int64))
    frame.insert(0, "clip_id", list(clip_ids))
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def read_test_logits(path: str) -> pd.DataFrame:
    return pd.read_csv(path).set_index("clip_id")


def load_model(path: str | Path, device: torch.device) -> tuple[torch.nn.Module, dict[str, Any]]:
    """A trained teacher model file (``model.pt`` of any teacher: video TRN, sensor teacher, SPAMFM)
    as an eval-mode network on ``device``, and the file's record; the network named in the file is
    rebuilt from the config it stored (weights from the state dict, never a pretrained file)."""
    from ..models.registry import build_network
    from ..models.sensor_teacher import FusionTeacher, SensorTeacher

    state = load_torch_file(path, what="model file")
    network = state.get("network", "trn")
    cfg = dict(state["teacher_config"], pretrained=None)
    if network == "sakdn_sensor_teacher":
        net = SensorTeacher.from_config(cfg, state["num_classes"], state["semantic_dim"], state["in_channels"])
    elif network == "sakdn_fusion_teacher":
        fusion = dict(state["fusion_config"], init="scratch")
        net = FusionTeacher.from_config(cfg, fusion, state["num_classes"], state["semantic_dim"], state["in_channels"])
    else:
        net = build_network(network, cfg, state["num_classes"])
    net.load_state_dict(state["state_dict"])
    return net.to(device).eval(), state
