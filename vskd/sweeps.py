"""Parameter sweeps as rows of the run sheet, selected on the validation split.

A row whose ``params`` give a list for a parameter whose default is a single value, e.g.
``{name: kd, method: kd, params: {kd: [0.1, 0.9, 10]}}``, expands (per dataset and seed) into

- ``kd``: the row at the method's *fixed default* (what the other tables show);
- ``kd@kd=0.1``, ``kd@kd=0.9``, ...: one *candidate* per value (the product over several listed
  parameters), trained on the fit part of the validation split and evaluated on its validation
  part (:mod:`vskd.data.validation`); the test clips are not in that file;
- ``kd@selected``: the row at the value with the best mean validation accuracy over the row's
  seeds (``results/{dataset}/sweeps/{row}/selection.csv``), trained on the whole training side and
  evaluated on the test split like every run.

The sweep table puts the selected value's test accuracy beside the fixed default's, each paired
with CE, and says whether the reading of the row (above / below CE beyond seed noise, or within
it) changes.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .atomic import write_text_atomic

SELECTED = "selected"
SEP = "@"


_SAFE_TEXT = re.compile(r"^[A-Za-z0-9_.+-]+$")


def split_params(defaults: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[dict, dict[str, list]]:
    """(fixed parameters, swept parameters -> their values) of a row's ``params``: a list given
    for a parameter whose default is not a list is a sweep. Each value must name a run folder:
    numbers, booleans or plain words (letters, digits, ``_ . + -``)."""
    fixed, swept = {}, {}
    for key, value in params.items():
        if isinstance(value, list) and not isinstance(defaults.get(key), list):
            names = [_name_text(v) for v in value]
            if len(value) < 2 or len(set(names)) != len(names):
                raise ValueError(f"params.{key}: a sweep needs two or more distinct values, got {value}")
            bad = [v for v, n in zip(value, names) if not _SAFE_TEXT.match(n)]
            if bad:
                raise ValueError(f"params.{key}: sweep values must be numbers or plain words, not {bad}")
            swept[key] = list(value)
        else:
            fixed[key] = value
    return fixed, swept


def _name_text(value: Any) -> str:
    """A value as it appears in a run name: exact (``repr`` of a float round-trips: 1 and 1.0 differ)."""
    return repr(value) if isinstance(value, float) else str(value)


def _text(value: Any) -> str:
    """A value as a table shows it."""
    return format(value, "g") if isinstance(value, float) else str(value)


def candidate_name(row: str, values: Mapping[str, Any]) -> str:
    """``<row>@<param>=<value>[,<param>=<value>]``: the run name of one candidate."""
    return row + SEP + ",".join(f"{k}={_name_text(v)}" for k, v in values.items())


def selected_name(row: str) -> str:
    return f"{row}{SEP}{SELECTED}"


def candidates(swept: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the swept values, in the order the row lists them."""
    keys = list(swept)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(swept[k] for k in keys))]


def select(metrics: pd.DataFrame, values: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The selection table of one sweep: one row per candidate (``values``: candidate run name ->
    its parameter values, in the row's order) with its mean validation accuracy over seeds and
    ``selected`` true for the best one (the first listed among equals: means are compared at
    1e-9, so equal counts of correct clips tie whatever the float rounding of their mean).

    ``metrics``: the candidates' metrics rows (their ``accuracy`` is measured on the validation
    part: ``evaluated_on`` must say so, which is checked)."""
    wrong = metrics[metrics.get("evaluated_on", pd.Series("test", index=metrics.index)) != "validation"]
    if len(wrong):
        raise ValueError(f"sweep candidates {sorted(set(wrong.run))} were not evaluated on the validation split")
    rows = []
    for name, params in values.items():
        part = metrics[metrics.run == name]
        if part.empty:
            raise ValueError(f"no metrics of sweep candidate {name!r}")
        acc = part.accuracy.to_numpy(float)
        rows.append(
            {
                "candidate": name,
                **{f"p_{k}": v for k, v in params.items()},
                "n_seeds": len(acc),
                "seeds": " ".join(str(s) for s in sorted(part.seed)),
                "validation_accuracy_mean": float(acc.mean()),
                "validation_accuracy_std": float(acc.std(ddof=1)) if len(acc) > 1 else float("nan"),
            }
        )
    out = pd.DataFrame(rows)
    best = int(out.validation_accuracy_mean.round(9).to_numpy().argmax())
    out["selected"] = [i == best for i in range(len(out))]
    return out


def selected_candidate(selection: str | Path) -> str:
    """The run name of the candidate a selection file (``select``'s output) marks."""
    table = pd.read_csv(selection)
    chosen = table[table.selected.astype(bool)]
    if len(chosen) != 1:
        raise ValueError(f"{selection}: expected exactly one selected candidate, found {len(chosen)}")
    return str(chosen.candidate.iloc[0])


def _native(value: Any) -> Any:
    """A CSV cell as a plain Python value (numpy scalars to int / float / str / bool)."""
    return value.item() if hasattr(value, "item") else value


def apply_selection(cfg: dict[str, Any], selection: str | Path) -> dict[str, Any]:
    """A selected run's config with its swept parameters set to the selected candidate's values,
    taken from the run's own ``choices`` (candidate -> values, as the row wrote them): the file
    only names the candidate, so no value changes type through the CSV."""
    run = cfg["run"]
    name = selected_candidate(selection)
    if name not in run["choices"]:
        raise ValueError(f"{selection}: selected candidate {name!r} is not one of {sorted(run['choices'])}")
    return {**cfg, "run": {**run, "params": {**run["params"], **run["choices"][name]}}}


# ---- the sweep table --------------------------------------------------------------------------
def _reading(low: float, high: float, n: int) -> str:
    if n < 2 or not math.isfinite(low):
        return "n/a"
    return "above" if low > 0 else "below" if high < 0 else "within"


def sweep_table(
    metrics: pd.DataFrame,
    selections: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    baselines: Mapping[str, str],
) -> pd.DataFrame:
    """One row per sweep row: validation accuracy of each candidate, the selected and the default
    values, test accuracy of both (mean ± std over seeds) and each one's paired difference to its
    CE run with the reading (above / below / within seed noise) and whether it changes."""
    from .tables import _by_seed, _mean_std, paired_difference

    out = []
    for row, selection in selections.items():
        params = [c[2:] for c in selection.columns if c.startswith("p_")]
        chosen = selection[selection.selected.astype(bool)].iloc[0]
        sel, default = metrics[metrics.run == selected_name(row)], metrics[metrics.run == row]
        ce = _by_seed(metrics, baselines[row])
        d_default = paired_difference(_by_seed(metrics, row), ce)
        d_selected = paired_difference(_by_seed(metrics, selected_name(row)), ce)
        reading_default = _reading(d_default.low, d_default.high, d_default.n)
        reading_selected = _reading(d_selected.low, d_selected.high, d_selected.n)
        default_values = {p: _native(default.iloc[0][f"p_{p}"]) for p in params}
        chosen_values = {p: _native(chosen[f"p_{p}"]) for p in params}
        out.append(
            {
                "run": row,
                "label": labels.get(row, row),
                "parameters": ", ".join(params),
                "validation_text": "; ".join(
                    f"{','.join(_text(_native(c[f'p_{p}'])) for p in params)}: {100 * c.validation_accuracy_mean:.1f}"
                    + (" *" if c.selected else "")
                    for _, c in selection.iterrows()
                ),
                "default_value": ",".join(_text(default_values[p]) for p in params),
                "selected_value": ",".join(_text(chosen_values[p]) for p in params),
                "selected_is_default": chosen_values == default_values,
                "n_seeds": int(len(sel)),
                "default_accuracy_mean": default.accuracy.mean(),
                "selected_accuracy_mean": sel.accuracy.mean(),
                "default_accuracy_text": _mean_std(default.accuracy),
                "selected_accuracy_text": _mean_std(sel.accuracy),
                "default_diff_vs_ce": d_default.mean,
                "default_diff_vs_ce_low": d_default.low,
                "default_diff_vs_ce_high": d_default.high,
                "selected_diff_vs_ce": d_selected.mean,
                "selected_diff_vs_ce_low": d_selected.low,
                "selected_diff_vs_ce_high": d_selected.high,
                "default_diff_text": d_default.text(),
                "selected_diff_text": d_selected.text(),
                "reading_default": reading_default,
                "reading_selected": reading_selected,
                "reading_changes": reading_default != reading_selected,
                "compared_with": baselines[row],
                "config_hash": ",".join(sorted(set(sel.config_hash.astype(str)))),
                "code_version": ",".join(sorted(set(sel.code_version.astype(str)))),
            }
        )
    return pd.DataFrame(out)


SWEEP_DISPLAY = [
    ("label", "Method"),
    ("parameters", "Parameter"),
    ("validation_text", "Validation acc. (%) per value (* selected)"),
    ("default_value", "Default"),
    ("selected_value", "Selected"),
    ("default_accuracy_text", "Test acc., default (%)"),
    ("selected_accuracy_text", "Test acc., selected (%)"),
    ("default_diff_text", "Δ vs CE, default"),
    ("selected_diff_text", "Δ vs CE, selected"),
    ("reading_text", "Reading changes?"),
]


def write_sweep_table(table: pd.DataFrame, out_csv: str, out_md: str, title: str, notes: Sequence[str]) -> None:
    from tabulate import tabulate

    text_cols = [c for c in table.columns if c.endswith("_text")]
    write_text_atomic(out_csv, table.drop(columns=text_cols).to_csv(index=False))
    shown = table.copy()
    shown["reading_text"] = [
        f"{'yes' if ch else 'no'} ({a} → {b})" if ch else f"no ({a})"
        for a, b, ch in zip(shown.reading_default, shown.reading_selected, shown.reading_changes)
    ]
    shown = shown[[c for c, _ in SWEEP_DISPLAY]].rename(columns=dict(SWEEP_DISPLAY))
    body = tabulate(shown, headers="keys", tablefmt="github", showindex=False)
    write_text_atomic(out_md, f"### {title}\n\n{body}\n\n" + "\n".join(notes) + "\n")


def make_sweep_table(
    dataset: str,
    run_metrics: Sequence[str],
    selections: Mapping[str, str],
    labels: Mapping[str, str],
    baselines: Mapping[str, str],
    out_csv: str,
    out_md: str,
) -> pd.DataFrame:
    """Build and write ``results/tables/{dataset}_sweep.{csv,md}`` (see ``sweep_table``)."""
    from .tables import load_metrics

    metrics = load_metrics(run_metrics)
    table = sweep_table(metrics, {r: pd.read_csv(p) for r, p in selections.items()}, labels, baselines)
    first = metrics.iloc[0]
    source = "SYNTHETIC (embedded generator) data" if first.data_source == "synthetic" else "real data"
    seeds = sorted({str(s) for s in metrics.seed})
    notes = [
        "Each value was trained on the fit part of the validation split (whole groups of the "
        "training side held out; the test clips are not in it) and the value with the best mean "
        "validation accuracy over the seeds was retrained on the whole training side (Selected). "
        "Default: the method's fixed default on the whole training side.",
        f"Test accuracy: mean ± std over seeds ({', '.join(seeds)}); Δ vs CE: mean paired difference "
        "in accuracy points with its 95% t-interval. Reading: above / below CE beyond seed noise "
        "(the interval excludes 0) or within it.",
    ]
    title = f"{dataset}: parameter sweeps selected on validation ({source}, {first.split} split)"
    write_sweep_table(table, out_csv, out_md, title, notes)
    return table
