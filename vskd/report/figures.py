"""Figures of the Snakemake report, one function per figure (matplotlib, Agg backend).

Every function reads the workflow's own files (history / per-class / confusion CSVs, the GAF
HDF5 store) and writes one PNG or SVG (format from the suffix) atomically, so an interrupted job
never leaves a half-written figure. Figures are reproducible byte for byte: no dates in the
metadata, fixed SVG ids. A model that a dataset lacks (no teacher and no DASK without video) is
simply absent from its figure; a figure with nothing to show says so in its title.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")

import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..atomic import atomic_path  # noqa: E402

#: history columns that are not loss terms
NON_LOSS_COLUMNS = ("epoch", "lr", "seconds")
#: history columns drawn in the accuracy panel (label, line style)
SCORE_COLUMNS = {
    "train_accuracy": ("train accuracy", "-"),
    "test_accuracy": ("test accuracy", "-"),
    "test_macro_f1": ("test macro-F1", "--"),
}
FORMATS = ("png", "svg")
P = ParamSpec("P")
R = TypeVar("R")
#: SVG text as text (small files, searchable), fixed element ids (same figure, same bytes)
_SAVE_RC = {"svg.fonttype": "none", "svg.hashsalt": "vskd"}
_RC = {**_SAVE_RC, "font.size": 8, "axes.titlesize": 9}


def save_figure(fig: plt.Figure, out: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` to ``out`` (PNG or SVG from the suffix) atomically, then close it."""
    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        plt.close(fig)
        raise ValueError(f"{out}: figures are written as {' or '.join(FORMATS)}, not {fmt!r}")
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    try:
        with plt.rc_context(_SAVE_RC), atomic_path(out) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata, bbox_inches="tight")
    finally:
        plt.close(fig)
    return out


def _figure(width: float, height: float) -> plt.Figure:
    return plt.figure(figsize=(width, height), layout="constrained")


def _empty_figure(out: str | Path, title: str, message: str) -> Path:
    """A small figure that says why it has nothing to show (rules still get their output)."""
    fig = _figure(5, 2)
    fig.text(0.5, 0.5, message, ha="center", va="center")
    fig.suptitle(title)
    return save_figure(fig, out)


def _styled(func: Callable[P, R]) -> Callable[P, R]:
    """Run a figure function under the report's rc settings (text sizes are read when an
    artist is made, the SVG font type when the file is written)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with plt.rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper


def _seed_of(path: str | Path, default: int) -> int:
    """The seed of a run's file from its ``seed{n}`` folder (the nearest one), else ``default``."""
    for part in reversed(Path(path).parts[:-1]):
        m = re.fullmatch(r"seed(\d+)", part)
        if m:
            return int(m.group(1))
    return default


def read_histories(paths: Sequence[str | Path]) -> pd.DataFrame:
    """The per-epoch histories of one run's seeds, stacked with a ``seed`` column (from the
    ``seed{n}`` folder of each path, else its position). Empty histories (a teacher that was
    only evaluated) contribute nothing."""
    frames = []
    for i, p in enumerate(paths):
        try:
            h = pd.read_csv(p)
        except pd.errors.EmptyDataError:
            continue
        if h.empty or "epoch" not in h:
            continue
        frames.append(h.assign(seed=_seed_of(p, i)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def loss_terms(history: pd.DataFrame) -> list[str]:
    """The loss columns of a history: the total ``loss`` first, then every term as it appears."""
    skip = set(NON_LOSS_COLUMNS) | set(SCORE_COLUMNS) | {"seed"}
    cols = [
        c
        for c in history.columns
        if c not in skip and pd.api.types.is_numeric_dtype(history[c]) and not c.endswith("accuracy")
    ]
    return sorted(cols, key=lambda c: c != "loss")


def _panel(ax: plt.Axes, history: pd.DataFrame, column: str, color: str, label: str | None, style: str = "-") -> None:
    """Thin line per seed, thick mean over seeds (per epoch)."""
    few = history["epoch"].nunique() <= 2
    marker = "o" if few else None
    for _, one in history.groupby("seed"):
        one = one.sort_values("epoch")
        ax.plot(one["epoch"], one[column], style, color=color, lw=0.7, alpha=0.35, marker=marker, ms=3)
    mean = history.groupby("epoch")[column].mean()
    ax.plot(mean.index, mean.values, style, color=color, lw=2.0, marker=marker, ms=4, label=label)


@_styled
def curves_figure(histories: Sequence[str | Path], out: str | Path, title: str) -> Path:
    """Training curves of one run over its seeds: a panel per loss term (total first) and one of
    train / test accuracy (and test macro-F1 when recorded); per-seed thin lines, mean thick."""
    h = read_histories(histories)
    if h.empty:
        return _empty_figure(out, title, "no training epochs recorded")
    terms = loss_terms(h)
    scores = [c for c in SCORE_COLUMNS if c in h and h[c].notna().any()]
    n = len(terms) + (1 if scores else 0)
    ncols = min(4, n)
    nrows = math.ceil(n / ncols)
    fig = _figure(3.1 * ncols, 2.4 * nrows + 0.4)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, term in zip(axes, terms):
        _panel(ax, h, term, "C0" if term == "loss" else "C1", None)
        ax.set_title("total loss" if term == "loss" else f"loss term: {term}")
        ax.set_xlabel("epoch")
    if scores:
        ax = axes[len(terms)]
        for i, c in enumerate(scores):
            name, style = SCORE_COLUMNS[c]
            _panel(ax, h, c, f"C{i + 2}", name, style)
        ax.set_title("accuracy")
        ax.set_xlabel("epoch")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(loc="best", fontsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    seeds = sorted(int(s) for s in h["seed"].unique())
    fig.suptitle(f"{title}: mean over {len(seeds)} seed(s) {seeds} (thick), single seeds (thin)")
    return save_figure(fig, out)


def read_confusion(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, index_col=0)


@_styled
def confusion_figure(panels: Mapping[str, str | Path], out: str | Path, title: str, normalize: bool = True) -> Path:
    """Confusion matrices side by side (e.g. teacher / CE / DASK at one seed), rows = true class,
    row-normalised (recall per class) unless ``normalize`` is false. Models missing from
    ``panels`` are simply not drawn."""
    panels = {k: v for k, v in panels.items() if v}
    if not panels:
        return _empty_figure(out, title, "no model to show")
    mats = {k: read_confusion(p) for k, p in panels.items()}
    names = list(next(iter(mats.values())).index)
    k = len(names)
    side = max(3.5, min(9.0, 0.22 * k + 1.5))
    fig = _figure(side * len(mats) + 2.5, side + 0.8)
    axes = fig.subplots(1, len(mats), squeeze=False)[0]
    image = None
    for i, (ax, (label, cm)) in enumerate(zip(axes, mats.items())):
        m = cm.to_numpy(float)
        acc = np.trace(m) / m.sum() if m.sum() else float("nan")
        if normalize:
            rows = m.sum(1, keepdims=True)
            m = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
        image = ax.imshow(m, cmap="Blues", vmin=0, vmax=1 if normalize else None, interpolation="nearest")
        ax.set_title(f"{label}\naccuracy {acc:.1%}")
        ax.set_xticks(range(k), [str(j) for j in range(k)], fontsize=5, rotation=90)
        ax.set_xlabel("predicted class (index)")
        if i == 0:
            ax.set_yticks(range(k), [f"{n} ({j})" for j, n in enumerate(cm.index)], fontsize=5)
            ax.set_ylabel("true class")
        else:
            ax.set_yticks(range(k), [str(j) for j in range(k)], fontsize=5)
    fig.colorbar(image, ax=list(axes), shrink=0.7, label="fraction of the true class" if normalize else "clips")
    fig.suptitle(title)
    return save_figure(fig, out)


def read_per_class(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Per-class scores of several seeds: one row per class, F1 mean / std / n over the files."""
    frames = [pd.read_csv(p).assign(file=i) for i, p in enumerate(paths)]
    both = pd.concat(frames, ignore_index=True)
    g = both.groupby(["label", "class_name"], sort=True)
    return pd.DataFrame(
        {
            "f1_mean": g["f1"].mean(),
            "f1_std": g["f1"].std(ddof=1).fillna(0.0),
            "n": g["f1"].size(),
            "support": g["support"].max(),
        }
    ).reset_index()


@_styled
def per_class_f1_figure(groups: Mapping[str, Sequence[str | Path]], out: str | Path, title: str) -> Path:
    """Grouped horizontal bars of per-class F1, one bar per model (e.g. teacher, CE, DASK): the
    mean over the given per_class.csv files (seeds), the error bar their standard deviation.
    Classes absent from the test set are left out; models without files are not drawn."""
    groups = {k: list(v) for k, v in groups.items() if v}
    if not groups:
        return _empty_figure(out, title, "no model to show")
    tables = {k: read_per_class(v) for k, v in groups.items()}
    classes = pd.concat([t[["label", "class_name", "support"]] for t in tables.values()])
    classes = classes[classes.support > 0].drop_duplicates("label").sort_values("label")
    k, m = len(classes), len(tables)
    fig = _figure(7.5, 0.18 * k * max(m, 2) / 2 + 1.6)
    ax = fig.subplots()
    height = 0.8 / m
    y = np.arange(k)
    for i, (label, t) in enumerate(tables.items()):
        t = t.set_index("label").reindex(classes["label"])
        n = int(t["n"].max()) if t["n"].notna().any() else 0
        ax.barh(
            y - 0.4 + height * (i + 0.5),
            t["f1_mean"].fillna(0),
            height,
            xerr=t["f1_std"].fillna(0) if n > 1 else None,
            color=f"C{i}",
            error_kw={"lw": 0.6, "capsize": 1.5},
            label=f"{label} (macro-F1 {t['f1_mean'].mean():.2f}, {n} seed{'s' if n != 1 else ''})",
        )
    ax.set_yticks(y, list(classes["class_name"]), fontsize=6)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("F1 on the test set (mean over seeds, bar: std)")
    fig.legend(loc="outside lower center", fontsize=7, ncols=min(m, 3))
    ax.grid(axis="x", lw=0.3, alpha=0.5)
    ax.set_title(title)
    return save_figure(fig, out)


@_styled
def gaf_examples_figure(
    gaf_h5: str | Path,
    out: str | Path,
    title: str,
    class_names: Sequence[str] | None = None,
    per_class: int = 1,
    max_channels: int = 6,
) -> Path:
    """A grid of GAF images: a tile per class (tiles laid out about 16:9), the first ``per_class``
    clips of the class in the store (sorted clip ids) and, per clip, its channels (at most
    ``max_channels``; the title says when more exist) in grey levels 0-255 as stored."""
    with h5py.File(gaf_h5, "r") as f:
        labels = f["labels"][:]
        ids = [c.decode() if isinstance(c, bytes) else str(c) for c in f["clip_ids"][:]]
        n, c = f["images"].shape[:2]
        chans = [
            ch.decode() if isinstance(ch, bytes) else str(ch)
            for ch in f.attrs.get("channels", [f"channel {j}" for j in range(c)])
        ]
        kind = f.attrs.get("kind", "GAF")
        kind = kind.decode() if isinstance(kind, bytes) else str(kind)
        order = sorted(range(n), key=lambda i: ids[i])
        n_classes = max(len(class_names or []), int(labels.max()) + 1 if n else 0)
        picks = {k: [i for i in order if labels[i] == k][:per_class] for k in range(n_classes)}
        shown = min(c, max_channels)
        images = {i: f["images"][i, :shown] for ids_ in picks.values() for i in ids_}
    names = list(class_names or []) + [f"class {k}" for k in range(len(class_names or []), n_classes)]
    # classes as tiles (one tile: per_class clips x shown channels) in a grid about 16:9, so that
    # 27 classes fit a screen instead of one 27-row column
    width = per_class * shown
    tiles_across = max(1, min(n_classes, round(math.sqrt(max(n_classes, 1) * 16 / 9 / width))))
    tile_rows = math.ceil(max(n_classes, 1) / tiles_across)
    cell = 0.85
    fig = _figure(cell * width * tiles_across + 0.4, (cell + 0.25) * tile_rows + 0.6)
    axes = fig.subplots(tile_rows, width * tiles_across, squeeze=False)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_visible(False)
    for k in range(n_classes):
        row, first = divmod(k, tiles_across)
        for e in range(per_class):
            for j in range(shown):
                ax = axes[row, first * width + e * shown + j]
                ax.set_visible(True)
                if e < len(picks[k]):
                    ax.imshow(images[picks[k][e]][j], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
                else:
                    ax.set_facecolor("0.9")
                    for sp in ax.spines.values():
                        sp.set_visible(False)
                ax.set_xlabel(chans[j], fontsize=5, labelpad=1)
        clips = ", ".join(ids[i] for i in picks[k]) or "no clip"
        axes[row, first * width].set_title(f"{names[k]} ({k}): {clips}", fontsize=6, loc="left")
    more = f"; channels 1-{shown} of {c}" if c > shown else ""
    fig.suptitle(f"{title}: {kind.upper()} images, first {per_class} clip(s) per class{more}")
    fig.get_layout_engine().set(w_pad=0.01, h_pad=0.01, wspace=0.02, hspace=0.02)
    return save_figure(fig, out)
