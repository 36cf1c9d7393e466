"""CE: cross-entropy on the labels, no teacher."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vskd.distill import build_method, get_method


def test_loss_is_cross_entropy_by_hand(zoo):
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5], [-1.0, 3.0, 0.0]], requires_grad=True)
    y = torch.tensor([0, 2, 1])
    s, _ = zoo.outputs(batch=3, student_maps=False)
    s.logits = logits
    method = build_method("ce", {}, zoo.context())
    total, parts = method(s, None, y)
    # log-softmax written out: -log(e^{z_y} / sum_j e^{z_j})
    z = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5], [-1.0, 3.0, 0.0]])
    expected = np.mean([-(z[i, k] - np.log(np.exp(z[i]).sum())) for i, k in enumerate([0, 2, 1])])
    assert set(parts) == {"ce"}
    assert total.item() == pytest.approx(expected, rel=1e-6)
    assert parts["ce"].item() == pytest.approx(
        np.log(3) / 3 + (np.log(1 + np.exp(-2) + np.exp(-3)) + np.log(1 + np.exp(-4) + np.exp(-3))) / 3, rel=1e-6
    )


def test_no_teacher_gradient_reaches_student(zoo):
    method = build_method("ce", {}, zoo.context())
    assert not method.needs_teacher and get_method("ce").teacher_fields == frozenset()
    s, _ = zoo.outputs(student_maps=False)
    total, _ = method(s, None, zoo.labels())
    total.backward()
    assert s.logits.grad is not None and s.logits.grad.abs().sum() > 0
    assert list(method.parameters()) == []


def test_weight_zero_leaves_nothing_to_train(zoo):
    method = build_method("ce", {"ce": 0.0}, zoo.context())
    s, _ = zoo.outputs(student_maps=False)
    with pytest.raises(ValueError, match="every term has weight 0"):
        method(s, None, zoo.labels())


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("ce")
