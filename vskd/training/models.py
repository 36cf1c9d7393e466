"""Train any model of the model sheet (:mod:`vskd.model_sheet`) and cache its knowledge: one entry
point per stage for every network that serves as a teacher, picked from a registry by the model's
``network`` (the video TRN, a SAKDN sensor teacher, the SPAMFM teacher).

Every model writes the same files (:class:`~vskd.training.common.ModelOutputs`): model, metrics with
provenance, history, per-class scores, confusion matrix, test logits, per-branch accuracy and gates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from ..atomic import atomic_path
from .common import ModelOutputs
from .sensor_teachers import cache_fusion_knowledge, cache_sensor_knowledge, train_fusion_teacher, train_sensor_teacher
from .stages import cache_teacher_knowledge, train_teacher

GATE_COLUMNS = ["class", "sensor", "point", "mean_gate"]


def _single_network_extras(model: Mapping[str, Any], out: ModelOutputs, summary: dict[str, float]) -> None:
    """A network without branches: one branch row (itself) and no gates."""
    with atomic_path(out.branches) as tmp:
        pd.DataFrame(
            [{"sensor": model["name"], "accuracy": summary["accuracy"], "macro_f1": summary["macro_f1"]}]
        ).to_csv(tmp, index=False)
    with atomic_path(out.gates) as tmp:
        pd.DataFrame(columns=GATE_COLUMNS).to_csv(tmp, index=False)


def _train_trn(cfg, model, inputs, out):
    summary = train_teacher(cfg, inputs["split"], inputs["frames"], out, untrained=model["untrained"])
    _single_network_extras(model, out, summary)
    return summary


def _train_sensor_teacher(cfg, model, inputs, out):
    summary = train_sensor_teacher(cfg, inputs["split"], inputs["gaf"][0], inputs["class_embeddings"], out)
    _single_network_extras(model, out, summary)
    return summary


def _train_spamfm(cfg, model, inputs, out):
    return train_fusion_teacher(
        cfg,
        inputs["split"],
        list(inputs["gaf"]),
        inputs["class_embeddings"],
        out,
        branch_metrics=out.branches,
        fusion_weights=out.gates,
        init_models=list(inputs.get("init", [])) or None,
    )


TRAINERS: dict[str, Callable[..., dict[str, float]]] = {
    "trn": _train_trn,
    "sensor_teacher": _train_sensor_teacher,
    "spamfm": _train_spamfm,
}

KNOWLEDGE: dict[str, Callable[..., None]] = {
    "trn": lambda cfg, model, inputs, outs: cache_teacher_knowledge(
        cfg, inputs["split"], inputs["frames"], inputs["model"], outs[model["name"]]
    ),
    "sensor_teacher": lambda cfg, model, inputs, outs: cache_sensor_knowledge(
        cfg, inputs["split"], inputs["gaf"][0], inputs["model"], outs[model["name"]]
    ),
    "spamfm": lambda cfg, model, inputs, outs: cache_fusion_knowledge(
        cfg, inputs["split"], list(inputs["gaf"]), inputs["model"], outs
    ),
}


def train_model(
    cfg: dict[str, Any], model: Mapping[str, Any], inputs: Mapping[str, Any], out: ModelOutputs
) -> dict[str, float]:
    """Train (or, untrained, only initialise) and evaluate one model; write its files."""
    return TRAINERS[model["network"]](cfg, model, inputs, out)


def cache_model_knowledge(
    cfg: dict[str, Any], model: Mapping[str, Any], inputs: Mapping[str, Any], outs: Mapping[str, str]
) -> None:
    """Cache a trained model's outputs over the training clips: ``outs`` maps the model's name (one
    network) or a branch's sensor (SPAMFM) to the file to write."""
    KNOWLEDGE[model["network"]](cfg, model, inputs, dict(outs))


def branch_of(knowledge_file: str, sensors: Sequence[str]) -> str | None:
    """The SPAMFM branch a ``knowledge_<sensor>.h5`` path names (None for ``knowledge.h5``)."""
    stem = knowledge_file.rsplit("/", 1)[-1].removesuffix(".h5")
    branch = stem.removeprefix("knowledge").removeprefix("_")
    if branch and branch not in sensors:
        raise ValueError(f"{knowledge_file}: no branch {branch!r}; the model has {list(sensors)}")
    return branch or None
