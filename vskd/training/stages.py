"""Entry points of the training stages (teacher, teacher knowledge, students), one per rule.

Each takes the dataset's effective config and file paths and writes its outputs atomically:
model (state dict + config), metrics with provenance, per-class scores, confusion matrix and the
per-epoch history.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import h5py
import numpy as np
import pandas as pd
import torch

from ..atomic import atomic_path
from ..config import config_hash, stage_config
from ..data.manifest import read_split
from ..data.utd import CLASS_NAMES
from ..distill.losses import DASKLoss, Outputs
from ..frames import FrameStore
from ..gaf_store import GafStore
from ..metrics import classification_metrics, provenance
from ..models.student import GafStudent
from ..models.teacher import TRNTeacher
from ..progress import progress
from .datasets import ClipDataset, KnowledgeStore
from .loop import FitSpec, fit, predict, resolve_device
from .sampling import DEFAULT_CROP_SCALES

log = logging.getLogger(__name__)

#: config sections each model depends on (its fingerprint and config hash)
TEACHER_SECTIONS = ("frames", "teacher")
STUDENT_SECTIONS = {"baseline": ("gaf", "student"),
                    "dask": ("gaf", "student", "distill", "semantic", "frames", "teacher")}


@dataclass
class RunOutputs:
    """Files one training stage writes."""

    model: str
    metrics: str
    history: str
    per_class: str
    confusion: str
    checkpoint: str


def _split(path: str | Path, *subsets: str) -> list[tuple[list[str], np.ndarray]]:
    """(clip ids, labels) of each requested subset of a split file, read once."""
    frame = read_split(path)
    out = []
    for subset in subsets:
        part = frame[frame.subset == subset]
        if part.empty:
            raise ValueError(f"{path}: no clip in the {subset} subset")
        out.append((part.clip_id.tolist(), part.label.to_numpy()))
    return out


def _fit_spec(section: dict[str, Any], seed: int) -> FitSpec:
    return FitSpec(epochs=section["epochs"], batch_size=section["batch_size"], seed=seed,
                   optimizer=section["optimizer"], lr_steps=section.get("lr_steps", []),
                   lr_policy=section.get("lr_policy", "plain"),
                   clip_grad_norm=section.get("clip_grad_norm"),
                   num_workers=section.get("num_workers", 0))


def _write_outputs(out: RunOutputs, model: torch.nn.Module, model_meta: dict[str, Any],
                   history: list[dict[str, float]], labels: np.ndarray, logits: np.ndarray,
                   prov: dict[str, Any]) -> dict[str, float]:
    summary, per_class, confusion = classification_metrics(labels, logits.argmax(1), CLASS_NAMES)
    with atomic_path(out.model) as tmp:
        torch.save({"state_dict": model.state_dict(), **model_meta}, tmp)
    with atomic_path(out.history) as tmp:
        pd.DataFrame(history).to_csv(tmp, index=False)
    with atomic_path(out.per_class) as tmp:
        per_class.to_csv(tmp, index=False)
    with atomic_path(out.confusion) as tmp:
        confusion.to_csv(tmp)
    row = {**prov, **summary, "epochs": len(history),
           "final_train_loss": history[-1]["loss"] if history else float("nan")}
    with atomic_path(out.metrics) as tmp:
        pd.DataFrame([row]).to_csv(tmp, index=False)
    Path(out.checkpoint).unlink(missing_ok=True)   # finished: a later rerun must start afresh
    log.info("%s: accuracy %.4f, macro F1 %.4f on %d test clips", prov["model"],
             summary["accuracy"], summary["macro_f1"], summary["n_test"])
    return summary


def _teacher_crop(cfg: dict[str, Any], frames_cfg: dict[str, Any]) -> tuple[int, int]:
    return (cfg.get("crop_height", frames_cfg["height"]), cfg.get("crop_width", frames_cfg["width"]))


def _frame_sampling(teacher_cfg: dict[str, Any], crop: Sequence[int]) -> dict[str, Any]:
    """How the teacher's clips are sampled: identical in its training, its knowledge cache and
    the online distillation, so the student is distilled from what the teacher learned on."""
    return {"num_segments": teacher_cfg["num_segments"], "crop": tuple(crop),
            "crop_scales": tuple(teacher_cfg.get("crop_scales", DEFAULT_CROP_SCALES))}


def load_teacher(path: str | Path, device: torch.device) -> tuple[TRNTeacher, dict[str, Any]]:
    state = torch.load(path, map_location="cpu", weights_only=False)
    cfg = dict(state["teacher_config"], pretrained=None)   # weights come from the state dict
    teacher = TRNTeacher.from_config(cfg, state["num_classes"])
    teacher.load_state_dict(state["state_dict"])
    return teacher.to(device).eval(), state


def train_teacher(eff: dict[str, Any], split: str, frames_h5: str, out: RunOutputs) -> dict[str, float]:
    """Train the video teacher (cross-entropy), evaluate it on the test clips (centre frames)."""
    cfg, seed = eff["teacher"], eff["seed"]
    device = resolve_device(eff["device"])
    digest = config_hash(stage_config(eff, *TEACHER_SECTIONS))
    frames = FrameStore(frames_h5)
    crop = _teacher_crop(cfg, eff["frames"])
    (train_ids, train_y), (test_ids, test_y) = _split(split, "train", "test")
    kw = dict(seed=seed, frames=frames, **_frame_sampling(cfg, crop))
    train_ds = ClipDataset(train_ids, train_y, train=True, **kw)
    test_ds = ClipDataset(test_ids, test_y, train=False, **kw)
    torch.manual_seed(seed)
    teacher = TRNTeacher.from_config(cfg, len(CLASS_NAMES)).to(device)
    criterion = DASKLoss({"ce": 1.0}).to(device)

    def batch_fn(batch):
        x, y = batch["frames"].to(device), batch["label"].to(device)
        logits, emb = teacher(x)
        loss, parts = criterion(Outputs(logits, emb), None, y)
        return loss, parts, logits, y

    history = fit(teacher, criterion, train_ds, _fit_spec(cfg, seed), batch_fn, out.checkpoint,
                  fingerprint=digest)
    teacher.eval()
    logits, _, labels = predict(test_ds, lambda b: teacher(b["frames"].to(device)),
                                cfg["batch_size"], desc="evaluate teacher")
    meta = {"teacher_config": cfg, "num_classes": len(CLASS_NAMES), "class_names": CLASS_NAMES,
            "crop": crop, "config_hash": digest}
    prov = provenance(eff, "teacher", digest, backbone=cfg["backbone"],
                      num_segments=cfg["num_segments"], pretrained=bool(cfg.get("pretrained")))
    return _write_outputs(out, teacher, meta, history, labels, logits, prov)


def cache_teacher_knowledge(eff: dict[str, Any], split: str, frames_h5: str, teacher_path: str,
                            out_h5: str) -> None:
    """Run the frozen teacher once over the training clips: ``views`` sampled views per clip.

    View 0 is the test-time sampling (segment centres, centre crop); the others are training-style
    samplings (random frame per segment, random crop) from fixed seeds. Student runs read this file
    instead of running the teacher, so N distillation runs cost about N student trainings.
    """
    device = resolve_device(eff["device"])
    teacher, state = load_teacher(teacher_path, device)
    views = eff["distill"]["views"]
    [(ids, labels)] = _split(split, "train")
    ds = ClipDataset(ids, labels, seed=eff["seed"] + 7919, train=True, frames=FrameStore(frames_h5),
                     **_frame_sampling(state["teacher_config"], state["crop"]))
    n_cls, dim = state["num_classes"], teacher.embedding_dim
    logits = np.zeros((len(ids), views, n_cls), np.float32)
    embs = np.zeros((len(ids), views, dim), np.float32)
    with torch.no_grad():
        for i in progress(range(len(ids)), "teacher knowledge", unit="clip"):
            x = torch.stack([ds.sample_frames(i, train=v > 0, view=v) for v in range(views)])
            lg, emb = teacher(x.to(device))
            logits[i], embs[i] = lg.cpu().numpy(), emb.cpu().numpy()
    with atomic_path(out_h5) as tmp, h5py.File(tmp, "w") as h5:
        h5.create_dataset("clip_ids", data=np.array(ids, dtype="S"))
        h5.create_dataset("labels", data=np.asarray(labels, np.int64))
        h5.create_dataset("logits", data=logits)
        h5.create_dataset("embeddings", data=embs)
        h5.attrs["teacher_config_hash"] = state["config_hash"]
        h5.attrs["views"] = views
    acc = float((logits[:, 0].argmax(1) == labels).mean())
    log.info("cached %d views of %d training clips; teacher train accuracy (view 0) %.4f",
             views, len(ids), acc)


def train_student(eff: dict[str, Any], mode: str, split: str, gaf_h5: str, out: RunOutputs,
                  knowledge_h5: str | None = None, frames_h5: str | None = None,
                  teacher_path: str | None = None, class_embeddings: str | None = None,
                  semantic_source: str | None = None) -> dict[str, float]:
    """Train the GAF student: ``baseline`` (cross-entropy only) or ``dask`` (distilled)."""
    if mode not in STUDENT_SECTIONS:
        raise ValueError(f"unknown student mode {mode!r}")
    cfg, seed = eff["student"], eff["seed"]
    device = resolve_device(eff["device"])
    digest = config_hash({**stage_config(eff, *STUDENT_SECTIONS[mode]), "mode": mode})
    gaf = GafStore(gaf_h5)
    (train_ids, train_y), (test_ids, test_y) = _split(split, "train", "test")
    torch.manual_seed(seed)
    student = GafStudent.from_config(cfg, len(CLASS_NAMES), in_channels=gaf.shape[0]).to(device)
    teacher = None
    teacher_inputs: dict[str, Any] = {}   # what the dataset must yield for the teacher's terms
    extra: dict[str, Any] = {}
    if mode == "baseline":
        criterion = DASKLoss({"ce": 1.0})
    else:
        dcfg = eff["distill"]
        emb = np.load(class_embeddings) if class_embeddings else None
        criterion = DASKLoss(dcfg["weights"], dcfg["temperature"],
                             torch.as_tensor(emb) if emb is not None else None, student.embedding_dim)
        if criterion.needs_teacher:
            if dcfg["online"]:
                teacher, tstate = load_teacher(teacher_path, device)
                teacher_inputs = {"frames": FrameStore(frames_h5),
                                  **_frame_sampling(tstate["teacher_config"], tstate["crop"])}
            else:
                teacher_inputs = {"knowledge": KnowledgeStore(knowledge_h5)}
        extra = {"online": dcfg["online"], "semantic_source": semantic_source or "",
                 **{f"w_{k}": v for k, v in dcfg["weights"].items()}}
    criterion = criterion.to(device)
    train_ds = ClipDataset(train_ids, train_y, seed=seed, train=True, gaf=gaf, **teacher_inputs)
    test_ds = ClipDataset(test_ids, test_y, seed=seed, train=False, gaf=gaf)

    def batch_fn(batch):
        x, y = batch["gaf"].to(device), batch["label"].to(device)
        logits, emb = student(x)
        t_out = None
        if teacher is not None:
            with torch.no_grad():
                t_out = Outputs(*teacher(batch["frames"].to(device)))
        elif "knowledge" in teacher_inputs:
            t_out = Outputs(batch["t_logits"].to(device), batch["t_embedding"].to(device))
        loss, parts = criterion(Outputs(logits, emb), t_out, y)
        return loss, parts, logits, y

    history = fit(student, criterion, train_ds, _fit_spec(cfg, seed), batch_fn, out.checkpoint,
                  fingerprint=digest)
    student.eval()
    logits, _, labels = predict(test_ds, lambda b: student(b["gaf"].to(device)), cfg["batch_size"],
                                desc="evaluate student")
    meta = {"student_config": cfg, "num_classes": len(CLASS_NAMES), "class_names": CLASS_NAMES,
            "in_channels": gaf.shape[0], "gaf_config": eff["gaf"], "config_hash": digest}
    prov = provenance(eff, f"student_{mode}", digest, gaf_kind=eff["gaf"]["kind"],
                      image_size=eff["gaf"]["image_size"], **extra)
    return _write_outputs(out, student, meta, history, labels, logits, prov)
