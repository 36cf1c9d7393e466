"""The run sheet: rows x seeds x datasets, parameter checks against each method, what each
stage depends on (a method's weight never reaches the teacher's stages), and the controls."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml
from repo_paths import REPO

from vskd.config import ConfigError, validate_config
from vskd.runs import STAGE_SECTIONS, expand_runs, run_config
from vskd.training.stages import shuffled_assignment


@pytest.fixture
def config():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"]["sensor_only"] = dict(config["datasets"]["utd"], modalities=["inertial"])
    return config


def expand(config):
    return expand_runs(config, validate_config(config))


def test_rows_expand_over_seeds_and_datasets(config):
    runs = expand(config)
    seeds = config["seeds"]
    assert {s for (d, n, s) in runs if d == "utd" and n == "dask"} == set(seeds)
    # methods reading a teacher only run where there is video; CE runs everywhere
    assert ("sensor_only", "ce", seeds[0]) in runs
    assert not any(d == "sensor_only" and n == "dask" for d, n, _ in runs)
    spec = runs[("utd", "dask_no_kd", seeds[0])]
    assert spec.params["kd"] == 0 and spec.params["distance"] == 1.0 and spec.table == "ablation"
    assert spec.folder == f"results/utd/runs/dask_no_kd/seed{seeds[0]}"
    assert runs[("utd", "ce", seeds[0])].teacher is None
    assert runs[("utd", "dask_untrained", seeds[0])].knowledge_source == "teacher_untrained"
    assert runs[("utd", "dask_shuffled", seeds[0])].knowledge_source == "teacher"


def test_a_row_may_list_its_own_seeds_and_datasets(config):
    config["runs"].append(
        {"name": "kd_t8", "method": "kd", "params": {"temperature": 8}, "seeds": [7], "datasets": ["utd"]}
    )
    runs = expand(config)
    assert [k for k in runs if k[1] == "kd_t8"] == [("utd", "kd_t8", 7)]


@pytest.mark.parametrize(
    "row, message",
    [
        (
            {"name": "x", "method": "dask", "params": {"kd_weight": 1}},
            r"runs\[\d+\] \(x\).*no parameter \['kd_weight'\]",
        ),
        ({"name": "x", "method": "nope"}, r"runs\[\d+\] \(x\).*unknown distillation method 'nope'"),
        ({"name": "x", "method": "ce", "teacher": "shuffled"}, "reads no teacher"),
        ({"name": "x", "method": "kd", "datasets": ["sensor_only"]}, "needs a video teacher"),
        ({"name": "x", "method": "kd", "datasets": ["mars"]}, "unknown datasets"),
        ({"name": "ce", "method": "ce"}, "names must be unique"),
        ({"name": "x", "method": "ce", "student": {"epochs": 0}}, "student.*fails the schema"),
        ({"name": "x", "method": "ce", "student": {"backbone": "vgg"}}, r"\(x\): student: unknown backbone 'vgg'"),
        (
            {"name": "x", "method": "ce", "student": {"backbone_options": {"widths": [8, 8, 8, 8]}}},
            r"\(x\): student.backbone_options: backbone 'resnet18' does not take option\(s\) \['widths'\]",
        ),
    ],
)
def test_bad_rows_fail_before_any_job_naming_the_row(config, row, message):
    config["runs"].append(row)
    with pytest.raises(ConfigError, match=message):
        expand(config)


def test_a_row_listing_a_disabled_dataset_skips_it(config):
    config["runs"].append({"name": "x", "method": "ce", "datasets": ["utd", "sensor_only"]})
    config["datasets"]["sensor_only"]["enabled"] = False
    assert {d for d, n, _ in expand(config) if n == "x"} == {"utd"}


def test_design_card_must_name_a_run(config):
    config["design_card"]["student"] = "dask_v2"
    with pytest.raises(ConfigError, match="design_card.student names run 'dask_v2'"):
        expand(config)


def test_a_method_parameter_changes_its_runs_only(config):
    """Changing a DASK weight changes the config of the DASK runs (they rerun) but not the
    sections the teacher and its knowledge cache depend on (they do not)."""
    eff = validate_config(config)["utd"]
    before = expand(config)
    changed = copy.deepcopy(config)
    next(r for r in changed["runs"] if r["name"] == "dask")["params"] = {"angle": 2.0}
    after = expand(changed)
    key = ("utd", "dask", config["seeds"][0])
    assert run_config(eff, before[key]) != run_config(eff, after[key])
    other = ("utd", "kd", config["seeds"][0])
    assert run_config(eff, before[other]) == run_config(eff, after[other])
    assert not {"distill", "student", "gaf"} & set(STAGE_SECTIONS["knowledge"])
    assert "teacher" not in run_config(eff, before[key])  # the run reads the cache, not the section


def test_the_runs_precision_is_the_student_sections_and_never_reaches_the_teacher(config):
    """config.yaml runs its students in bf16 and everything else in fp32; a row's own student
    section may set another precision; without one the top-level precision applies."""
    eff = validate_config(config)["utd"]
    runs = expand(config)
    key = ("utd", "kd", config["seeds"][0])
    assert config["precision"] == "fp32" and run_config(eff, runs[key])["precision"] == "bf16"
    assert "precision" not in config["teacher"]
    del config["student"]["precision"]
    row = next(r for r in config["runs"] if r["name"] == "dask")
    row["student"] = {"precision": "fp16"}
    eff = validate_config(config)["utd"]
    runs = expand(config)
    assert run_config(eff, runs[key])["precision"] == "fp32"
    assert run_config(eff, runs[("utd", "dask", config["seeds"][0])])["precision"] == "fp16"


def test_shuffled_teacher_is_a_seeded_derangement():
    ids = [f"c{i}" for i in range(50)]
    a, b = shuffled_assignment(ids, 0), shuffled_assignment(ids, 0)
    assert a == b and sorted(a) == sorted(ids)
    assert all(x != y for x, y in zip(ids, a))
    assert shuffled_assignment(ids, 1) != a
    for n in (2, 3):
        small = [f"c{i}" for i in range(n)]
        assert all(x != y for x, y in zip(small, shuffled_assignment(small, 0)))
    assert np.mean([x[1:] == y[1:] for x, y in zip(ids, a)]) == 0


def test_a_student_row_is_paired_with_the_ce_run_of_the_same_student(config):
    """DASK on the wearable student is compared with CE on that student; that CE run with the
    design card's CE (what the smaller student costs); rows on the design student with CE."""
    from vskd.runs import paired_baselines

    runs = expand(config)
    utd = [r for (d, _, _), r in sorted(runs.items()) if d == "utd"]
    against = paired_baselines(utd, "ce")
    assert against["dask_wearable"] == "ce_wearable"
    assert against["ce_wearable"] == "ce"
    assert against["dask"] == "ce" and against["dask_shuffled"] == "ce" and against["ce"] == "ce"
    # without a same-student CE row, the design card's CE is the reference
    config["runs"] = [r for r in config["runs"] if r["name"] != "ce_wearable"]
    utd = [r for (d, _, _), r in sorted(expand(config).items()) if d == "utd"]
    assert paired_baselines(utd, "ce")["dask_wearable"] == "ce"
