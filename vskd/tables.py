"""Comparison tables over seeds: mean +- std, paired differences to CE, controls, references.

Every number of a table is computed from the runs' metrics files; published numbers appear only
from a reference CSV the user gives (``reference:`` in the config), in their own labelled column.
Paired differences use the seeds both runs share: d_s = acc_method(s) - acc_CE(s), mean and a
95 % Student-t interval (none for a single seed). Controls (shuffled / untrained teacher) are
compared with the same method and parameters with the trained teacher, paired the same way, and
the table says whether the real teacher beats them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .atomic import write_text_atomic
from .config import config_hash

METRIC_COLUMNS = ("accuracy", "macro_f1")


@dataclass(frozen=True)
class Paired:
    """Mean paired difference (in accuracy points, i.e. x100) with its 95 % interval."""

    mean: float
    low: float
    high: float
    n: int

    def text(self) -> str:
        if self.n == 0:
            return "n/a"
        if self.n == 1 or not math.isfinite(self.low):
            return f"{self.mean:+.1f} (n=1)"
        return f"{self.mean:+.1f} [{self.low:+.1f}, {self.high:+.1f}]"


def paired_difference(a: pd.Series, b: pd.Series) -> Paired:
    """a - b over the seeds (index) both have, in points; 95 % t-interval for n >= 2."""
    common = a.index.intersection(b.index)
    d = (a.loc[common] - b.loc[common]).to_numpy(float) * 100
    n = len(d)
    if n == 0:
        return Paired(float("nan"), float("nan"), float("nan"), 0)
    mean = float(d.mean())
    if n == 1:
        return Paired(mean, float("nan"), float("nan"), 1)
    half = float(stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / math.sqrt(n))
    return Paired(mean, mean - half, mean + half, n)


def load_metrics(paths: Iterable[str | Path]) -> pd.DataFrame:
    frames = [pd.read_csv(p) for p in paths]
    if not frames:
        raise ValueError("no metrics files given")
    return pd.concat(frames, ignore_index=True)


def _mean_std(values: pd.Series) -> str:
    v = values.to_numpy(float) * 100
    return f"{v.mean():.1f} ± {v.std(ddof=1):.1f}" if len(v) > 1 else f"{v.mean():.1f}"


def _by_seed(frame: pd.DataFrame, run: str, metric: str = "accuracy") -> pd.Series:
    part = frame[frame.run == run]
    return part.set_index("seed")[metric].sort_index()


def build_table(
    metrics: pd.DataFrame,
    teachers: pd.DataFrame | None,
    run_order: Sequence[str],
    baseline: str,
    reference: pd.DataFrame | None = None,
    dataset_kind: str | None = None,
    baselines: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per run name (in ``run_order``): numeric columns for the CSV, text for md/tex.

    ``baselines``: run -> the run its paired difference is against (default: ``baseline`` for
    all; see ``vskd.runs.paired_baselines``: KD rows of another student vs that student's CE).
    """
    baselines = baselines or {}
    rows = []
    for run in run_order:
        part = metrics[metrics.run == run]
        if part.empty:
            continue
        first = part.iloc[0]
        acc = _by_seed(metrics, run)
        against = baselines.get(run, baseline)
        if against not in set(metrics.run):
            raise ValueError(f"run {run!r} is compared with {against!r}, whose metrics are not given")
        diff = paired_difference(acc, _by_seed(metrics, against)) if run != against else Paired(0.0, 0.0, 0.0, len(acc))
        row = {
            "run": run,
            "label": first.get("label", run),
            "group": first.get("table", "methods"),
            "method": first.method,
            "teacher": first.teacher,
            "n_seeds": int(len(part)),
            "seeds": " ".join(str(s) for s in sorted(part.seed)),
            "accuracy_mean": part.accuracy.mean(),
            "accuracy_std": part.accuracy.std(ddof=1),
            "macro_f1_mean": part.macro_f1.mean(),
            "macro_f1_std": part.macro_f1.std(ddof=1),
            "diff_vs_ce": diff.mean,
            "diff_vs_ce_low": diff.low,
            "diff_vs_ce_high": diff.high,
            "n_pairs": diff.n,
            "compared_with": against,
            "oracle_best_accuracy_mean": part["oracle_best_accuracy"].mean()
            if "oracle_best_accuracy" in part
            else float("nan"),
            "teacher_accuracy": _teacher_accuracy(teachers, first.teacher),
            "data_source": first.data_source,
            "split": first.split,
            "config_hash": config_hash(sorted(part.config_hash.astype(str))),
            "code_version": ",".join(sorted(set(part.code_version.astype(str)))),
            "accuracy_text": _mean_std(part.accuracy),
            "macro_f1_text": _mean_std(part.macro_f1),
            "diff_text": "—" if run == against else diff.text(),
        }
        if reference is not None:
            row["published_accuracy"], row["published_source"] = _published(
                reference, dataset_kind, first.split, first.method, first.get("label", run)
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _teacher_accuracy(teachers: pd.DataFrame | None, state: str) -> float:
    if teachers is None or state in (None, "none") or not isinstance(state, str):
        return float("nan")
    model = "teacher_untrained" if state == "untrained" else "teacher"
    part = teachers[teachers.model == model]
    return float(part.accuracy.iloc[0]) if not part.empty else float("nan")


def read_reference(path: str | Path) -> pd.DataFrame:
    """Published numbers: columns dataset, protocol, method, metric, value, source."""
    ref = pd.read_csv(path)
    need = {"dataset", "protocol", "method", "metric", "value", "source"}
    missing = need - set(ref.columns)
    if missing:
        raise ValueError(f"reference file {path} lacks the columns {sorted(missing)}")
    return ref


def _published(ref: pd.DataFrame, dataset_kind: str | None, split: str, method: str, label: str) -> tuple[float, str]:
    keys = {str(method).lower(), str(label).lower()}
    part = ref[
        (ref.dataset.str.lower() == str(dataset_kind).lower())
        & (ref.protocol.str.lower() == str(split).lower())
        & (ref.metric.str.lower() == "accuracy")
        & ref.method.str.lower().isin(keys)
    ]
    if part.empty:
        return float("nan"), ""
    return float(part.value.iloc[0]), str(part.source.iloc[0])


def control_verdicts(metrics: pd.DataFrame, controls: dict[str, str]) -> list[str]:
    """Sentences comparing each real-teacher run with its control (paired over seeds)."""
    lines = []
    for control, real in controls.items():
        if real is None or control not in set(metrics.run) or real not in set(metrics.run):
            continue
        d = paired_difference(_by_seed(metrics, real), _by_seed(metrics, control))
        beats = d.n >= 2 and d.low > 0
        verdict = (
            "the trained teacher beats this control (interval above 0)"
            if beats
            else "the trained teacher does NOT beat this control beyond seed noise"
        )
        lines.append(f"- `{real}` − `{control}`: {d.text()} points over {d.n} paired seeds: {verdict}.")
    return lines


DISPLAY = [
    ("label", "Method"),
    ("accuracy_text", "Accuracy (%)"),
    ("macro_f1_text", "Macro-F1 (%)"),
    ("diff_text", "Δ vs CE (95% CI)"),
    ("n_seeds", "Seeds"),
    ("teacher", "Teacher"),
    ("teacher_accuracy_text", "Teacher acc. (%)"),
]


def _display(table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    t["teacher_accuracy_text"] = [("—" if not np.isfinite(v) else f"{100 * v:.1f}") for v in t.teacher_accuracy]
    cols = list(DISPLAY)
    if "compared_with" in t and len(set(t.compared_with)) > 1:
        labels = dict(zip(t.run, t.label))
        t["compared_text"] = [
            "—" if c == r or not isinstance(c, str) else labels.get(c, c)  # teacher rows: compared with nothing
            for r, c in zip(t.run, t.compared_with)
        ]
        cols.insert([c for c, _ in cols].index("diff_text") + 1, ("compared_text", "Δ against"))
    if "published_accuracy" in t:
        t["published_text"] = [
            ("—" if not np.isfinite(v) else f"{v:.1f} ({s})") for v, s in zip(t.published_accuracy, t.published_source)
        ]
        cols.append(("published_text", "Published (reference file)"))
    return t[[c for c, _ in cols]].rename(columns=dict(cols))


def to_markdown(table: pd.DataFrame, title: str, notes: Sequence[str]) -> str:
    from tabulate import tabulate

    body = tabulate(_display(table), headers="keys", tablefmt="github", showindex=False)
    return f"### {title}\n\n{body}\n\n" + "\n".join(notes) + "\n"


def _tex_escape(text: str) -> str:
    for a, b in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("_", r"\_"),
        ("#", r"\#"),
        ("±", r"$\pm$"),
        ("Δ", r"$\Delta$"),
        ("−", "-"),
        ("—", "--"),
    ):
        text = text.replace(a, b)
    return text


def to_latex(table: pd.DataFrame, caption: str) -> str:
    """A booktabs table ready to paste (needs \\usepackage{booktabs})."""
    disp = _display(table)
    header = " & ".join(_tex_escape(c) for c in disp.columns) + r" \\"
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        r"\small",
        r"\begin{tabular}{l" + "r" * (len(disp.columns) - 1) + "}",
        r"\toprule",
        header,
        r"\midrule",
    ]
    groups = list(table.group)
    for i, (_, row) in enumerate(disp.iterrows()):
        if i > 0 and groups[i] != groups[i - 1]:
            lines.append(r"\midrule")
        lines.append(" & ".join(_tex_escape(str(v)) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", rf"\caption{{{_tex_escape(caption)}}}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def write_table(table: pd.DataFrame, out_csv: str, out_md: str, out_tex: str, title: str, notes: Sequence[str]) -> None:
    text_cols = [c for c in table.columns if c.endswith("_text")]
    write_text_atomic(out_csv, table.drop(columns=text_cols).to_csv(index=False))
    write_text_atomic(out_md, to_markdown(table, title, notes))
    caption = title + ". " + " ".join(n.lstrip("- ") for n in notes if not n.startswith("- `"))
    write_text_atomic(out_tex, to_latex(table, caption))


#: table kind -> what its title calls it
TITLES = {
    "methods": "distillation methods",
    "ablation": "DASK ablation",
    "students": "student networks, the paper's ResNet-18 vs a wearable student",
}


def make_table(
    kind: str,
    dataset: str,
    run_metrics: Sequence[str],
    teacher_metrics: Sequence[str],
    run_order: Sequence[str],
    baseline: str,
    controls: dict[str, str | None],
    out_csv: str,
    out_md: str,
    out_tex: str,
    reference: str | None = None,
    dataset_kind: str | None = None,
    baselines: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Build and write one table (``methods``, ``ablation`` or ``students``) of one dataset."""
    metrics = load_metrics(run_metrics)
    teachers = load_metrics(teacher_metrics) if teacher_metrics else None
    ref = read_reference(reference) if reference else None
    table = build_table(metrics, teachers, run_order, baseline, ref, dataset_kind, baselines)
    first = table.iloc[0]
    source = "SYNTHETIC (embedded generator) data" if first.data_source == "synthetic" else "real data"
    title = f"{dataset}: {TITLES.get(kind, kind)} ({source}, {first.split} split)"
    seeds = sorted({s for t in table.seeds for s in t.split()})
    notes = [
        f"Mean ± std over seeds ({', '.join(seeds)}); Δ vs CE: mean paired difference in "
        "accuracy points over the seeds both runs share, 95% t-interval. Final-epoch models "
        "(no selection on the test split).",
        f"Config hashes and code versions are in the CSV; data: {source}.",
    ]
    if (table.compared_with != baseline).any():
        notes.append(
            f"Δ against: the run each row is paired with: the CE run of the same student "
            f"where the sheet has one, else `{baseline}` (the design card's CE)."
        )
    if ref is not None:
        notes.append(
            f"Published numbers come only from the reference file {reference}; they were "
            "obtained on the real dataset"
            + (" and are not comparable with these synthetic numbers." if first.data_source == "synthetic" else ".")
        )
    verdicts = control_verdicts(metrics, controls)
    if verdicts:
        notes += ["", "Controls (is the gain the teacher's knowledge?):", *verdicts]
    write_table(table, out_csv, out_md, out_tex, title, notes)
    return table


# --- sensor_to_vision (SAKDN) ----------------------------------------------------------------------


def _single_row(run: str, label: str, group: str, method: str, m: pd.Series) -> dict:
    """A table row of a model evaluated once (a sensor teacher: the config's seed only)."""
    return {
        "run": run,
        "label": label,
        "group": group,
        "method": method,
        "teacher": "—",
        "n_seeds": 1,
        "seeds": str(int(m["seed"])) if "seed" in m else "",
        "accuracy_mean": float(m["accuracy"]),
        "accuracy_std": float("nan"),
        "macro_f1_mean": float(m["macro_f1"]) if "macro_f1" in m else float("nan"),
        "macro_f1_std": float("nan"),
        "diff_vs_ce": float("nan"),
        "diff_vs_ce_low": float("nan"),
        "diff_vs_ce_high": float("nan"),
        "n_pairs": 0,
        "oracle_best_accuracy_mean": float("nan"),
        "teacher_accuracy": float("nan"),
        "data_source": m.get("data_source", ""),
        "split": m.get("split", ""),
        "config_hash": str(m.get("config_hash", "")),
        "code_version": str(m.get("code_version", "")),
        "accuracy_text": f"{100 * float(m['accuracy']):.1f}",
        "macro_f1_text": f"{100 * float(m['macro_f1']):.1f}" if "macro_f1" in m else "—",
        "diff_text": "—",
    }


def make_sensor_to_vision_table(
    dataset: str,
    run_metrics: Sequence[str],
    teacher_metrics: Sequence[str],
    fusion_metrics: str,
    branch_metrics: str,
    sensors: Sequence[str],
    run_order: Sequence[str],
    baseline: str,
    out_csv: str,
    out_md: str,
    out_tex: str,
) -> pd.DataFrame:
    """The SAKDN table of one dataset: each sensor teacher, the SPAMFM teacher (and its branches),
    the video student runs (mean ± std over seeds, paired difference to the video CE run) and the
    late-fusion reference; notes say, per distilling run, whether the sensor teachers help beyond
    seed noise (95 % interval of the paired difference above 0)."""
    metrics = load_metrics(run_metrics)
    rows = []
    acc_of: dict[str, float] = {}
    for sensor, path in zip(sensors, teacher_metrics):
        m = pd.read_csv(path).iloc[0]
        acc_of[sensor] = float(m["accuracy"])
        rows.append(
            _single_row(f"teacher_{sensor}", f"Sensor teacher: {sensor} (GAF)", "sensor teachers", "sensor_teacher", m)
        )
    fused = pd.read_csv(fusion_metrics).iloc[0]
    acc_of["fused"] = float(fused["accuracy"])
    rows.append(
        _single_row(
            "fused_teacher", "Fused sensor teacher (SPAMFM, sum of branches)", "sensor teachers", "spamfm", fused
        )
    )
    for _, b in pd.read_csv(branch_metrics).iterrows():
        rows.append(
            _single_row(
                f"fused_branch_{b.sensor}",
                f"  {b.sensor} branch inside SPAMFM",
                "sensor teachers",
                "spamfm",
                pd.Series({**fused.to_dict(), **b.to_dict()}),
            )
        )
    students = build_table(metrics, None, [*run_order, "late_fusion"], baseline)
    students["teacher_accuracy"] = [acc_of.get(t, float("nan")) for t in students.teacher]
    students["group"] = ["reference" if r == "late_fusion" else "video student" for r in students.run]
    table = pd.concat([pd.DataFrame(rows), students], ignore_index=True)
    first = students.iloc[0]
    source = "SYNTHETIC (embedded generator) data" if first.data_source == "synthetic" else "real data"
    title = f"{dataset}: sensor teachers -> video student (SAKDN direction; {source}, {first.split} split)"
    seeds = sorted({s for t in students.seeds for s in str(t).split()})
    notes = [
        f"Video students: mean ± std over seeds ({', '.join(seeds)}); Δ vs CE: mean paired difference "
        "in accuracy points to the video CE run over shared seeds, 95% t-interval. Sensor teachers: "
        "one training (the config's seed). Final-epoch models. 'best' = the sensor teacher with "
        "the highest test accuracy (a selection on the test split, stated as such).",
        f"Config hashes and code versions are in the CSV; data: {source}.",
        "",
        "Do the sensor teachers help the video student?",
    ]
    base = _by_seed(metrics, baseline)
    for run in run_order:
        if run == baseline or run not in set(metrics.run):
            continue
        d = paired_difference(_by_seed(metrics, run), base)
        verdict = (
            "yes: the 95% interval lies above 0"
            if d.n >= 2 and d.low > 0
            else "it hurts: the 95% interval lies below 0"
            if d.n >= 2 and d.high < 0
            else "not beyond seed noise"
        )
        notes.append(f"- `{run}` − `{baseline}`: {d.text()} points over {d.n} paired seeds: {verdict}.")
    write_table(table, out_csv, out_md, out_tex, title, notes)
    return table


def make_sensor_to_vision_per_class(
    per_class: dict[str, Sequence[str]], fusion_weights: str, out_csv: str, out_md: str
) -> pd.DataFrame:
    """Per-class F1 of the sensor teachers, the SPAMFM teacher and the video students (mean over
    seeds), beside SPAMFM's mean gate per sensor (over fusion points and test clips of the class):
    which classes each modality knows, and which sensor the fusion leans on for them."""
    out: pd.DataFrame | None = None
    for name, paths in per_class.items():
        frames = [pd.read_csv(p).set_index("class_name").f1 for p in paths]
        col = pd.concat(frames, axis=1).mean(axis=1).rename(f"f1_{name}")
        out = col.to_frame() if out is None else out.join(col, how="left")  # keeps label order
    gates = pd.read_csv(fusion_weights)
    if not gates.empty:
        wide = gates.groupby(["class", "sensor"]).mean_gate.mean().unstack("sensor")
        out = out.join(wide.rename(columns=lambda s: f"gate_{s}"), how="left")
    out = out.reset_index().rename(columns={"index": "class_name"})
    write_text_atomic(out_csv, out.to_csv(index=False))
    from tabulate import tabulate

    shown = out.copy()
    for c in shown.columns[1:]:
        shown[c] = [f"{v:.2f}" if np.isfinite(v) else "—" for v in shown[c]]
    write_text_atomic(
        out_md,
        "### Per-class F1 (teachers vs video students) and SPAMFM gates\n\n"
        + tabulate(shown, headers="keys", tablefmt="github", showindex=False)
        + "\n\nf1_*: per-class F1 on the test clips (video students: mean over seeds); "
        "gate_*: SPAMFM's mean channel gate (0-3) per sensor over fusion points.\n",
    )
    return out


def write_comparison_table(
    table: str,
    dataset: str,
    inputs: Mapping[str, Any],
    params: Mapping[str, Any],
    out_csv: str,
    out_md: str,
    out_tex: str,
) -> pd.DataFrame:
    """Any comparison table of a dataset from a rule's named inputs and its params: the
    vision_to_sensor tables (``methods``, ``ablation``, ``students``) and ``sensor_to_vision``."""
    if table == "sensor_to_vision":
        return make_sensor_to_vision_table(
            dataset,
            list(inputs["runs"]) + list(inputs["late_fusion"]),
            list(inputs["teachers"]),
            inputs["fusion"],
            inputs["branches"],
            params["sensors"],
            params["order"],
            params["baseline"],
            out_csv,
            out_md,
            out_tex,
        )
    return make_table(
        table,
        dataset,
        list(inputs["runs"]),
        list(inputs["teachers"]),
        params["order"],
        params["baseline"],
        params["controls"],
        out_csv,
        out_md,
        out_tex,
        reference=params["reference"],
        dataset_kind=params["dataset_kind"],
        baselines=params["baselines"],
    )
