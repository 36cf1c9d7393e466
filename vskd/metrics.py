"""Evaluation metrics and provenance of every metrics file.

Reported: accuracy and macro precision / recall / F1 over classes (per-class F1 averaged; not the
released VSKD "F-measure", which was a harmonic mean of accuracy and a retrieval Recall@1), plus
per-class scores and the confusion matrix in side files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from . import code_version


def classification_metrics(
    labels: np.ndarray, predictions: np.ndarray, class_names: Sequence[str]
) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame]:
    """(summary, per-class table, confusion matrix) over all ``class_names`` (absent ones get 0)."""
    classes = np.arange(len(class_names))
    p, r, f, support = precision_recall_fscore_support(labels, predictions, labels=classes, zero_division=0)
    present = support > 0
    summary = {
        "accuracy": float((labels == predictions).mean()),
        "macro_precision": float(p[present].mean()),
        "macro_recall": float(r[present].mean()),
        "macro_f1": float(f[present].mean()),
        "n_test": int(len(labels)),
    }
    per_class = pd.DataFrame(
        {"label": classes, "class_name": list(class_names), "precision": p, "recall": r, "f1": f, "support": support}
    )
    cm = confusion_matrix(labels, predictions, labels=classes)
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
