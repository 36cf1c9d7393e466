"""Config schema: clear errors naming the key; per-dataset overrides merged and validated."""

from __future__ import annotations

import copy

import pytest
import yaml
from repo_paths import REPO

from vskd.config import ConfigError, config_hash, dataset_config, deep_merge, load_config, validate_config
from vskd.runs import expand_runs


@pytest.fixture
def config():
    return yaml.safe_load((REPO / "config.yaml").read_text())


def test_shipped_configs_are_valid():
    """config.yaml alone, and every scenario as Snakemake applies it (--configfile on top)."""
    base = load_config(REPO / "config.yaml")
    expand_runs(base, validate_config(base))
    for scenario in ("config/paper/utd.yaml", "config/smoke.yaml"):
        merged = deep_merge(base, yaml.safe_load((REPO / scenario).read_text()))
        runs = expand_runs(merged, validate_config(merged, origin=scenario), origin=scenario)
        # the wearable student never inherits the paper student's ResNet-18 ImageNet weights
        wearable = [r for (d, n, _), r in runs.items() if n.endswith("_wearable")]
        assert wearable and all(
            r.student["backbone"] == "smallcnn" and r.student["pretrained"] is None for r in wearable
        ), scenario


def test_wrong_type_names_the_key(config):
    config["gaf"]["image_size"] = "big"
    with pytest.raises(ConfigError, match=r"gaf\.image_size: 'big' is not of type 'integer'"):
        validate_config(config)


def test_unknown_key_is_rejected(config):
    config["teacher"]["learning_rate"] = 0.1
    with pytest.raises(ConfigError, match="learning_rate"):
        validate_config(config)


def test_override_merges_and_is_validated(config):
    config["datasets"]["utd"]["student"] = {"epochs": 3}
    eff = dataset_config(config, "utd")
    assert eff["student"]["epochs"] == 3 and eff["student"]["batch_size"] == config["student"]["batch_size"]
    bad = copy.deepcopy(config)
    bad["datasets"]["utd"]["student"] = {"epochs": 0}
    with pytest.raises(ConfigError, match=r"datasets\.utd\.student.*epochs"):
        validate_config(bad)


def test_unknown_dataset(config):
    with pytest.raises(ConfigError, match="no dataset 'kinetics'"):
        dataset_config(config, "kinetics")


def test_config_hash_ignores_key_order():
    assert config_hash({"a": 1, "b": [1, 2]}) == config_hash({"b": [1, 2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_bad_yaml_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("seed: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_unknown_dataset_kind_names_the_key_and_the_known_adapters():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"]["utd"]["kind"] = "ntu_rgbd"
    expected = r"datasets\.utd\.kind: no dataset adapter 'ntu_rgbd'; known: \['berkeley_mhad'"
    with pytest.raises(ConfigError, match=expected):
        validate_config(config)


def test_unknown_sensor_or_camera_fails_with_the_config():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"]["berkeley"]["sensors"] = ["shimmer09"]
    with pytest.raises(ConfigError, match=r"datasets\.berkeley\.sensors: Berkeley-MHAD has no \['shimmer09'\]"):
        validate_config(config)
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"]["mmact"]["cameras"] = ["cam9"]
    with pytest.raises(ConfigError, match=r"datasets\.mmact\.cameras: MMAct has no \['cam9'\]"):
        validate_config(config)
