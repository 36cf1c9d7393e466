"""Entry points of the training stages, one per rule: teacher, untrained teacher (control),
teacher knowledge cache, and a run of the run sheet (any method, any seed).

Each takes its config (the sections declared in ``vskd.runs.STAGE_SECTIONS``) and file paths and
writes its outputs atomically: model (state dict + config), metrics with provenance, per-class
scores, confusion matrix and the per-epoch history with every loss term.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np
import torch

from ..atomic import atomic_path
from ..config import config_hash, stage_config
from ..distill.base import DistillContext, NetSpec
from ..distill.registry import build_method
from ..frames import FrameStore
from ..gaf_store import GafStore
from ..metrics import provenance
from ..models.outputs import NetOutput
from ..models.registry import build_network
from ..progress import progress
from ..runs import STAGE_SECTIONS, teacher_runs_online
from .common import (
    RunOutputs,
    Trainee,
    class_names,
    frame_sampling,
    load_model,
    logits_and_embedding,
    read_subsets,
    teacher_crop,
)
from .compute import Compute
from .datasets import ClipDataset
from .knowledge import KnowledgeStore, KnowledgeWriter, cached_teacher, knowledge_spec

log = logging.getLogger(__name__)


# --- teacher -------------------------------------------------------------------------------


def _teacher_setup(eff: dict[str, Any], split: str, frames_h5: str):
    cfg = eff["teacher"]
    crop = teacher_crop(cfg, eff["frames"])
    (train_ids, train_y), (test_ids, test_y) = read_subsets(split, "train", "test")
    kw = dict(seed=eff["seed"], frames=FrameStore(frames_h5), **frame_sampling(cfg, crop))
    return (
        cfg,
        crop,
        ClipDataset(train_ids, train_y, train=True, **kw),
        ClipDataset(test_ids, test_y, train=False, **kw),
    )


def train_teacher(
    eff: dict[str, Any], split: str, frames_h5: str, out: RunOutputs, untrained: bool = False
) -> dict[str, float]:
    """Train the video teacher (cross-entropy) and evaluate it on the test clips (centre frames).

    ``untrained``: the control teacher, the same network at its seeded initialisation, written
    in the same format, so "DASK from an untrained teacher" runs exactly like the real one.
    """
    compute = Compute.of(eff)
    digest = config_hash({**stage_config(eff, *STAGE_SECTIONS["teacher"]), "untrained": untrained})
    cfg, crop, train_ds, test_ds = _teacher_setup(eff, split, frames_h5)
    names = class_names(eff)
    torch.manual_seed(eff["seed"])
    teacher = build_network("trn", cfg, len(names)).to(compute.device)

    def batch_fn(batch):
        logits = teacher(batch["frames"]).logits
        loss = torch.nn.functional.cross_entropy(logits, batch["label"])
        return loss, {"ce": loss.detach()}, logits, batch["label"]

    forward = lambda b: logits_and_embedding(teacher(b["frames"]))  # noqa: E731
    trainee = Trainee(teacher, train_ds, test_ds, batch_fn, forward, cfg, eff["seed"], compute, digest, names)
    history = [] if untrained else trainee.fit(out.checkpoint)
    meta = {
        "network": "trn",
        "teacher_config": cfg,
        "num_classes": len(names),
        "class_names": names,
        "crop": crop,
        "config_hash": digest,
        "untrained": untrained,
    }
    prov = provenance(
        eff,
        "teacher_untrained" if untrained else "teacher",
        digest,
        backbone=cfg["backbone"],
        num_segments=cfg["num_segments"],
        pretrained=bool(cfg.get("pretrained")),
    )
    return trainee.finish(out, history, meta, prov, "evaluate teacher")


def cache_teacher_knowledge(eff: dict[str, Any], split: str, frames_h5: str, teacher_path: str, out_h5: str) -> None:
    """Run the frozen teacher once over the training clips: ``knowledge.views`` views per clip.

    View 0 is the test-time sampling (segment centres, centre crop); the others are training-style
    samplings (random frame per segment, random crop) from fixed seeds. Every view stores the
    vectors (logits, fc0 embedding, pooled feature, relation embedding); the first
    ``knowledge.map_views`` views also store the four stage maps in fp16 (what FitNet, AT, NST and
    VID read). Runs read this file instead of running the teacher, so N distillation runs cost
    about N student trainings.
    """
    compute = Compute.of(eff)
    teacher, state = load_model(teacher_path, compute.device)
    views, map_views = eff["knowledge"]["views"], min(eff["knowledge"]["map_views"], eff["knowledge"]["views"])
    [(ids, labels)] = read_subsets(split, "train")
    ds = ClipDataset(
        ids,
        labels,
        seed=eff["seed"] + 7919,
        train=True,
        frames=FrameStore(frames_h5),
        **frame_sampling(state["teacher_config"], state["crop"]),
    )
    with atomic_path(out_h5) as tmp, h5py.File(tmp, "w") as h5, torch.no_grad():
        writer = KnowledgeWriter(h5, len(ids), views, map_views)
        for i in progress(range(len(ids)), "teacher knowledge", unit="clip"):
            x = torch.stack([ds.sample_frames(i, train=v > 0, view=v) for v in range(views)]).to(compute.device)
            with compute.autocast():
                writer.add(i, teacher(x, with_maps=map_views > 0))
        map_mb = writer.finish(
            ids,
            labels,
            NetSpec.of(teacher, state["num_classes"]),
            teacher_config_hash=state["config_hash"],
            untrained=bool(state.get("untrained", False)),
        )
    acc = float((writer.vectors["logits"][:, 0].argmax(1) == labels).mean())
    log.info(
        "cached %d views (%d with maps, %.1f MB fp16) of %d training clips; teacher train accuracy (view 0) %.4f",
        views,
        map_views,
        map_mb,
        len(ids),
        acc,
    )


def shuffled_assignment(clip_ids: Sequence[str], seed: int) -> list[str]:
    """The shuffled-teacher control: each clip gets the knowledge of another training clip (a
    random derangement, fixed by the seed), so the teacher's outputs keep their distribution but
    lose their link to the clip the student sees."""
    rng = np.random.default_rng([seed, 4242])
    n = len(clip_ids)
    if n < 2:
        raise ValueError("the shuffled-teacher control needs at least two training clips")
    perm = rng.permutation(n)
    fixed = np.flatnonzero(perm == np.arange(n))
    for i in fixed:  # swap fixed points away
        j = (i + 1 + int(rng.integers(n - 1))) % n
        perm[i], perm[j] = perm[j], perm[i]
    while np.any(perm == np.arange(n)):  # rare: a swap created a new fixed point
        i = int(np.flatnonzero(perm == np.arange(n))[0])
        j = (i + 1) % n
        perm[i], perm[j] = perm[j], perm[i]
    return [clip_ids[k] for k in perm]


# --- a run of the run sheet -----------------------------------------------------------------


def train_gaf_student(
    cfg: dict[str, Any],
    split: str,
    gaf_h5: str,
    out: RunOutputs,
    knowledge_h5: str | None = None,
    frames_h5: str | None = None,
    teacher_path: str | None = None,
    class_embeddings: str | None = None,
) -> dict[str, float]:
    """Train and evaluate the GAF student of one run (method, parameters, teacher, seed).

    The teacher's outputs come from the knowledge cache (default) or from the frozen teacher run
    in the loop (``distill.online``); the shuffled-teacher control reassigns cached knowledge.
    """
    run, seed, scfg = cfg["run"], cfg["seed"], cfg["student"]
    compute = Compute.of(cfg)
    device = compute.device
    digest = config_hash(cfg)
    names = class_names(cfg)
    gaf = GafStore(gaf_h5)
    (train_ids, train_y), (test_ids, test_y) = read_subsets(split, "train", "test")
    torch.manual_seed(seed)
    student = build_network("gaf_cnn", scfg, len(names), in_channels=gaf.shape[0]).to(device)
    online = teacher_runs_online(run["teacher"], cfg.get("distill", {}).get("online", False))
    teacher, teacher_inputs, t_spec = None, {}, None
    if run["teacher"] and online:
        teacher, tstate = load_model(teacher_path, device)
        t_spec = NetSpec.of(teacher, tstate["num_classes"])
        teacher_inputs = {"frames": FrameStore(frames_h5), **frame_sampling(tstate["teacher_config"], tstate["crop"])}
    elif run["teacher"]:
        t_spec = knowledge_spec(knowledge_h5)
    ctx = DistillContext(
        NetSpec.of(student, len(names)),
        t_spec,
        num_train=len(train_ids),
        class_embeddings=torch.as_tensor(np.load(class_embeddings)) if class_embeddings else None,
    )
    method = build_method(run["method"], run["params"], ctx).to(device)
    if run["teacher"] and not online:
        fields = sorted(method.teacher_fields)
        teacher_inputs = {"knowledge": [KnowledgeStore(knowledge_h5)], "knowledge_fields": fields}
        if run["teacher"] == "shuffled":
            teacher_inputs["knowledge_of"] = shuffled_assignment(train_ids, seed)
    train_ds = ClipDataset(train_ids, train_y, seed=seed, train=True, gaf=gaf, **teacher_inputs)
    test_ds = ClipDataset(test_ids, test_y, seed=seed, train=False, gaf=gaf)
    want_maps = method.student_maps

    def teacher_outputs(batch) -> NetOutput | None:
        if teacher is not None:
            with torch.no_grad():
                return teacher(batch["frames"], with_maps="maps" in method.teacher_fields)
        if "knowledge" not in teacher_inputs:
            return None
        return cached_teacher(batch, 0)

    def batch_fn(batch):
        s_out = student(batch["gaf"], with_maps=want_maps)
        loss, parts = method(s_out, teacher_outputs(batch), batch["label"], batch["index"])
        return loss, parts, s_out.logits, batch["label"]

    forward = lambda b: logits_and_embedding(student(b["gaf"]))  # noqa: E731
    trainee = Trainee(student, train_ds, test_ds, batch_fn, forward, scfg, seed, compute, digest, names, method)
    history = trainee.fit(out.checkpoint)
    meta = {
        "network": "gaf_cnn",
        "student_config": scfg,
        "num_classes": len(names),
        "class_names": names,
        "in_channels": gaf.shape[0],
        "gaf_config": cfg["gaf"],
        "config_hash": digest,
        "run": run,
        "seed": seed,
    }
    params = {f"p_{k}": v for k, v in run["params"].items()}
    prov = provenance(
        {**cfg, "seed": seed},
        f"student_{run['name']}",
        digest,
        run=run["name"],
        method=run["method"],
        teacher=run["teacher"] or "none",
        teacher_mode=("online" if online else "cached") if run["teacher"] else "none",
        table=run["table"],
        evaluated_on=run.get("evaluated_on", "test"),
        label=run["label"],
        gaf_kind=cfg["gaf"]["kind"],
        image_size=cfg["gaf"]["image_size"],
        **params,
    )
    return trainee.finish(out, history, meta, prov, "evaluate student")
