"""SAKDN's teacher stages: one teacher per sensor (on its GAF image set), the SPAMFM teacher, and the
knowledge caches the video student reads.

Each teacher trains with cross-entropy plus SAKDN's semantic term (its semantic layer regresses the
class-name embedding of the label: L1 in the released UTD script, MSE for Berkeley/MMAct), is
evaluated on the test clips and cached once over the training clips (GAF images have no random
views: one view, all four stage maps). The SPAMFM teacher trains its branches jointly, each with
its own CE and semantic term averaged over branches (the released objective); its prediction is
the sum of the branches' logits. SPAMFM couples the clips of a batch (batch Gram), so evaluation
and caches run fixed batches in split order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from ..atomic import atomic_path
from ..config import config_hash
from ..distill.base import NetSpec
from ..gaf_store import GafStore
from ..metrics import classification_metrics, provenance
from ..models.outputs import NetOutput
from ..models.sensor_teacher import FusionTeacher, SensorTeacher
from .common import (
    RunOutputs,
    Trainee,
    class_names,
    load_model,
    logits_and_embedding,
    read_subsets,
    write_outputs,
    write_test_logits,
)
from .compute import Compute
from .datasets import ClipDataset
from .knowledge import KnowledgeWriter

log = logging.getLogger(__name__)


def semantic_loss(pred: torch.Tensor, target: torch.Tensor, kind: str) -> torch.Tensor:
    return F.l1_loss(pred, target) if kind == "l1" else F.mse_loss(pred, target)


# --- one teacher per sensor ----------------------------------------------------------------------


def _embeddings(path: str, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.load(path), dtype=torch.float32, device=device)


def train_sensor_teacher(
    cfg: dict[str, Any], split: str, gaf_h5: str, class_embeddings: str, out: RunOutputs
) -> dict[str, float]:
    """Train one sensor's GAF teacher (CE + semantic), evaluate it, write its files."""
    compute = Compute.of(cfg)
    device = compute.device
    digest = config_hash(cfg)
    tcfg, seed = cfg["teacher"], cfg["seed"]
    names = class_names(cfg)
    emb = _embeddings(class_embeddings, device)
    gaf = GafStore(gaf_h5)
    (train_ids, train_y), (test_ids, test_y) = read_subsets(split, "train", "test")
    torch.manual_seed(seed)
    net = SensorTeacher.from_config(tcfg, len(names), emb.shape[1], gaf.shape[0]).to(device)
    train_ds = ClipDataset(train_ids, train_y, seed=seed, train=True, gaf=gaf)
    test_ds = ClipDataset(test_ids, test_y, seed=seed, train=False, gaf=gaf)

    def batch_fn(batch):
        y = batch["label"]
        o = net(batch["gaf"])
        ce = F.cross_entropy(o.logits, y)
        parts = {"ce": ce}
        loss = ce
        if tcfg["semantic"] > 0:
            parts["semantic"] = semantic_loss(o.embedding, emb[y], tcfg["semantic_loss"])
            loss = loss + tcfg["semantic"] * parts["semantic"]
        return loss, {k: v.detach() for k, v in parts.items()}, o.logits, y

    forward = lambda b: logits_and_embedding(net(b["gaf"]))  # noqa: E731
    trainee = Trainee(net, train_ds, test_ds, batch_fn, forward, tcfg, seed, compute, digest, names)
    history = trainee.fit(out.checkpoint)
    meta = {
        "network": "sakdn_sensor_teacher",
        "teacher_config": tcfg,
        "num_classes": len(names),
        "semantic_dim": int(emb.shape[1]),
        "in_channels": int(gaf.shape[0]),
        "class_names": names,
        "sensor": cfg["sensor"],
        "config_hash": digest,
    }
    prov = provenance(
        cfg,
        f"sensor_teacher_{cfg['sensor']}",
        digest,
        sensor=cfg["sensor"],
        channels=" ".join(cfg["channels"]),
        backbone=tcfg["backbone"],
    )
    return trainee.finish(out, history, meta, prov, f"evaluate {cfg['sensor']} teacher")


def _write_knowledge(
    out_h5: str,
    ids: Sequence[str],
    labels: np.ndarray,
    outs: list[NetOutput],
    spec: NetSpec,
    ablation_class: int,
    attrs: dict[str, Any],
) -> None:
    """One teacher's cache (one view per clip, all four stage maps) + its ablated class (GSDM)."""
    with atomic_path(out_h5) as tmp, h5py.File(tmp, "w") as h5:
        writer = KnowledgeWriter(h5, len(ids), views=1, map_views=1)
        i = 0
        for batch in outs:
            for j in range(len(batch.logits)):
                writer.add(
                    i,
                    NetOutput(
                        batch.logits[j : j + 1],
                        batch.embedding[j : j + 1],
                        batch.pooled[j : j + 1],
                        None,
                        [m[j : j + 1] for m in batch.maps],
                    ),
                )
                i += 1
        writer.finish(ids, labels, spec, ablation_class=int(ablation_class), untrained=False, **attrs)


def cache_sensor_knowledge(cfg: dict[str, Any], split: str, gaf_h5: str, model: str, out_h5: str) -> None:
    """The frozen sensor teacher's outputs and stage maps for every training clip, and its
    prediction for an all-zero GAF image (GSDM's ablated input)."""
    compute = Compute.of(cfg)
    device = compute.device
    net, state = load_model(model, device)
    gaf = GafStore(gaf_h5)
    [(ids, labels)] = read_subsets(split, "train")
    ds = ClipDataset(ids, labels, seed=cfg["seed"], train=False, gaf=gaf)
    outs = []
    with torch.no_grad(), compute.autocast():
        for batch in DataLoader(ds, batch_size=32, shuffle=False):
            outs.append(net(batch["gaf"].to(device), with_maps=True))
        ablated = int(net(torch.zeros(1, *gaf.shape, device=device)).logits.argmax(1))
    _write_knowledge(
        out_h5,
        ids,
        labels,
        outs,
        NetSpec.of(net, state["num_classes"]),
        ablated,
        {"teacher_config_hash": state["config_hash"], "sensor": cfg["sensor"]},
    )
    acc = float((torch.cat([o.logits for o in outs]).argmax(1).cpu().numpy() == labels).mean())
    log.info(
        "cached %s teacher on %d training clips (train accuracy %.4f, ablated class %d)",
        cfg["sensor"],
        len(ids),
        acc,
        ablated,
    )


# --- the SPAMFM teacher --------------------------------------------------------------------------


class MultiGafDataset(Dataset):
    """Each clip's GAF image of every sensor (``gaf0``, ``gaf1``, ...), paired by clip id."""

    def __init__(self, clip_ids: Sequence[str], labels: Sequence[int], stores: Sequence[GafStore]):
        self.clip_ids, self.labels, self.stores = list(clip_ids), np.asarray(labels, np.int64), list(stores)
        for store in self.stores:
            missing = [c for c in self.clip_ids if c not in store]
            if missing:
                raise KeyError(f"{len(missing)} clips missing from {store.path} (e.g. {missing[:3]})")

    def __len__(self) -> int:
        return len(self.clip_ids)

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, torch.Tensor]:
        i = key[1] if isinstance(key, tuple) else key  # (epoch, index) in training: nothing is sampled
        item = {"index": torch.tensor(i), "label": torch.tensor(self.labels[i])}
        for j, store in enumerate(self.stores):
            item[f"gaf{j}"] = torch.from_numpy(store[self.clip_ids[i]].astype(np.float32))
        return item


def _fusion_pass(
    net: FusionTeacher,
    ds: MultiGafDataset,
    batch_size: int,
    compute: Compute,
    with_maps: bool = False,
    gates: bool = False,
):
    """Branch outputs over ``ds`` in order (fixed batches); optionally mean SPAMFM gates per clip."""
    outs: list[list[NetOutput]] = [[] for _ in ds.stores]
    gate_rows: list[dict[str, np.ndarray]] = []
    with torch.no_grad(), compute.autocast():
        for batch in DataLoader(ds, batch_size=batch_size, shuffle=False):
            res = net([batch[f"gaf{j}"].to(compute.device) for j in range(len(ds.stores))], with_maps=with_maps)
            for j, o in enumerate(res):
                outs[j].append(o)
            if gates:
                gate_rows.append(
                    {
                        name: torch.stack([g.mean(1) for g in m.last_gates], 1).float().cpu().numpy()
                        for name, m in net.fusion_points().items()
                    }
                )
    return outs, gate_rows


def train_fusion_teacher(
    cfg: dict[str, Any],
    split: str,
    gaf_h5s: Sequence[str],
    class_embeddings: str,
    out: RunOutputs,
    branch_metrics: str,
    fusion_weights: str,
    init_models: Sequence[str] | None = None,
) -> dict[str, float]:
    """Train the SPAMFM teacher jointly; write fused metrics (sum of branch logits), each branch's
    accuracy inside the fused network, and the mean SPAMFM gate per class, sensor and fusion point."""
    compute = Compute.of(cfg)
    device = compute.device
    digest = config_hash(cfg)
    fcfg, seed, sensors = cfg["fusion"], cfg["seed"], list(cfg["sensors"])
    names = class_names(cfg)
    emb = _embeddings(class_embeddings, device)
    stores = [GafStore(p) for p in gaf_h5s]
    (train_ids, train_y), (test_ids, test_y) = read_subsets(split, "train", "test")
    torch.manual_seed(seed)
    net = FusionTeacher.from_config(
        cfg["teacher"], cfg["fusion"], len(names), emb.shape[1], [s.shape[0] for s in stores], init_models
    ).to(device)
    train_ds = MultiGafDataset(train_ids, train_y, stores)
    test_ds = MultiGafDataset(test_ids, test_y, stores)
    m = len(stores)

    def batch_fn(batch):
        y = batch["label"]
        res = net([batch[f"gaf{j}"] for j in range(m)])
        ce = torch.stack([F.cross_entropy(o.logits, y) for o in res]).mean()
        parts, loss = {"ce": ce}, ce
        if fcfg["semantic"] > 0:
            parts["semantic"] = torch.stack(
                [semantic_loss(o.embedding, emb[y], fcfg["semantic_loss"]) for o in res]
            ).mean()
            loss = loss + fcfg["semantic"] * parts["semantic"]
        fused = torch.stack([o.logits for o in res]).sum(0)
        return loss, {k: v.detach() for k, v in parts.items()}, fused, y

    def forward(b):
        res = net([b[f"gaf{j}"] for j in range(m)])
        return torch.stack([o.logits for o in res]).sum(0), torch.stack([o.embedding for o in res]).mean(0)

    history = Trainee(net, train_ds, test_ds, batch_fn, forward, fcfg, seed, compute, digest, names).fit(out.checkpoint)
    net.eval()
    outs, gate_rows = _fusion_pass(net, test_ds, fcfg["batch_size"], compute, gates=True)
    branch_logits = [torch.cat([o.logits for o in bo]).float().cpu().numpy() for bo in outs]
    logits = np.sum(branch_logits, axis=0)
    labels = test_ds.labels
    write_test_logits(out.test_logits, test_ids, labels, logits)
    rows = []
    for s, lg in zip(sensors, branch_logits):
        summary = classification_metrics(labels, lg.argmax(1), names)[0]
        rows.append({"sensor": s, "accuracy": summary["accuracy"], "macro_f1": summary["macro_f1"]})
    with atomic_path(branch_metrics) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False)
    _write_fusion_weights(fusion_weights, gate_rows, labels, sensors, names)
    meta = {
        "network": "sakdn_fusion_teacher",
        "teacher_config": cfg["teacher"],
        "fusion_config": fcfg,
        "num_classes": len(names),
        "semantic_dim": int(emb.shape[1]),
        "in_channels": [int(s.shape[0]) for s in stores],
        "sensors": sensors,
        "class_names": names,
        "config_hash": digest,
    }
    prov = provenance(
        cfg,
        "fusion_teacher",
        digest,
        sensors=" ".join(sensors),
        backbone=cfg["teacher"]["backbone"],
        **{f"branch_accuracy_{r['sensor']}": r["accuracy"] for r in rows},
    )
    return write_outputs(out, net, meta, history, labels, logits, prov, names)


def _write_fusion_weights(
    path: str, gate_rows: list[dict[str, np.ndarray]], labels: np.ndarray, sensors: Sequence[str], names: Sequence[str]
) -> None:
    """Mean SPAMFM gate (averaged over channels, in [0, 3]) per test class, sensor and fusion point:
    how much each sensor's features are amplified for each class."""
    rows = []
    if gate_rows:
        for point in gate_rows[0]:
            g = np.concatenate([r[point] for r in gate_rows])  # (N, M)
            for c, name in enumerate(names):
                sel = labels == c
                if not sel.any():
                    continue
                for j, s in enumerate(sensors):
                    rows.append({"class": name, "sensor": s, "point": point, "mean_gate": float(g[sel, j].mean())})
    with atomic_path(path) as tmp:
        pd.DataFrame(rows, columns=["class", "sensor", "point", "mean_gate"]).to_csv(tmp, index=False)


def cache_fusion_knowledge(
    cfg: dict[str, Any], split: str, gaf_h5s: Sequence[str], model: str, out_h5s: dict[str, str]
) -> None:
    """Fused branches' outputs and stage maps over the training clips (fixed batches of the
    fusion's batch size, in split order), one file per requested branch (``out_h5s``: sensor ->
    path), with the branch's prediction when every sensor's input is all zeros (GSDM's ablated
    input). One pass computes all branches (they are coupled); each file is written on request."""
    compute = Compute.of(cfg)
    device = compute.device
    net, state = load_model(model, device)
    stores = [GafStore(p) for p in gaf_h5s]
    [(ids, labels)] = read_subsets(split, "train")
    ds = MultiGafDataset(ids, labels, stores)
    outs, _ = _fusion_pass(net, ds, cfg["fusion"]["batch_size"], compute, with_maps=True)
    with torch.no_grad(), compute.autocast():
        zero = net([torch.zeros(2, *s.shape, device=device) for s in stores])
    for j, sensor in enumerate(state["sensors"]):
        if sensor not in out_h5s:
            continue
        path = out_h5s[sensor]
        _write_knowledge(
            path,
            ids,
            labels,
            outs[j],
            NetSpec.of(net.branches[j], state["num_classes"]),
            int(zero[j].logits[0].argmax()),
            {"teacher_config_hash": state["config_hash"], "sensor": sensor, "fused": True},
        )
    fused = torch.stack([torch.cat([o.logits for o in bo]) for bo in outs]).sum(0).argmax(1).cpu().numpy()
    log.info(
        "cached the SPAMFM teacher (%s) on %d training clips, fused train accuracy %.4f",
        ", ".join(state["sensors"]),
        len(ids),
        float((fused == labels).mean()),
    )
