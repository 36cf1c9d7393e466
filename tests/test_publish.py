"""The results page: readings derived from a table's CSV, wall time from a Snakemake log, the
README headline replaced between its markers (the page of a real run: test_smoke_scenario.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from vskd.publish import HEADLINE_END, HEADLINE_START, reading, replace_headline, sweep_reading, wall_time


def test_reading_sorts_rows_by_their_paired_interval():
    table = pd.DataFrame(
        {
            "run": ["ce", "kd", "at", "cc"],
            "label": ["CE", "KD", "AT", "CC"],
            "compared_with": ["ce", "ce", "ce", "ce"],
            "n_pairs": [3, 3, 3, 3],
            "diff_vs_ce": [0.0, 2.0, -5.0, 0.4],
            "diff_vs_ce_low": [0.0, 0.5, -9.0, -1.0],
            "diff_vs_ce_high": [0.0, 3.5, -1.0, 1.8],
        }
    )
    text = " ".join(reading(table))
    assert "beyond seed noise: KD (+2.0 [+0.5, +3.5])" in text
    assert "Below it beyond seed noise: AT (-5.0 [-9.0, -1.0])" in text
    assert "Not distinguishable from it with these seeds: CC (+0.4" in text and "CE (" not in text
    single = table.assign(n_pairs=1)
    assert "no difference can be told from seed noise" in reading(single)[0]


def test_sweep_reading_names_the_moved_values_and_the_changed_readings():
    table = pd.DataFrame(
        {
            "label": ["KD", "AT"],
            "default_value": ["0.9", "1000"],
            "selected_value": ["0.09", "1000"],
            "selected_is_default": [False, True],
            "reading_default": ["within", "below"],
            "reading_selected": ["above", "below"],
            "reading_changes": [True, False],
            "selected_diff_vs_ce": [2.0, -4.0],
            "selected_diff_vs_ce_low": [0.5, -6.0],
            "selected_diff_vs_ce_high": [3.5, -2.0],
        }
    )
    text = " ".join(sweep_reading(table))
    assert "the default value for AT; another value for KD (0.9 → 0.09)" in text
    assert "changes for KD (within → above: +2.0 [+0.5, +3.5])" in text
    assert "No row" not in text
    assert "No row's reading" in " ".join(sweep_reading(table.assign(reading_changes=False)))
    # a table without the column: values compared as numbers (100 and 100.0 are the same value)
    older = table.drop(columns="selected_is_default").assign(default_value=[0.9, 1000.0], selected_value=[0.09, 1000])
    assert "the default value for AT; another value for KD" in " ".join(sweep_reading(older))


def test_wall_time_spans_the_first_to_the_last_job(tmp_path):
    log = tmp_path / "run.snakemake.log"
    log.write_text(
        "Building DAG of jobs...\n[Sun Dec  6 20:48:15 2026]\nlocalrule a:\n[Sun Dec  6 20:48:20 2026]\n"
        "Finished jobid: 1 (Rule: a)\n[Sun Dec  6 21:30:05 2026]\nFinished jobid: 0 (Rule: all)\n"
    )
    assert wall_time(log) == (41 * 60 + 50, 2)
    (tmp_path / "dry.log").write_text("Building DAG of jobs...\n")
    with pytest.raises(ValueError, match="no job timestamps"):
        wall_time(tmp_path / "dry.log")


def test_the_headline_is_replaced_between_its_markers_only():
    readme = f"# vskd\n\nintro\n\n{HEADLINE_START}\nold table\n{HEADLINE_END}\n\nrest\n"
    new = replace_headline(readme, f"{HEADLINE_START}\nnew table\n{HEADLINE_END}")
    assert "new table" in new and "old table" not in new and new.startswith("# vskd") and new.endswith("rest\n")
    with pytest.raises(ValueError, match="no headline markers"):
        replace_headline("# vskd\n", "x")


def test_the_log_of_the_last_run_that_did_work_is_used(tmp_path):
    from vskd.publish import latest_log

    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    (logs / "2026-12-06T100000.000000.snakemake.log").write_text("[Sun Dec  6 10:00:00 2026]\nFinished jobid: 1\n")
    (logs / "2026-12-06T110000.000000.snakemake.log").write_text(
        "Nothing to be done (all requested files are present).\n"
    )
    assert latest_log(tmp_path).name.startswith("2026-12-06T10")
    with pytest.raises(FileNotFoundError, match="no Snakemake log"):
        latest_log(tmp_path / "elsewhere")
