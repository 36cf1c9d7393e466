"""Evaluation metrics and provenance of every metrics file.

Reported: accuracy and macro precision / recall / F1 over classes (per-class F1 averaged; not the
released VSKD "F-measure", which was a harmonic mean of accuracy and a retrieval Recall@1), plus
per-class scores and the confusion matrix in side files. Computed from the confusion matrix with
numpy (scikit-learn's definitions, zero_division=0; ``tests/test_metrics.py`` compares the two):
importing ``sklearn.metrics`` added a second to every training job's start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import code_version


def confusion_counts(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """(true x predicted) counts over classes ``0 .. num_classes - 1``."""
    labels, predictions = np.asarray(labels, dtype=np.int64), np.asarray(predictions, dtype=np.int64)
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} outside 0..{num_classes - 1}")
    flat = np.bincount(labels * num_classes + predictions, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0 (scikit-learn's zero_division=0)."""
    return np.divide(num, den, out=np.zeros(num.shape, dtype=float), where=den > 0)


def classification_metrics(
    labels: np.ndarray, predictions: np.ndarray, class_names: Sequence[str]
) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame]:
    """(summary, per-class table, confusion matrix) over all ``class_names`` (absent ones get 0;
    the macro averages are over the classes present in ``labels``)."""
    classes = np.arange(len(class_names))
    cm = confusion_counts(labels, predictions, len(class_names))
    tp, support, predicted = np.diag(cm).astype(float), cm.sum(1), cm.sum(0)
    p, r = _ratio(tp, predicted.astype(float)), _ratio(tp, support.astype(float))
    f = _ratio(2 * p * r, p + r)
    present = support > 0
    summary = {
        "accuracy": float((np.asarray(labels) == np.asarray(predictions)).mean()),
        "macro_precision": float(p[present].mean()),
        "macro_recall": float(r[present].mean()),
        "macro_f1": float(f[present].mean()),
        "n_test": int(len(labels)),
    }
    per_class = pd.DataFrame(
        {"label": classes, "class_name": list(class_names), "precision": p, "recall": r, "f1": f, "support": support}
    )
    confusion = pd.DataFrame(cm, index=pd.Index(list(class_names), name="true"), columns=list(class_names))
    return summary, per_class, confusion


def provenance(eff: dict[str, Any], model: str, config_digest: str, **extra: Any) -> dict[str, Any]:
    """Where a number comes from: dataset, real or synthetic data, split, seed, config, code."""
    source = eff["dataset"]["source"]
    return {
        "dataset": eff["name"],
        "model": model,
        "data_source": "synthetic" if source == "synthetic" else "real",
        "source": source,
        "split": eff["dataset"]["split"],
        "seed": eff["seed"],
        "config_hash": config_digest,
        "code_version": code_version(),
        **extra,
    }
