"""Run-sheet rows of the sensor_to_vision direction (SAKDN): checks and the video student config.

Called from ``vskd.runs.expand_runs`` for rows with ``direction: sensor_to_vision``: the student is
the video TRN, the teachers are per-sensor GAF networks. Kept here so the VSKD run sheet code only
gains a branch.
"""
from __future__ import annotations

from typing import Any

import jsonschema

from ..config import ConfigError, load_schema
from .config import sakdn_config, video_student_config

SENSOR_TEACHER_CHOICES = ("best", "fused")


def reverse_row(row: dict[str, Any], needs_teacher: bool, where: str) -> dict[str, Any]:
    """The RunSpec fields of a sensor_to_vision row; ConfigError for rows that cannot mean anything."""
    if row.get("teacher", "trained") != "trained":
        raise ConfigError(f"{where}: sensor_to_vision runs read the trained sensor teachers; the "
                          "shuffled/untrained controls exist for vision_to_sensor only")
    if row.get("table", "sensor_to_vision") != "sensor_to_vision":
        raise ConfigError(f"{where}: sensor_to_vision rows belong to table sensor_to_vision")
    sensor_teacher = row.get("sensor_teacher")
    if needs_teacher and sensor_teacher is None:
        raise ConfigError(f"{where}: method {row['method']!r} reads a teacher: give sensor_teacher "
                          "(best, fused or a sensor name)")
    if not needs_teacher and sensor_teacher is not None:
        raise ConfigError(f"{where}: method {row['method']!r} reads no teacher; drop sensor_teacher")
    return {"direction": "sensor_to_vision", "sensor_teacher": sensor_teacher}


def reverse_student(config: dict[str, Any], eff: dict[str, Any], row: dict[str, Any],
                    where: str) -> dict[str, Any]:
    """The run's video student (TRN section), validated like the VSKD teacher section; also checks
    that a named sensor teacher exists for this dataset."""
    sakdn = sakdn_config(config, eff["name"], eff)
    name = row.get("sensor_teacher")
    if name is not None and name not in SENSOR_TEACHER_CHOICES and name not in sakdn["sensors"]:
        raise ConfigError(f"{where}: sensor_teacher {name!r} is none of best, fused, "
                          f"{', '.join(sakdn['sensors'])} (dataset {eff['name']!r})")
    student = video_student_config(eff, sakdn, row.get("student"))
    schema = load_schema()
    sub = dict(schema["$defs"]["teacher"], **{"$defs": schema["$defs"]})
    errors = list(jsonschema.Draft202012Validator(sub).iter_errors(student))
    if errors:
        raise ConfigError(f"{where}: the video student (teacher section merged with sakdn.video_student "
                          f"and the row's student) fails the schema: {errors[0].message}")
    return student
