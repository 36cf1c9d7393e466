"""Comparison tables: paired differences over seeds, each row against its own baseline run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vskd.tables import build_table, to_markdown


def _metrics(accuracies: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for run, accs in accuracies.items():
        for seed, acc in enumerate(accs):
            rows.append(
                {
                    "run": run,
                    "seed": seed,
                    "accuracy": acc,
                    "macro_f1": acc - 0.01,
                    "label": run.upper(),
                    "table": "students",
                    "method": run.split("_")[0],
                    "teacher": "none" if run.startswith("ce") else "trained",
                    "data_source": "synthetic",
                    "split": "trial",
                    "config_hash": f"h{run}",
                    "code_version": "abc",
                }
            )
    return pd.DataFrame(rows)


def test_each_row_is_paired_with_its_own_baseline():
    metrics = _metrics({"ce": [0.90, 0.92, 0.94], "ce_small": [0.80, 0.81, 0.85], "dask_small": [0.83, 0.85, 0.86]})
    table = build_table(
        metrics, None, ["ce", "ce_small", "dask_small"], "ce", baselines={"ce_small": "ce", "dask_small": "ce_small"}
    ).set_index("run")
    # paired differences in points: ce_small - ce = -10, -11, -9; dask_small - ce_small = 3, 4, 1
    assert table.loc["ce_small", "diff_vs_ce"] == pytest.approx(-10.0)
    assert table.loc["dask_small", "diff_vs_ce"] == pytest.approx(np.mean([3, 4, 1]))
    assert table.loc["dask_small", "compared_with"] == "ce_small"
    assert table.loc["ce", "diff_text"] == "—"
    md = to_markdown(table.reset_index(), "t", [])
    assert "Δ against" in md and "CE_SMALL" in md  # the label of the run it is paired with


def test_without_baselines_every_row_is_paired_with_ce_and_no_extra_column():
    metrics = _metrics({"ce": [0.90, 0.92], "dask_x": [0.91, 0.95]})
    table = build_table(metrics, None, ["ce", "dask_x"], "ce")
    assert list(table.compared_with) == ["ce", "ce"]
    assert table.diff_vs_ce.iloc[1] == pytest.approx(2.0)
    assert "Δ against" not in to_markdown(table, "t", [])


def test_a_missing_baseline_run_is_a_clear_error():
    metrics = _metrics({"ce": [0.9], "dask_small": [0.8]})
    with pytest.raises(ValueError, match="'dask_small' is compared with 'ce_small'"):
        build_table(metrics, None, ["ce", "dask_small"], "ce", baselines={"dask_small": "ce_small"})
