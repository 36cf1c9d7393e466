"""Run-sheet rows of the sensor_to_vision direction: defaults, folders, the video student's config,
the checks that fail at config time, and the sakdn section's defaults and per-dataset overrides."""

from __future__ import annotations

import copy

import pytest
import yaml
from repo_paths import REPO

from vskd.config import ConfigError, validate_config
from vskd.runs import expand_runs
from vskd.sakdn_config import UTD_SENSORS, sakdn_config, sensor_to_vision_run_config
from vskd.training.sensor_to_vision import choose_teachers


@pytest.fixture
def config():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"] = {
        "utd": config["datasets"]["utd"],
        "sensor_only": dict(config["datasets"]["utd"], modalities=["inertial"]),
    }
    return config


def expand(config):
    return expand_runs(config, validate_config(config))


def test_reverse_rows_expand_with_their_own_folder_and_video_student(config):
    runs = expand(config)
    seed = config["seeds"][0]
    spec = runs[("utd", "s2v_sakdn", seed)]
    assert spec.direction == "sensor_to_vision" and spec.sensor_teacher == "fused"
    assert spec.folder == f"results/utd/runs/s2v_sakdn/seed{seed}" and spec.table == "sensor_to_vision"
    assert spec.knowledge_source is None
    assert "num_segments" in spec.student and spec.student["backbone"] == "smallcnn"  # a TRN section
    assert runs[("utd", "ce", seed)].direction == "vision_to_sensor"  # default kept
    assert not any(d == "sensor_only" and n.startswith("s2v") for d, n, _ in runs)  # no video
    cfg = sensor_to_vision_run_config(validate_config(config)["utd"], spec, sakdn_config(config, "utd"))
    assert cfg["run"]["sensor_teacher"] == "fused" and cfg["sakdn"]["sensors"] == ["acc", "gyro"]


@pytest.mark.parametrize(
    "row, message",
    [
        ({"name": "x", "method": "kd", "direction": "sensor_to_vision"}, "give sensor_teacher"),
        (
            {"name": "x", "method": "ce", "direction": "sensor_to_vision", "sensor_teacher": "acc"},
            "drop sensor_teacher",
        ),
        ({"name": "x", "method": "kd", "direction": "sensor_to_vision", "sensor_teacher": "wrist"}, "none of best"),
        (
            {
                "name": "x",
                "method": "kd",
                "direction": "sensor_to_vision",
                "sensor_teacher": "acc",
                "teacher": "shuffled",
            },
            "controls exist",
        ),
        ({"name": "x", "method": "kd", "sensor_teacher": "acc"}, "needs direction"),
        ({"name": "x", "method": "ce", "direction": "sensor_to_vision", "table": "methods"}, "table sensor_to_vision"),
    ],
)
def test_bad_reverse_rows_fail_at_config_time(config, row, message):
    config["runs"].append(row)
    with pytest.raises(ConfigError, match=message):
        expand(config)


def test_sakdn_section_defaults_overrides_and_schema(config):
    c = sakdn_config(config, "utd")
    assert c["sensors"] == UTD_SENSORS and c["late_fusion"] == "logits"
    config = copy.deepcopy(config)
    config["sakdn"]["datasets"] = {"utd": {"teacher": {"epochs": 3}, "sensors": {"acc": ["acc_x"]}}}
    c = sakdn_config(config, "utd")
    assert c["teacher"]["epochs"] == 3 and c["teacher"]["backbone"] == "smallcnn" and c["sensors"] == {"acc": ["acc_x"]}
    config["sakdn"]["fusion"] = {"init": "pretrained"}
    with pytest.raises(ConfigError, match="fusion.init"):
        sakdn_config(config, "utd")


def test_sakdn_section_is_part_of_the_one_config_schema(config):
    """A typo in the sakdn section fails with the whole config, before any DAG is built."""
    config = copy.deepcopy(config)
    config["sakdn"]["teacher"]["epoch"] = 3
    with pytest.raises(ConfigError, match="sakdn.teacher"):
        validate_config(config)


def test_best_teacher_is_chosen_from_metrics(tmp_path):
    paths = []
    for name, acc in (("acc", 0.6), ("gyro", 0.8)):
        p = tmp_path / f"{name}.csv"
        p.write_text(f"accuracy,train_accuracy\n{acc},{1 - acc}\n")
        paths.append(str(p))
    assert choose_teachers("best", ["acc", "gyro"], paths, "test_accuracy") == [1]
    assert choose_teachers("best", ["acc", "gyro"], paths, "train_accuracy") == [0]
    assert choose_teachers("fused", ["acc", "gyro"], [], "test_accuracy") == [0, 1]
    assert choose_teachers("gyro", ["acc", "gyro"], [], "test_accuracy") == [1]
    assert choose_teachers(None, ["acc", "gyro"], [], "test_accuracy") == []
