"""The sensor_to_vision direction (SAKDN): a video TRN student distilled from cached sensor teachers,
and the late-fusion reference.

Roles are not modalities: the student here is the network that is the teacher in VSKD (``trn`` on
video frames), the teachers are GAF networks. A run reads the knowledge caches of its teachers:
one sensor teacher (a named one, or the best by ``sakdn.best_by`` chosen in the job from the
teachers' metrics, so the DAG stays static) or every branch of the SPAMFM teacher (``fused``).
Video clip and teacher knowledge of a batch come from the same clip (the released script zipped
independently shuffled loaders).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..atomic import atomic_path
from ..config import config_hash
from ..distill.base import DistillContext, NetSpec
from ..distill.registry import build_method
from ..frames import FrameStore
from ..metrics import classification_metrics, provenance
from ..models.outputs import TeacherSet
from ..models.registry import build_network
from .common import (
    RunOutputs,
    Trainee,
    class_names,
    frame_sampling,
    logits_and_embedding,
    read_subsets,
    read_test_logits,
    teacher_crop,
)
from .compute import Compute
from .datasets import ClipDataset
from .knowledge import KnowledgeStore, cached_teacher, knowledge_spec

log = logging.getLogger(__name__)


def choose_teachers(
    sensor_teacher: str | None, sensors: Sequence[str], metrics: Sequence[str], best_by: str
) -> list[int]:
    """Indices (into ``sensors``) of the teachers a run reads: all (fused), one named, or the best.

    ``best``: the sensor teacher with the highest ``best_by`` (test accuracy, as "the single best
    teacher" of a results table, or the training accuracy of its knowledge cache) — decided from
    the teachers' metrics files, ties to the first sensor of the config.
    """
    if sensor_teacher is None:
        return []
    if sensor_teacher == "fused":
        return list(range(len(sensors)))
    if sensor_teacher == "best":
        scores = []
        for path in metrics:
            row = pd.read_csv(path).iloc[0]
            scores.append(float(row["accuracy"] if best_by == "test_accuracy" else row["train_accuracy"]))
        return [int(np.argmax(scores))]
    return [list(sensors).index(sensor_teacher)]


def train_video_student(
    cfg: dict[str, Any],
    split: str,
    frames_h5: str,
    out: RunOutputs,
    knowledge: Sequence[str] = (),
    teacher_metrics: Sequence[str] = (),
    class_embeddings: str | None = None,
) -> dict[str, float]:
    """Train and evaluate the video student of one sensor_to_vision run.

    ``knowledge``: cache files, one per teacher candidate in ``cfg['sakdn']['sensors']`` order
    (sensor teachers, or the SPAMFM teacher's branches for ``fused``); ``teacher_metrics`` their
    metrics (for ``best``).
    """
    run, seed, scfg = cfg["run"], cfg["seed"], cfg["student"]
    compute = Compute.of(cfg)
    device = compute.device
    digest = config_hash(cfg)
    names = class_names(cfg)
    sensors = list(cfg["sakdn"]["sensors"])
    chosen = choose_teachers(run.get("sensor_teacher"), sensors, teacher_metrics, cfg["sakdn"]["best_by"])
    (train_ids, train_y), (test_ids, test_y) = read_subsets(split, "train", "test")
    torch.manual_seed(seed)
    student = build_network("trn", scfg, len(names)).to(device)
    crop = teacher_crop(scfg, cfg["frames"])
    frames = FrameStore(frames_h5)
    sampling = frame_sampling(scfg, crop)
    stores = [KnowledgeStore(knowledge[j]) for j in chosen]
    t_spec = knowledge_spec(knowledge[chosen[0]]) if chosen else None
    emb = torch.as_tensor(np.load(class_embeddings), dtype=torch.float32) if class_embeddings else None
    ctx = DistillContext(NetSpec.of(student, len(names)), t_spec, num_train=len(train_ids), class_embeddings=emb)
    method = build_method(run["method"], run["params"], ctx).to(device)
    train_ds = ClipDataset(
        train_ids,
        train_y,
        seed=seed,
        train=True,
        frames=frames,
        knowledge=stores,
        knowledge_fields=sorted(method.teacher_fields),
        **sampling,
    )
    test_ds = ClipDataset(test_ids, test_y, seed=seed, train=False, frames=frames, **sampling)
    ablation = [int(s.h5.attrs.get("ablation_class", 0)) for s in stores]
    gsdm_on = hasattr(method, "set_student_ablation") and method.weight("gsdm") > 0

    def teachers(batch) -> TeacherSet | None:
        if not stores:
            return None
        branches = [cached_teacher(batch, j) for j in range(len(stores))]
        return TeacherSet.of(branches, ablation)

    def batch_fn(batch):
        x, y = batch["frames"], batch["label"]
        if gsdm_on:  # GGAA: the student's prediction for an all-zero clip
            student.eval()
            with torch.no_grad():
                method.set_student_ablation(int(student(torch.zeros_like(x[:1])).logits.argmax(1)))
            student.train()
        s_out = student(x, with_maps=method.student_maps)
        loss, parts = method(s_out, teachers(batch), y, batch["index"])
        return loss, parts, s_out.logits, y

    forward = lambda b: logits_and_embedding(student(b["frames"]))  # noqa: E731
    trainee = Trainee(student, train_ds, test_ds, batch_fn, forward, scfg, seed, compute, digest, names, method)
    history = trainee.fit(out.checkpoint)
    teacher_name = "none" if not chosen else ("fused" if run.get("sensor_teacher") == "fused" else sensors[chosen[0]])
    meta = {
        "network": "trn",
        "student_config": scfg,
        "num_classes": len(names),
        "class_names": names,
        "config_hash": digest,
        "run": run,
        "seed": seed,
        "teachers": [sensors[j] for j in chosen],
    }
    params = {f"p_{k}": v for k, v in run["params"].items()}
    prov = provenance(
        {**cfg, "seed": seed},
        f"video_student_{run['name']}",
        digest,
        run=run["name"],
        method=run["method"],
        teacher=teacher_name,
        sensor_teacher=run.get("sensor_teacher") or "none",
        direction="sensor_to_vision",
        teacher_mode="cached" if chosen else "none",
        table=run["table"],
        evaluated_on=run.get("evaluated_on", "test"),
        label=run["label"],
        backbone=scfg["backbone"],
        num_segments=scfg["num_segments"],
        **params,
    )
    return trainee.finish(out, history, meta, prov, "evaluate video student")


def late_fusion(
    cfg: dict[str, Any],
    video_logits: str,
    sensor_logits: str,
    metrics_csv: str,
    per_class_csv: str,
    mode: str = "logits",
) -> dict[str, float]:
    """The upper reference ("combined"): the CE video student's and the sensor teacher's test
    predictions combined clip by clip, ``logits`` summed (the released evaluation) or ``softmax``
    probabilities averaged."""
    names = class_names(cfg)
    v, s = read_test_logits(video_logits), read_test_logits(sensor_logits)
    if set(v.index) != set(s.index):
        raise ValueError(f"late fusion: {video_logits} and {sensor_logits} hold different test clips")
    s = s.loc[v.index]
    cols = [c for c in v.columns if c.startswith("logit_")]
    a, b = v[cols].to_numpy(np.float64), s[cols].to_numpy(np.float64)
    if mode == "softmax":
        a, b = (torch.softmax(torch.as_tensor(z), 1).numpy() for z in (a, b))
    combined = a + b
    summary, per_class, _ = classification_metrics(v.label.to_numpy(), combined.argmax(1), names)
    row = {
        **provenance(
            cfg,
            "late_fusion",
            config_hash(cfg),
            run="late_fusion",
            method="late_fusion",
            teacher="fused",
            direction="sensor_to_vision",
            table="sensor_to_vision",
            label=f"Late fusion: video (CE) + sensor teachers ({mode})",
            combine=mode,
        ),
        **summary,
    }
    with atomic_path(metrics_csv) as tmp:
        pd.DataFrame([row]).to_csv(tmp, index=False)
    with atomic_path(per_class_csv) as tmp:
        per_class.to_csv(tmp, index=False)
    return summary
