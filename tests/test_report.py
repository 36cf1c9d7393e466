"""Report figures on small generated files: each is written, is a valid PNG / SVG, and copes with
a dataset without teacher / DASK (sensor-only) and with empty histories."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import h5py
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from vskd.report import figures
from vskd.report.targets import design_card_files, design_card_labels, figure_paths, run_names

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CLASSES = ["swipe left", "swipe right", "wave", "clap"]


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, path
    assert data[12:16] == b"IHDR" and data[-8:-4] == b"IEND", path
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 50 and height > 50


def assert_svg(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
    return root


def svg_text(path: Path) -> str:
    return " ".join(t for t in assert_svg(path).itertext())


def no_temporaries(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if ".tmp." in p.name]


def write_history(path: Path, seed: int, terms: list[str], epochs: int = 3, test: bool = True) -> Path:
    rng = np.random.default_rng(seed)
    rows = []
    for e in range(1, epochs + 1):
        row = {"epoch": e, "lr": 1e-3}
        parts = {t: float(rng.uniform(0, 1) / e) for t in terms}
        row["loss"] = sum(parts.values())
        row.update(parts)
        row["train_accuracy"] = min(1.0, 0.2 * e + 0.05 * seed)
        if test:
            row["test_accuracy"] = min(1.0, 0.15 * e)
            row["test_macro_f1"] = min(1.0, 0.1 * e)
        row["seconds"] = 1.0
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def write_per_class(path: Path, seed: int, absent: int | None = None) -> Path:
    rng = np.random.default_rng(seed)
    f1 = rng.uniform(0, 1, len(CLASSES))
    support = np.full(len(CLASSES), 4)
    if absent is not None:
        support[absent], f1[absent] = 0, 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "label": range(len(CLASSES)),
            "class_name": CLASSES,
            "precision": f1,
            "recall": f1,
            "f1": f1,
            "support": support,
        }
    ).to_csv(path, index=False)
    return path


def write_confusion(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    cm = rng.integers(0, 5, (len(CLASSES), len(CLASSES)))
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(cm, index=pd.Index(CLASSES, name="true"), columns=CLASSES).to_csv(path)
    return path


def write_gaf(
    path: Path,
    channels: int = 3,
    size: int = 16,
    per_class: int = 2,
    classes: int = len(CLASSES),
    missing: int | None = None,
) -> Path:
    rng = np.random.default_rng(0)
    labels = [k for k in range(classes) if k != missing for _ in range(per_class)]
    ids = [f"a{k + 1}_s1_t{t + 1}" for k in range(classes) if k != missing for t in range(per_class)]
    with h5py.File(path, "w") as f:
        f.create_dataset("images", data=rng.integers(0, 256, (len(ids), channels, size, size), dtype=np.uint8))
        f.create_dataset("clip_ids", data=np.array(ids, dtype="S"))
        f.create_dataset("labels", data=np.array(labels, dtype=np.int64))
        f.attrs["channels"] = np.array([f"acc_{c}" for c in "xyzuvwabcdefghijklmn"[:channels]], dtype="S")
        f.attrs["kind"] = "gasf"
    return path


def test_curves_of_a_run_over_seeds_svg_and_png(tmp_path):
    terms = ["ce", "kd", "distance", "angle", "semantic"]
    hists = [write_history(tmp_path / f"runs/dask/seed{s}/history.csv", s, terms) for s in (0, 1, 2)]
    out = figures.curves_figure(hists, tmp_path / "fig/curves/dask.svg", "utd: DASK")
    text = svg_text(out)
    for term in terms:
        assert f"loss term: {term}" in text
    assert "total loss" in text and "test accuracy" in text and "[0, 1, 2]" in text
    png = figures.curves_figure(hists, tmp_path / "fig/dask.png", "utd: DASK")
    assert_png(png)
    no_temporaries(tmp_path / "fig")


def test_curves_without_test_columns_one_epoch_and_empty_history(tmp_path):
    one = write_history(tmp_path / "seed0/history.csv", 0, ["ce"], epochs=1, test=False)
    text = svg_text(figures.curves_figure([one], tmp_path / "ce.svg", "berkeley: CE"))
    assert "test accuracy" not in text and "train accuracy" in text
    empty = tmp_path / "teacher_untrained/history.csv"
    empty.parent.mkdir()
    empty.write_text("\n")
    text = svg_text(figures.curves_figure([empty], tmp_path / "untrained.svg", "untrained"))
    assert "no training epochs recorded" in text


def test_loss_terms_total_first_and_no_scores():
    h = pd.DataFrame(
        columns=[
            "epoch",
            "lr",
            "ce",
            "loss",
            "kd",
            "train_accuracy",
            "test_accuracy",
            "test_macro_f1",
            "seconds",
            "seed",
        ],
        data=[[1] * 10],
    )
    assert figures.loss_terms(h) == ["loss", "ce", "kd"]


def test_confusion_teacher_ce_dask_and_ce_only(tmp_path):
    panels = {
        "teacher (video)": write_confusion(tmp_path / "t.csv", 0),
        "CE": write_confusion(tmp_path / "ce.csv", 1),
        "DASK": write_confusion(tmp_path / "d.csv", 2),
    }
    assert_png(figures.confusion_figure(panels, tmp_path / "out/confusion.png", "utd"))
    # sensor-only dataset: no teacher and no DASK (empty entries are skipped)
    only_ce = {"teacher (video)": None, "CE": panels["CE"], "DASK": ""}
    text = svg_text(figures.confusion_figure(only_ce, tmp_path / "out/confusion_ce.svg", "berkeley"))
    assert "CE" in text and "DASK" not in text and "teacher" not in text
    text = svg_text(figures.confusion_figure({}, tmp_path / "out/none.svg", "nothing"))
    assert "no model to show" in text
    no_temporaries(tmp_path / "out")


def test_confusion_rows_are_normalised(tmp_path):
    import matplotlib.pyplot as plt

    seen = {}
    original = plt.Axes.imshow

    def spy(self, m, *a, **k):
        seen["m"] = np.asarray(m)
        return original(self, m, *a, **k)

    cm = write_confusion(tmp_path / "ce.csv", 3)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plt.Axes, "imshow", spy)
        figures.confusion_figure({"CE": cm}, tmp_path / "c.png", "t")
    raw = pd.read_csv(cm, index_col=0).to_numpy(float)
    rows = raw.sum(1)
    np.testing.assert_allclose(seen["m"][rows > 0].sum(1), 1.0)


def test_per_class_f1_with_seeds_and_without_teacher(tmp_path):
    groups = {
        "teacher (video)": [write_per_class(tmp_path / "teacher/per_class.csv", 9)],
        "CE": [write_per_class(tmp_path / f"ce/seed{s}/per_class.csv", s) for s in (0, 1)],
        "DASK": [write_per_class(tmp_path / f"dask/seed{s}/per_class.csv", 10 + s) for s in (0, 1)],
    }
    text = svg_text(figures.per_class_f1_figure(groups, tmp_path / "f1.svg", "utd: per-class F1"))
    assert "2 seeds" in text and "1 seed)" in text and "swipe right" in text
    # sensor-only: CE alone, one class without test clips is left out
    ce = [write_per_class(tmp_path / f"b/ce/seed{s}/per_class.csv", s, absent=2) for s in (0, 1)]
    text = svg_text(
        figures.per_class_f1_figure({"teacher (video)": [], "CE": ce, "DASK": []}, tmp_path / "f1_ce.svg", "berkeley")
    )
    assert "CE" in text and "DASK" not in text and "teacher" not in text
    assert "wave" not in text and "clap" in text
    assert_png(figures.per_class_f1_figure({"CE": ce}, tmp_path / "f1_ce.png", "berkeley"))


def test_read_per_class_mean_and_std(tmp_path):
    paths = [write_per_class(tmp_path / f"seed{s}.csv", s) for s in (0, 1, 2)]
    t = figures.read_per_class(paths)
    f1 = np.stack([pd.read_csv(p)["f1"].to_numpy() for p in paths])
    np.testing.assert_allclose(t["f1_mean"], f1.mean(0))
    np.testing.assert_allclose(t["f1_std"], f1.std(0, ddof=1))
    assert (t["n"] == 3).all()


def test_gaf_examples_grid(tmp_path):
    gaf = write_gaf(tmp_path / "gaf_gasf.h5", missing=1)
    out = figures.gaf_examples_figure(gaf, tmp_path / "fig/gaf_examples.png", "utd", class_names=CLASSES)
    assert_png(out)
    height, width = plt.imread(out).shape[:2]
    assert width > height  # classes laid out as tiles across a screen, not one tall column
    text = svg_text(figures.gaf_examples_figure(gaf, tmp_path / "fig/gaf.svg", "utd", class_names=CLASSES))
    assert "a1_s1_t1" in text and "a1_s1_t2" not in text and "acc_x" in text and "GASF" in text
    assert "swipe right (1)" in text  # a class with no clip keeps its (empty) row
    # many channels are capped, without class names
    many = write_gaf(tmp_path / "fused.h5", channels=18)
    text = svg_text(
        figures.gaf_examples_figure(many, tmp_path / "fig/fused.svg", "berkeley", per_class=2, max_channels=4)
    )
    assert "channels 1-4 of 18" in text and "class 3 (3)" in text and "a4_s1_t2" in text
    no_temporaries(tmp_path / "fig")


def test_same_figure_same_bytes_and_unknown_format(tmp_path):
    hist = [write_history(tmp_path / "seed0/history.csv", 0, ["ce"])]
    a = figures.curves_figure(hist, tmp_path / "a.svg", "t").read_bytes()
    b = figures.curves_figure(hist, tmp_path / "b.svg", "t").read_bytes()
    assert a == b
    with pytest.raises(ValueError, match="png or svg"):
        figures.curves_figure(hist, tmp_path / "a.pdf", "t")
    assert not (tmp_path / "a.pdf").exists()


def _runs_of_factory(sheet: dict[str, list[tuple[str, list[int]]]]):
    def runs_of(dataset, name=None, table=None):
        return [
            SimpleNamespace(name=n, seed=s, label=n.upper(), folder=f"results/{dataset}/runs/{n}/seed{s}")
            for n, seeds in sheet.get(dataset, [])
            for s in seeds
            if name is None or n == name
        ]

    return runs_of


def test_targets_with_and_without_teacher():
    runs_of = _runs_of_factory(
        {"utd": [("ce", [0, 1]), ("dask", [0, 1]), ("kd", [0, 1])], "berkeley": [("ce", [0, 1])]}
    )
    sheet = [{"name": n} for n in ("ce", "kd", "dask", "crd")]
    assert run_names(runs_of, "utd", sheet) == ["ce", "kd", "dask"]
    card = {"student": "dask", "baseline": "ce"}
    utd = figure_paths("results", "utd", run_names(runs_of, "utd", sheet), teacher=True)
    assert "results/figures/utd/curves/kd.svg" in utd and "results/figures/utd/curves_teacher.svg" in utd
    assert {
        "results/figures/utd/confusion.png",
        "results/figures/utd/per_class_f1.svg",
        "results/figures/utd/gaf_examples.png",
    } <= set(utd)
    berkeley = figure_paths("results", "berkeley", run_names(runs_of, "berkeley", sheet), teacher=False)
    assert not any("teacher" in p for p in berkeley)
    files = design_card_files("results", "utd", "confusion.csv", card, 0, runs_of, True)
    assert files == {
        "teacher": ["results/utd/models/teacher/confusion.csv"],
        "baseline": ["results/utd/runs/ce/seed0/confusion.csv"],
        "student": ["results/utd/runs/dask/seed0/confusion.csv"],
    }
    files = design_card_files("results", "berkeley", "per_class.csv", card, 0, runs_of, False, all_seeds=True)
    assert files == {
        "teacher": [],
        "student": [],
        "baseline": [f"results/berkeley/runs/ce/seed{s}/per_class.csv" for s in (0, 1)],
    }
    assert design_card_labels("berkeley", card, runs_of) == {
        "teacher": "teacher (video)",
        "baseline": "CE",
        "student": "dask",
    }
