"""The results page (``docs/results.md``) and the README's headline table, generated from a run's
``results/tables/`` — never typed by hand.

``vskd publish`` reads every comparison table the run wrote (``<dataset>_<table>.md`` and its
``.csv``), the Snakemake log of the run (its wall time: first job start to last job end) and the
merged config files, and writes a page with the command, the wall time, the machine, the config
hash and the code version, each table as the workflow wrote it, and a reading of each table derived
from its CSV: which rows are above or below their paired CE run beyond seed noise (the 95 %
interval of the paired difference excludes 0), which are not, and what the controls say.
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd

from .config import config_hash, merge_config_files

#: table order on the page (the file name's suffix after ``<dataset>_``)
TABLE_ORDER = ("methods", "control", "ablation", "students", "sensor_to_vision", "sweep")
HEADLINE_START, HEADLINE_END = "<!-- headline table: vskd publish -->", "<!-- end of headline table -->"
_STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")


def machine() -> str:
    """CPU model, cores, memory and GPU of this machine (what the wall time was measured on; with
    ``device: auto`` the runs used the GPU where there is one)."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f", {mem_kb / 1024**2:.0f} GB"
    except (OSError, StopIteration, ValueError):
        memory = ""
    import torch

    gpu = f"GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "no GPU used"
    return f"{model}, {os.cpu_count()} cores{memory}, {gpu}"


def wall_time(log: str | Path) -> tuple[float, int]:
    """(seconds from the first to the last job timestamp, jobs finished) of a Snakemake log."""
    stamps, finished = [], 0
    for line in Path(log).read_text(errors="replace").splitlines():
        m = _STAMP.match(line.strip())
        if m:
            stamps.append(datetime.strptime(re.sub(" +", " ", m.group(1)), "%a %b %d %H:%M:%S %Y"))
        elif line.startswith("Finished jobid"):
            finished += 1
    if len(stamps) < 2:
        raise ValueError(f"{log}: no job timestamps (is it a Snakemake log of a run, not a dry run?)")
    return (max(stamps) - min(stamps)).total_seconds(), finished


def latest_log(workdir: str | Path = ".") -> Path:
    """The newest Snakemake log of a working directory (``.snakemake/log/``) that ran jobs (a
    later dry run, ``--report`` or "Nothing to be done" call leaves a log without any)."""
    folder = Path(workdir, ".snakemake", "log")
    for log in sorted(folder.glob("*.snakemake.log"), reverse=True):
        if "Finished jobid" in log.read_text(errors="replace"):
            return log
    raise FileNotFoundError(f"no Snakemake log of a run that finished jobs under {folder}")


def _fmt(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def reading(table: pd.DataFrame) -> list[str]:
    """Sentences on one table from its CSV: rows beyond seed noise above / below the run they are
    paired with, rows within it, and the seeds behind them."""
    rows = table[table.n_pairs >= 2] if "n_pairs" in table else table.iloc[0:0]
    if "compared_with" in rows:  # the reference rows themselves (CE vs CE) say nothing
        rows = rows[rows.compared_with != rows.run]
    label = dict(zip(table.run, table.label))

    def names(part: pd.DataFrame) -> str:
        return ", ".join(
            f"{label[r]} ({d:+.1f} [{lo:+.1f}, {hi:+.1f}])"
            for r, d, lo, hi in zip(part.run, part.diff_vs_ce, part.diff_vs_ce_low, part.diff_vs_ce_high)
        )

    up = rows[rows.diff_vs_ce_low > 0]
    down = rows[rows.diff_vs_ce_high < 0]
    noise = rows[(rows.diff_vs_ce_low <= 0) & (rows.diff_vs_ce_high >= 0)]
    out = []
    if len(rows) == 0:
        return ["No row has two or more paired seeds: no difference can be told from seed noise."]
    n = sorted(set(rows.n_pairs))
    out.append(f"Paired over {', '.join(str(int(k)) for k in n)} seeds (Δ in accuracy points, 95 % interval).")
    out.append(f"Above the paired CE run beyond seed noise: {names(up) if len(up) else 'none'}.")
    out.append(f"Below it beyond seed noise: {names(down) if len(down) else 'none'}.")
    if len(noise):
        out.append(f"Not distinguishable from it with these seeds: {names(noise)}.")
    return out


def _same_value(a: object, b: object) -> bool:
    try:
        return all(float(x) == float(y) for x, y in zip(str(a).split(","), str(b).split(","), strict=True))
    except ValueError:
        return str(a) == str(b)


def sweep_reading(table: pd.DataFrame) -> list[str]:
    """Sentences on a sweep table (vskd.sweeps) from its CSV: where validation chose another
    value than the default, and whose reading against CE changes with it."""
    if "selected_is_default" in table:
        moved = table[~table.selected_is_default.astype(bool)]
    else:  # a table written before the column existed: compare the values as numbers where they are
        moved = table[[not _same_value(a, b) for a, b in zip(table.default_value, table.selected_value)]]
    changed = table[table.reading_changes.astype(bool)]
    out = [
        "Validation chose the default value for "
        + (", ".join(table[~table.index.isin(moved.index)].label) or "no row")
        + "; another value for "
        + (", ".join(f"{r.label} ({r.default_value} → {r.selected_value})" for r in moved.itertuples()) or "no row")
        + "."
    ]
    if len(changed):
        out.append(
            "The reading against CE changes for "
            + ", ".join(
                f"{r.label} ({r.reading_default} → {r.reading_selected}: {r.selected_diff_vs_ce:+.1f} "
                f"[{r.selected_diff_vs_ce_low:+.1f}, {r.selected_diff_vs_ce_high:+.1f}])"
                for r in changed.itertuples()
            )
            + "."
        )
    else:
        out.append("No row's reading against CE (above, below or within seed noise) changes with the selected value.")
    return out


def _table_files(tables: Path) -> list[tuple[str, str, Path]]:
    found = []
    for md in sorted(tables.glob("*.md")):
        stem = md.stem
        kind = next((k for k in TABLE_ORDER if stem.endswith("_" + k)), None)
        if kind is None or not md.with_suffix(".csv").is_file():
            continue
        found.append((stem[: -len(kind) - 1], kind, md))
    return sorted(found, key=lambda t: (t[0] != "utd", t[0], TABLE_ORDER.index(t[1])))


def results_page(
    tables: str | Path, log: str | Path, configfiles: Sequence[str | Path], command: str
) -> tuple[str, str]:
    """(the page, the README headline block) from a run's tables and log."""
    tables = Path(tables)
    files = _table_files(tables)
    if not files:
        raise FileNotFoundError(f"no comparison tables (<dataset>_<table>.md + .csv) in {tables}")
    seconds, jobs = wall_time(log)
    frames = {md: pd.read_csv(md.with_suffix(".csv")) for _, _, md in files}
    versions = set()
    for frame in frames.values():
        versions |= set(frame.get("code_version", pd.Series(dtype=str)).dropna().astype(str))
    host = machine()
    digest = config_hash(merge_config_files(configfiles))
    lines = [
        "# Results measured here",
        "",
        "<!-- generated by `vskd publish` from results/tables/; edit the workflow, not this page -->",
        "",
        f"- **Command**: `{command}` (cold: an empty `results/`)",
        f"- **Wall time**: {_fmt(seconds)} for {jobs} jobs (Snakemake log `{Path(log).name}`)",
        f"- **Machine**: {host}",
        f"- **Config**: {' + '.join(str(f) for f in configfiles)}, hash `{digest}`",
        f"- **Code version**: {', '.join(sorted(versions)) or 'unknown'}",
        "",
        "Numbers on the embedded synthetic data are not the paper's (each table's title says which data "
        "it is). Every table below is the workflow's own `results/tables/<dataset>_<table>.md`; the "
        "readings under each are derived from its CSV.",
    ]
    headline = ""
    for dataset, kind, md in files:
        body = md.read_text().strip()
        lines += ["", f"## {dataset}: {kind.replace('_', ' ')}", "", body.replace("### ", "#### ", 1), ""]
        read = sweep_reading if kind == "sweep" else reading
        lines += ["**Reading.** " + " ".join(read(frames[md]))]
        if (dataset, kind) == ("utd", "methods"):
            headline = "\n".join(
                [
                    HEADLINE_START,
                    "\n\n".join(body.replace("### ", "**", 1).replace("\n", "**\n", 1).split("\n\n")[:2]),
                    "",
                    f"Cold run of `{command}`: {_fmt(seconds)} on {host}; "
                    "every table and its reading: [docs/results.md](docs/results.md).",
                    HEADLINE_END,
                ]
            )
    return "\n".join(lines) + "\n", headline


def replace_headline(readme: str, headline: str) -> str:
    """The README with its headline block (between the markers) replaced."""
    start, end = readme.find(HEADLINE_START), readme.find(HEADLINE_END)
    if start < 0 or end < 0:
        raise ValueError(f"the README has no headline markers ({HEADLINE_START} ... {HEADLINE_END})")
    return readme[:start] + headline + readme[end + len(HEADLINE_END) :]
