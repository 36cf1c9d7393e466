"""The ``sakdn`` config section (sensor teachers, the SPAMFM teacher, the video student, late fusion)
and the checks of the run-sheet rows of the sensor_to_vision direction.

Why a section of its own (and not per-dataset keys in ``datasets.<name>``): every key of a dataset
entry that is not a known section lands in the dataset description that EVERY stage hashes, so a
SAKDN setting there would rerun the frames, the GAF images and the VSKD teacher. Here the section
is read only by the SAKDN stages; per-dataset overrides live under ``sakdn.datasets.<name>``
and are deep-merged over the defaults below, then validated against ``$defs/sakdn_settings`` of
the one config schema (``vskd/schemas/config.schema.yaml``).
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema

from .config import ConfigError, deep_merge, load_schema
from .runs import run_section

#: UTD-MHAD's two inertial sensors as SAKDN uses them: one GASF teacher each
UTD_SENSORS: dict[str, list[str]] = {"acc": ["acc_x", "acc_y", "acc_z"], "gyro": ["gyro_x", "gyro_y", "gyro_z"]}

DEFAULTS: dict[str, Any] = {
    "sensors": None,
    # one GAF network per sensor; SAKDN's teacher branch: pool -> fc0 (ReLU) -> semantic layer
    # (regresses the class-name embedding) -> classifier. Released UTD: Adam 2e-4, wd 1e-5, L1.
    "teacher": {
        "backbone": "smallcnn",
        "pretrained": None,
        "embedding_dim": 64,
        "input_norm": "unit",
        "optimizer": {"name": "adam", "lr": 0.001, "weight_decay": 1e-5},
        "lr_steps": [],
        "epochs": 10,
        "batch_size": 16,
        "semantic": 1.0,
        "semantic_loss": "l1",
    },
    # the SPAMFM teacher: one branch per sensor, fused after the listed backbone stages and (vectors)
    # after fc0 and the semantic layer, trained jointly (init: scratch, as the released code)
    "fusion": {
        "init": "scratch",
        "stages": [1, 2, 3, 4],
        "vectors": True,
        "reduction": 4,
        "optimizer": {"name": "adam", "lr": 0.001, "weight_decay": 1e-5},
        "lr_steps": [],
        "epochs": 10,
        "batch_size": 16,
        "semantic": 1.0,
        "semantic_loss": "l1",
    },
    "video_student": {},
    "best_by": "test_accuracy",
    "late_fusion": "logits",
    "datasets": {},
}


def sakdn_config(config: dict[str, Any], dataset: str, eff: dict[str, Any] | None = None) -> dict[str, Any]:
    """The merged, validated ``sakdn`` settings of one dataset (defaults < sakdn < sakdn.datasets.<d>).

    ``sensors`` is resolved to a concrete mapping (teacher name -> channels) so stages never guess.
    """
    section = config.get("sakdn", {}) or {}
    merged = deep_merge(DEFAULTS, {k: v for k, v in section.items() if k != "datasets"})
    merged = deep_merge(merged, section.get("datasets", {}).get(dataset, {}))
    merged.pop("datasets", None)
    schema = load_schema()
    sub = dict(schema["$defs"]["sakdn_settings"], **{"$defs": schema["$defs"]})
    errors = list(jsonschema.Draft202012Validator(sub).iter_errors(merged))
    if errors:
        e = errors[0]
        path = ".".join(str(p) for p in e.absolute_path) or "<top>"
        raise ConfigError(f"sakdn (dataset {dataset!r}) fails its schema at {path}: {e.message}")
    kind = (eff or {}).get("dataset", {}).get("kind", "utd_mhad")
    if merged["sensors"] is None and kind == "utd_mhad":
        merged["sensors"] = copy.deepcopy(UTD_SENSORS)
    elif merged["sensors"] is None:  # Berkeley / MMAct: one teacher per configured sensor
        from .data.adapters import get_adapter

        names = (eff or {}).get("dataset", {}).get("sensors") or list(get_adapter(kind).default_sensors)
        merged["sensors"] = {name: None for name in names}
    if len(merged["sensors"]) < 1:
        raise ConfigError(f"sakdn.datasets.{dataset}.sensors: at least one sensor teacher is needed")
    return merged


def video_student_config(
    eff: dict[str, Any], sakdn: dict[str, Any], row_student: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The video student's TRN section: the dataset's ``teacher`` section (the video network of the
    VSKD direction) with ``sakdn.video_student`` and the run row's ``student`` merged over it."""
    return deep_merge(deep_merge(eff["teacher"], sakdn.get("video_student", {})), row_student or {})


def _base(eff: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": eff["name"],
        "device": eff["device"],
        "precision": eff["precision"],
        "dataset": copy.deepcopy(eff["dataset"]),
        "seed": eff["seed"],
    }


def sensor_teacher_config(eff: dict[str, Any], sakdn: dict[str, Any], sensor: str) -> dict[str, Any]:
    """What one sensor teacher's stages depend on (params and hash): GAF settings, its channels,
    the teacher section. The SPAMFM, student and late-fusion settings never rebuild it."""
    channels = sakdn["sensors"][sensor]
    return {
        **_base(eff),
        "gaf": copy.deepcopy(eff["gaf"]),
        "sensor": sensor,
        "channels": list(channels) if channels else [],
        "teacher": copy.deepcopy(sakdn["teacher"]),
    }


def fusion_teacher_config(eff: dict[str, Any], sakdn: dict[str, Any]) -> dict[str, Any]:
    """What the SPAMFM teacher depends on: GAF settings, the sensors, branch and fusion sections."""
    return {
        **_base(eff),
        "gaf": copy.deepcopy(eff["gaf"]),
        "sensors": copy.deepcopy(sakdn["sensors"]),
        "teacher": copy.deepcopy(sakdn["teacher"]),
        "fusion": copy.deepcopy(sakdn["fusion"]),
    }


def sensor_to_vision_run_config(eff: dict[str, Any], spec: Any, sakdn: dict[str, Any]) -> dict[str, Any]:
    """A sensor_to_vision run's config: frames, its video student, its row, its seed, and which
    teachers it may read (a named teacher narrows ``sensors`` to itself). Teacher settings reach the
    run through its input files (their change rebuilds the caches, hence the run)."""
    choice = spec.sensor_teacher
    if spec.sweep and choice == "best" and sakdn["best_by"] == "test_accuracy":
        raise ConfigError(
            f"runs ({spec.sweep}): a sweep selects on validation only, but sensor_teacher: best picks its "
            "teacher by test accuracy (sakdn.best_by: test_accuracy); set sakdn.best_by: train_accuracy "
            "or sweep a fused / named teacher"
        )
    sensors = [choice] if choice not in (None, "best", "fused") else list(sakdn["sensors"])
    return {
        **_base(eff),
        "seed": spec.seed,
        "teacher_seed": eff["seed"],
        "frames": copy.deepcopy(eff["frames"]),
        "student": copy.deepcopy(spec.student),
        "sakdn": {"sensors": sensors if choice else [], "best_by": sakdn["best_by"]},
        "run": {**run_section(spec), "sensor_teacher": choice},
    }


SENSOR_TEACHER_CHOICES = ("best", "fused")


def sensor_to_vision_row(row: dict[str, Any], needs_teacher: bool, where: str) -> dict[str, Any]:
    """The RunSpec fields of a sensor_to_vision row; ConfigError for rows that cannot mean anything."""
    if row.get("teacher", "trained") != "trained":
        raise ConfigError(
            f"{where}: sensor_to_vision runs read the trained sensor teachers; the "
            "shuffled/untrained controls exist for vision_to_sensor only"
        )
    if row.get("table", "sensor_to_vision") != "sensor_to_vision":
        raise ConfigError(f"{where}: sensor_to_vision rows belong to table sensor_to_vision")
    sensor_teacher = row.get("sensor_teacher")
    if needs_teacher and sensor_teacher is None:
        raise ConfigError(
            f"{where}: method {row['method']!r} reads a teacher: give sensor_teacher (best, fused or a sensor name)"
        )
    if not needs_teacher and sensor_teacher is not None:
        raise ConfigError(f"{where}: method {row['method']!r} reads no teacher; drop sensor_teacher")
    return {"direction": "sensor_to_vision", "sensor_teacher": sensor_teacher}


def sensor_to_vision_student(
    config: dict[str, Any], eff: dict[str, Any], row: dict[str, Any], where: str
) -> dict[str, Any]:
    """The run's video student (TRN section), validated like the VSKD teacher section; also checks
    that a named sensor teacher exists for this dataset."""
    sakdn = sakdn_config(config, eff["name"], eff)
    name = row.get("sensor_teacher")
    if name is not None and name not in SENSOR_TEACHER_CHOICES and name not in sakdn["sensors"]:
        raise ConfigError(
            f"{where}: sensor_teacher {name!r} is none of best, fused, "
            f"{', '.join(sakdn['sensors'])} (dataset {eff['name']!r})"
        )
    student = video_student_config(eff, sakdn, row.get("student"))
    schema = load_schema()
    sub = dict(schema["$defs"]["teacher"], **{"$defs": schema["$defs"]})
    errors = list(jsonschema.Draft202012Validator(sub).iter_errors(student))
    if errors:
        raise ConfigError(
            f"{where}: the video student (teacher section merged with sakdn.video_student "
            f"and the row's student) fails the schema: {errors[0].message}"
        )
    return student
