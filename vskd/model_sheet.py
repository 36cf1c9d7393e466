"""The models of a dataset: every network trained to serve as a teacher, as one list.

A model is a (network, input, settings) entry trained once per dataset by one rule
(``train_model``: ``results/{dataset}/models/{name}/``) and cached as knowledge by one rule
(``model_knowledge``) for the runs that read it. Roles are config: the same trainer, outputs and
loader serve the video TRN of VSKD and the sensor teachers of SAKDN.

- ``teacher``: the video TRN (network ``trn``, input ``frames``, settings: the ``teacher`` section);
- ``teacher_untrained``: the same network at its seeded initialisation (the untrained control);
- ``sensor_<name>``: one SAKDN sensor teacher (network ``sensor_teacher``, input: the GAF image set
  of that sensor's channels, settings: ``sakdn.teacher``), for each sensor of ``sakdn.sensors``;
- ``spamfm``: SAKDN's fused teacher (network ``spamfm``: one branch per sensor teacher's input,
  settings ``sakdn.teacher`` + ``sakdn.fusion``); its knowledge is cached per branch.

The SAKDN models exist for the datasets that have sensor_to_vision runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: the networks a model may be, and the input each reads
NETWORK_INPUTS = {"trn": "frames", "sensor_teacher": "gaf", "spamfm": "gaf"}
VIDEO_TEACHERS = ("teacher", "teacher_untrained")


@dataclass(frozen=True)
class ModelSpec:
    """One model of one dataset."""

    dataset: str
    name: str
    network: str
    untrained: bool = False
    #: sensor_teacher: its sensor; spamfm: its branches (sensor names, in config order)
    sensors: tuple[str, ...] = ()

    @property
    def folder(self) -> str:
        return f"results/{self.dataset}/models/{self.name}"

    @property
    def input(self) -> str:
        return NETWORK_INPUTS[self.network]

    @property
    def knowledge_files(self) -> list[str]:
        """Its knowledge caches: one file, or one per branch of a fused model."""
        if self.network == "spamfm":
            return [f"{self.folder}/knowledge_{s}.h5" for s in self.sensors]
        return [f"{self.folder}/knowledge.h5"]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "network": self.network, "untrained": self.untrained, "sensors": list(self.sensors)}


def sensor_model(sensor: str) -> str:
    """The model name of a SAKDN sensor teacher."""
    return f"sensor_{sensor}"


def expand_models(
    effective: dict[str, dict[str, Any]], sakdn: dict[str, dict[str, Any]]
) -> dict[tuple[str, str], ModelSpec]:
    """Every (dataset, model name) of the workflow: the video teachers of the datasets with video,
    the sensor teachers and SPAMFM of the datasets with sensor_to_vision runs (``sakdn``: their
    resolved ``sakdn`` settings)."""
    out: dict[tuple[str, str], ModelSpec] = {}
    for name, eff in effective.items():
        if "video" in eff["dataset"]["modalities"]:
            for model in VIDEO_TEACHERS:
                out[(name, model)] = ModelSpec(name, model, "trn", untrained=model == "teacher_untrained")
        if name in sakdn:
            sensors = tuple(sakdn[name]["sensors"])
            for s in sensors:
                out[(name, sensor_model(s))] = ModelSpec(name, sensor_model(s), "sensor_teacher", sensors=(s,))
            out[(name, "spamfm")] = ModelSpec(name, "spamfm", "spamfm", sensors=sensors)
    return out
