"""Parameter sweeps as rows: expansion into candidates / default / selected runs, the validation
split (a partition of the training side only), selection on validation, the sweep table."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import yaml
from repo_paths import REPO

from vskd.config import ConfigError, validate_config
from vskd.data.adapters import get_adapter
from vskd.data.validation import make_validation_split
from vskd.runs import expand_runs, run_config
from vskd.sweeps import apply_selection, candidate_name, select, split_params, sweep_table

SUBJECT = {"by": "subject", "fraction": 0.25, "groups": None}


@pytest.fixture
def config():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["runs"] = [
        {"name": "ce", "method": "ce"},
        {"name": "kd", "method": "kd", "label": "KD", "params": {"kd": [0.09, 0.9, 9], "temperature": 2.0}},
        {"name": "dask", "method": "dask"},
    ]
    for name in ("berkeley", "mmact"):
        config["datasets"][name]["enabled"] = False
    return config


def expand(config):
    return expand_runs(config, validate_config(config))


def test_a_list_for_a_scalar_parameter_is_a_sweep():
    fixed, swept = split_params({"kd": 0.9, "stages": [1, 2]}, {"kd": [0.1, 1], "stages": [3, 4], "t": 2})
    assert swept == {"kd": [0.1, 1]} and fixed == {"stages": [3, 4], "t": 2}
    with pytest.raises(ValueError, match="two or more distinct"):
        split_params({"kd": 0.9}, {"kd": [0.1]})
    with pytest.raises(ValueError, match="two or more distinct"):
        split_params({"kd": 0.9}, {"kd": [0.1, 0.1]})
    assert candidate_name("dask", {"semantic": 0.1, "teacher_fc0": "relu"}) == "dask@semantic=0.1,teacher_fc0=relu"
    # every value names its own run: 1 and 1.0, or two floats alike to 6 digits, stay apart
    assert split_params({"kd": 0.9}, {"kd": [1, 1.0]})[1] == {"kd": [1, 1.0]}
    names = {candidate_name("kd", {"kd": v}) for v in (1234567.0, 1234568.0)}
    assert names == {"kd@kd=1234567.0", "kd@kd=1234568.0"}
    with pytest.raises(ValueError, match="numbers or plain words"):
        split_params({"f": "raw"}, {"f": ["raw", "a/b"]})


def test_a_sweep_row_expands_into_default_candidates_and_selected(config):
    runs = expand(config)
    names = sorted({n for d, n, _ in runs if n.startswith("kd")})
    assert names == ["kd", "kd@kd=0.09", "kd@kd=0.9", "kd@kd=9", "kd@selected"]
    for seed in config["seeds"]:
        default = runs[("utd", "kd", seed)]
        assert default.params["kd"] == 0.9 and default.params["temperature"] == 2.0  # the fixed default
        assert default.sweep_role is None and default.evaluated_on == "test"
        cand = runs[("utd", "kd@kd=9", seed)]
        assert cand.params["kd"] == 9 and cand.params["temperature"] == 2.0
        assert cand.evaluated_on == "validation" and cand.sweep == "kd"
        assert cand.student["eval_every_epoch"] is False  # only the final epoch is scored
        sel = runs[("utd", "kd@selected", seed)]
        assert sel.choices == {"kd@kd=0.09": {"kd": 0.09}, "kd@kd=0.9": {"kd": 0.9}, "kd@kd=9": {"kd": 9}}
        assert sel.evaluated_on == "test"
    cfg = run_config(validate_config(config)["utd"], runs[("utd", "kd@kd=9", 0)])
    assert cfg["run"]["evaluated_on"] == "validation" and cfg["run"]["params"]["kd"] == 9
    # a plain row carries no sweep keys: its config (hash) is what it was before sweeps existed
    assert "evaluated_on" not in run_config(validate_config(config)["utd"], runs[("utd", "ce", 0)])["run"]


def test_an_unknown_swept_parameter_fails_naming_the_row(config):
    config["runs"][1]["params"] = {"kd_weight": [1, 2]}
    with pytest.raises(ConfigError, match=r"runs\[1\] \(kd\).*no parameter \['kd_weight'\]"):
        expand(config)


def test_the_product_of_two_swept_parameters(config):
    config["runs"][1]["params"] = {"kd": [0.5, 0.9], "temperature": [2, 4]}
    runs = expand(config)
    got = sorted(n for d, n, s in runs if s == 0 and n.startswith("kd@") and n != "kd@selected")
    assert got == sorted(f"kd@kd={a},temperature={t}" for a, t in itertools.product([0.5, 0.9], [2, 4]))
    assert list(runs[("utd", "kd@selected", 0)].choices) == [  # the row's order, not sorted by name
        f"kd@kd={a},temperature={t}" for a, t in itertools.product([0.5, 0.9], [2, 4])
    ]


def _metrics(rows):
    return pd.DataFrame(rows, columns=["run", "seed", "accuracy", "evaluated_on"])


def test_selection_takes_the_best_mean_validation_accuracy():
    values = {"kd@kd=0.1": {"kd": 0.1}, "kd@kd=1": {"kd": 1}, "kd@kd=10": {"kd": 10}}
    metrics = _metrics(
        [
            ("kd@kd=0.1", 0, 0.50, "validation"),
            ("kd@kd=0.1", 1, 0.90, "validation"),
            ("kd@kd=1", 0, 0.80, "validation"),
            ("kd@kd=1", 1, 0.70, "validation"),
            ("kd@kd=10", 0, 0.70, "validation"),
            ("kd@kd=10", 1, 0.70, "validation"),
        ]
    )
    table = select(metrics, values)
    assert table.selected.tolist() == [False, True, False]  # 0.75 beats 0.70 and 0.70
    assert table.validation_accuracy_mean.tolist() == pytest.approx([0.70, 0.75, 0.70])
    # equal means: the first listed value wins, whatever the float rounding of each mean
    tie = select(metrics[metrics.run != "kd@kd=1"], {k: v for k, v in values.items() if k != "kd@kd=1"})
    assert tie.selected.tolist() == [True, False]
    counts = _metrics([("a", s, c / 108, "validation") for s, c in enumerate((100, 101, 99))])
    counts = pd.concat([counts, _metrics([("b", s, c / 108, "validation") for s, c in enumerate((99, 100, 101))])])
    assert select(counts, {"b": {}, "a": {}}).selected.tolist() == [True, False]


def test_selection_refuses_test_metrics():
    metrics = _metrics([("kd@kd=0.1", 0, 0.5, "validation"), ("kd@kd=1", 0, 0.9, "test")])
    with pytest.raises(ValueError, match=r"\['kd@kd=1'\] were not evaluated on the validation split"):
        select(metrics, {"kd@kd=0.1": {"kd": 0.1}, "kd@kd=1": {"kd": 1}})


def test_a_selected_run_takes_the_selected_value(tmp_path):
    path = tmp_path / "selection.csv"
    choices = {"d@s=0.1": {"s": 0.1}, "d@s=9": {"s": 9}}
    select(_metrics([("d@s=0.1", 0, 0.5, "validation"), ("d@s=9", 0, 0.9, "validation")]), choices).to_csv(
        path, index=False
    )
    cfg = {"run": {"name": "d@selected", "params": {"s": 1.0, "kd": 0.01}, "choices": choices}}
    got = apply_selection(cfg, path)
    assert got["run"]["params"] == {"s": 9, "kd": 0.01} and cfg["run"]["params"]["s"] == 1.0
    assert type(got["run"]["params"]["s"]) is int  # as the row wrote it (the CSV column is float)
    table = pd.read_csv(path)
    table["selected"] = True
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match="exactly one selected candidate, found 2"):
        apply_selection(cfg, path)


# ---- the validation split ------------------------------------------------------------------------
def _split(kind: str, protocol: str, clips: list[str]) -> pd.DataFrame:
    adapter = get_adapter(kind)
    return pd.DataFrame(
        {
            "clip_id": clips,
            "label": [adapter.label_of(c) for c in clips],
            "subset": [adapter.subset_of(c, protocol) for c in clips],
        }
    )


UTD = [f"a{a}_s{s}_t{t}" for a in range(1, 28) for s in range(1, 9) for t in range(1, 5)]


def test_utd_trial_protocol_holds_out_the_last_subjects_of_the_training_side():
    split = _split("utd_mhad", "trial", UTD)
    val = make_validation_split(split, "utd_mhad", SUBJECT)
    train_side = split[split.subset == "train"]
    assert sorted(val.clip_id) == sorted(train_side.clip_id)  # exactly the training side
    held = val[val.subset == "test"].clip_id
    assert {c.split("_")[1] for c in held} == {"s7", "s8"}
    assert len(held) == 27 * 2 * 2 and not set(val.clip_id) & set(split[split.subset == "test"].clip_id)
    by_trial = make_validation_split(split, "utd_mhad", {"by": "trial", "fraction": 0.5})
    assert {c.split("_")[2] for c in by_trial[by_trial.subset == "test"].clip_id} == {"t2"}
    chosen = make_validation_split(split, "utd_mhad", {"by": "subject", "fraction": 0.25, "groups": [1]})
    assert {c.split("_")[1] for c in chosen[chosen.subset == "test"].clip_id} == {"s1"}


def test_the_validation_split_never_depends_on_the_test_rows():
    split = _split("utd_mhad", "trial", UTD)
    val = make_validation_split(split, "utd_mhad", SUBJECT)
    rng = np.random.default_rng(0)
    garbled = split.copy()
    test = garbled.subset == "test"
    garbled.loc[test, "label"] = rng.permutation(garbled.loc[test, "label"].to_numpy())
    garbled.loc[test, "clip_id"] = [f"a1_s{1 + k % 8}_t3" for k in range(int(test.sum()))]
    pd.testing.assert_frame_equal(make_validation_split(garbled, "utd_mhad", SUBJECT), val)
    pd.testing.assert_frame_equal(make_validation_split(split[~test], "utd_mhad", SUBJECT), val)


def test_every_adapter_has_a_validation_split_by_subject():
    berkeley = [f"s{s:02d}_a{a:02d}_r01" for a in range(1, 12) for s in range(1, 13)]
    val = make_validation_split(_split("berkeley_mhad", "cross_subject", berkeley), "berkeley_mhad", SUBJECT)
    assert {c[:3] for c in val[val.subset == "test"].clip_id} == {"s06", "s07"}  # 2 of S01-S07
    mmact = [f"subject{s:02d}_scene1_session1_carrying" for s in range(1, 21)]
    mmact += [f"subject{s:02d}_scene1_session1_talking" for s in range(1, 21)]
    val = make_validation_split(_split("mmact", "cross_subject", mmact), "mmact", SUBJECT)
    assert {c[:9] for c in val[val.subset == "test"].clip_id} == {f"subject{s}" for s in (13, 14, 15, 16)}


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"by": "colour", "fraction": 0.25}, r"no attribute 'colour'; known: \['subject', 'trial'\]"),
        ({"by": "action", "fraction": 0.25}, "no attribute 'action'"),
        ({"by": "subject", "fraction": 0.25, "groups": [9]}, r"groups \[9\] are not on the training side"),
        ({"by": "subject", "fraction": 0.99}, "would take every group"),
    ],
)
def test_a_validation_split_that_cannot_be_made_is_an_error(settings, message):
    with pytest.raises(ValueError, match=message):
        make_validation_split(_split("utd_mhad", "trial", UTD), "utd_mhad", settings)


def test_a_class_missing_from_a_part_is_an_error():
    clips = [c for c in UTD if not (c.startswith("a5_") and c.split("_")[1] in ("s7", "s8"))]
    with pytest.raises(ValueError, match=r"the validation part has no clip of class\(es\) \[4\]"):
        make_validation_split(_split("utd_mhad", "trial", clips), "utd_mhad", SUBJECT)


# ---- the sweep table ----------------------------------------------------------------------------
def test_the_sweep_table_shows_the_selected_value_beside_the_default():
    rows = []
    for seed in range(3):
        rows += [
            {"run": "ce", "seed": seed, "accuracy": 0.80 + 0.01 * seed},
            {"run": "kd", "seed": seed, "accuracy": 0.80 + 0.01 * seed + 0.001 * (seed - 1)},  # within noise
            {"run": "kd@selected", "seed": seed, "accuracy": 0.85 + 0.01 * seed},  # +5 every seed
        ]
    metrics = pd.DataFrame(rows).assign(p_kd=0.9, config_hash="h", code_version="v")
    selection = pd.DataFrame(
        {
            "candidate": ["kd@kd=0.09", "kd@kd=0.9"],
            "p_kd": [0.09, 0.9],
            "validation_accuracy_mean": [0.9, 0.8],
            "selected": [True, False],
        }
    )
    table = sweep_table(metrics, {"kd": selection}, {"kd": "KD"}, {"kd": "ce"})
    row = table.iloc[0]
    assert row.default_value == "0.9" and row.selected_value == "0.09"
    assert row.selected_diff_vs_ce == pytest.approx(5.0) and row.default_diff_vs_ce == pytest.approx(0.0)
    assert row.reading_default == "within" and row.reading_selected == "above" and row.reading_changes
    assert not row.selected_is_default
    assert row.validation_text == "0.09: 90.0 *; 0.9: 80.0"


def test_a_sensor_to_vision_sweep_never_picks_its_teacher_on_test(config):
    from vskd.sakdn_config import sakdn_config, sensor_to_vision_run_config

    config["runs"].append(
        {
            "name": "s2v_kd",
            "datasets": ["utd"],
            "method": "kd",
            "direction": "sensor_to_vision",
            "sensor_teacher": "best",
            "params": {"kd": [0.5, 1.0]},
        }
    )
    effective = validate_config(config)
    spec = expand_runs(config, effective)[("utd", "s2v_kd@kd=0.5", 0)]
    sakdn = sakdn_config(config, "utd", effective["utd"])
    with pytest.raises(ConfigError, match=r"s2v_kd.*best_by: train_accuracy"):
        sensor_to_vision_run_config(effective["utd"], spec, {**sakdn, "best_by": "test_accuracy"})
    cfg = sensor_to_vision_run_config(effective["utd"], spec, {**sakdn, "best_by": "train_accuracy"})
    assert cfg["run"]["evaluated_on"] == "validation" and cfg["run"]["sensor_teacher"] == "best"
