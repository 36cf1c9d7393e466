"""Train any run of the run sheet. The student, its input and its teachers follow from the run's
direction: ``vision_to_sensor`` (VSKD) trains the GAF student from the video teacher's knowledge
cache (or the frozen teacher in the loop); ``sensor_to_vision`` (SAKDN) trains the video student
from the caches of the sensor teachers or of SPAMFM's branches. One entry point, one rule
(``train_run``), one output folder (``results/{dataset}/runs/{run}/seed{seed}/``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..sweeps import apply_selection
from .common import RunOutputs
from .sensor_to_vision import train_video_student
from .stages import train_gaf_student


def _vision_to_sensor(cfg: dict[str, Any], inputs: Mapping[str, Any], out: RunOutputs) -> dict[str, float]:
    return train_gaf_student(
        cfg,
        inputs["split"],
        inputs["gaf"],
        out,
        knowledge_h5=inputs.get("knowledge"),
        frames_h5=inputs.get("frames"),
        teacher_path=inputs.get("teacher"),
        class_embeddings=inputs.get("class_embeddings"),
    )


def _sensor_to_vision(cfg: dict[str, Any], inputs: Mapping[str, Any], out: RunOutputs) -> dict[str, float]:
    return train_video_student(
        cfg,
        inputs["split"],
        inputs["frames"],
        out,
        knowledge=list(inputs.get("knowledge", [])),
        teacher_metrics=list(inputs.get("teacher_metrics", [])),
        class_embeddings=inputs.get("class_embeddings"),
    )


DIRECTIONS: dict[str, Callable[[dict[str, Any], Mapping[str, Any], RunOutputs], dict[str, float]]] = {
    "vision_to_sensor": _vision_to_sensor,
    "sensor_to_vision": _sensor_to_vision,
}


def train_run(direction: str, cfg: dict[str, Any], inputs: Mapping[str, Any], out: RunOutputs) -> dict[str, float]:
    """Train and evaluate one run (its config from ``vskd.runs.run_config`` or, for
    sensor_to_vision, ``vskd.sakdn_config.sensor_to_vision_run_config``); write its files. A
    sweep's selected run first takes its swept parameters from the selection file (``selection``)."""
    if cfg["run"].get("choices"):
        cfg = apply_selection(cfg, inputs["selection"])
    return DIRECTIONS[direction](cfg, inputs, out)
