"""Configuration: schema validation, per-dataset effective config and its hash.

The workflow validates ``config.yaml`` once (in ``rules/common.smk``); the same functions are used
by the scripts so a job run by hand fails with the same clear message.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMA_PATH = Path(__file__).parent / "schemas" / "config.schema.yaml"
SECTIONS = ("frames", "gaf", "teacher", "student", "distill", "knowledge", "semantic", "validation")


class ConfigError(ValueError):
    """The configuration does not satisfy the schema or names something that does not exist."""


def _strict_integer(checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


#: Draft 2020-12 counts 2.0 as an integer; a float where the code expects a count (``epochs:
#: 2.0``) would then reach ``range()`` or a tensor shape, so integers must be written as integers
Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_PATH.read_text())


def _error_path(err: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in err.absolute_path) or "<top level>"


def validate_config(config: dict[str, Any], origin: str = "config") -> dict[str, dict[str, Any]]:
    """Validate a whole config and every dataset's merged config; raise ConfigError naming the key.

    Returns the effective config of every dataset (see ``dataset_config``), so callers that need
    them (the Snakefile's input functions) do not merge and validate again.
    """
    schema = load_schema()
    validator = Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        msgs = "; ".join(f"{_error_path(e)}: {e.message}" for e in errors[:5])
        raise ConfigError(f"{origin} fails the schema {SCHEMA_PATH.name}: {msgs}")
    # `enabled: false` keeps an entry in the file but out of the workflow (e.g. a scenario config
    # that runs one dataset); its source is not checked either
    effective = {
        name: dataset_config(config, name, origin=origin)
        for name, entry in config["datasets"].items()
        if entry.get("enabled", True)
    }
    if not effective:
        raise ConfigError(f"{origin}: every dataset has enabled: false")
    for name, eff in effective.items():
        check_source(name, eff["dataset"], origin=origin)
    return effective


def check_source(name: str, dataset: dict[str, Any], origin: str = "config") -> None:
    """Fail now, naming ``datasets.<name>.source``, if a dataset's source cannot deliver its files.

    Checked while validating (before the DAG is built) so that a missing folder is one clear
    ConfigError instead of a traceback from an input function. Relative paths are relative to
    the working directory, as Snakemake resolves them.
    """
    from .data.adapters import available_kinds  # the data package pulls in OpenCV and scipy
    from .data.sources import source_problem

    if dataset["kind"] not in available_kinds():
        raise ConfigError(
            f"{origin}: datasets.{name}.kind: no dataset adapter {dataset['kind']!r}; known: {available_kinds()}"
        )
    problem = source_problem(dataset["kind"], dataset["source"], dataset["modalities"], dataset.get("download"))
    if problem:
        key, message = problem
        raise ConfigError(f"{origin}: datasets.{name}.{key}: {message}")
    message = protocol_problem(dataset)
    if message:
        raise ConfigError(f"{origin}: datasets.{name}.split: {message}")
    from .data.adapters import get_adapter

    adapter = get_adapter(dataset["kind"])
    for key, known in (("sensors", list(adapter.sensors)), ("cameras", list(adapter.cameras))):
        unknown = [x for x in dataset.get(key) or [] if x not in known]
        if unknown:
            raise ConfigError(f"{origin}: datasets.{name}.{key}: {adapter.title} has no {unknown}; it has {known}")


def protocol_problem(dataset: dict[str, Any]) -> str | None:
    """Why an adapter dataset's ``split`` cannot be built, or None: the adapter must have the
    protocol, and one that splits cameras (MMAct cross_view) needs video and several cameras."""
    from .data.adapters import get_adapter

    adapter = get_adapter(dataset["kind"])
    split = dataset["split"]
    if split not in adapter.protocols:
        return f"{adapter.title} has no protocol {split!r}; it has {list(adapter.protocols)}"
    if adapter.camera_dependent(split):
        cameras = dataset.get("cameras") or [adapter.default_camera]
        if "video" not in dataset["modalities"] or len(cameras) < 2:
            return (
                f"{split} splits the cameras of each clip (one sample per clip and camera): it "
                f"needs modalities [video, inertial] and several cameras in cameras: (e.g. "
                f"{list(adapter.cameras)}); a sensor-only run has no {split} split, its sensor "
                "data would be on both sides"
            )
    return None


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` updated recursively by ``override`` (neither is modified)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def dataset_config(config: dict[str, Any], name: str, origin: str = "config") -> dict[str, Any]:
    """The effective config of one dataset: default sections deep-merged with its overrides.

    Returns ``{"name", "seed", "device", "precision", "dataset": {...}, "frames": {...}, ...}`` and validates
    every merged section, so an override with a typo fails here, naming the dataset and key.
    """
    if name not in config.get("datasets", {}):
        known = ", ".join(sorted(config.get("datasets", {})))
        raise ConfigError(f"{origin}: no dataset '{name}' under 'datasets' (known: {known})")
    entry = config["datasets"][name]
    schema = load_schema()
    eff: dict[str, Any] = {
        "name": name,
        "seed": config["seed"],
        "device": config.get("device", "auto"),
        "precision": config.get("precision", "fp32"),
        "dataset": {k: v for k, v in entry.items() if k not in SECTIONS},
    }
    for section in SECTIONS:
        merged = deep_merge(config[section], entry.get(section, {}))
        sub = dict(schema["$defs"][section])
        sub["$defs"] = schema["$defs"]
        errors = list(Validator(sub).iter_errors(merged))
        if errors:
            e = errors[0]
            raise ConfigError(
                f"{origin}: datasets.{name}.{section} (merged with the default {section}) "
                f"fails the schema at {section}.{_error_path(e)}: {e.message}"
            )
        eff[section] = merged
    return eff


def stage_config(eff: dict[str, Any], *sections: str) -> dict[str, Any]:
    """The part of an effective config that one stage depends on (for hashing and params)."""
    out = {"dataset": eff["dataset"], "seed": eff["seed"], "precision": eff["precision"]}
    for s in sections:
        out[s] = eff[s]
    return out


def config_hash(obj: Any) -> str:
    """A short, stable hash of a JSON-serialisable config (key order does not matter)."""
    blob = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def merge_config_files(files: Sequence[str | Path]) -> dict[str, Any]:
    """Config files merged as Snakemake merges ``--configfile`` files (later files win, nested
    mappings merged key by key); not validated (scenario files are partial)."""
    config: dict[str, Any] = {}
    for f in files:
        config = deep_merge(config, yaml.safe_load(Path(f).read_text()) or {})
    return config


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and validate a YAML config file."""
    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"config file {path} must hold a mapping at the top level")
    validate_config(config, origin=str(path))
    return config
