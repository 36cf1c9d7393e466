"""The metrics vskd reports agree with scikit-learn's definitions (zero_division=0)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from vskd.metrics import classification_metrics


@pytest.mark.parametrize("seed", range(5))
def test_classification_metrics_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    names = [f"c{i}" for i in range(7)]
    labels = rng.integers(0, 6, 60)  # class 6 never occurs: absent from the macro averages
    predictions = np.where(rng.random(60) < 0.6, labels, rng.integers(0, 7, 60))
    summary, per_class, confusion = classification_metrics(labels, predictions, names)
    classes = np.arange(7)
    p, r, f, support = precision_recall_fscore_support(labels, predictions, labels=classes, zero_division=0)
    np.testing.assert_allclose(per_class.precision, p)
    np.testing.assert_allclose(per_class.recall, r)
    np.testing.assert_allclose(per_class.f1, f)
    np.testing.assert_array_equal(per_class.support, support)
    np.testing.assert_array_equal(confusion.to_numpy(), confusion_matrix(labels, predictions, labels=classes))
    present = support > 0
    assert summary["macro_f1"] == pytest.approx(f[present].mean())
    assert summary["macro_precision"] == pytest.approx(p[present].mean())
    assert summary["accuracy"] == pytest.approx((labels == predictions).mean())
    assert summary["n_test"] == 60


def test_a_label_outside_the_classes_is_refused():
    with pytest.raises(ValueError, match="predictions outside 0..2"):
        classification_metrics(np.array([0, 1]), np.array([0, 3]), ["a", "b", "c"])
