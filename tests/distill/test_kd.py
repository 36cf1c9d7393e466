"""KD (Hinton et al.): T^2 KL(teacher || student) at temperature T, CE 0.1 + KD 0.9 by default."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vskd.distill import build_method


def np_softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def test_loss_by_hand(zoo):
    s, t = zoo.outputs(batch=2, student_maps=False, teacher_maps=False)
    s.logits = torch.tensor([[1.0, 0.0, -1.0], [0.0, 2.0, 1.0]], requires_grad=True)
    t.logits = torch.tensor([[3.0, 1.0, 0.0], [0.0, 0.0, 4.0]], requires_grad=True)
    y = torch.tensor([0, 2])
    method = build_method("kd", {}, zoo.context())
    total, parts = method(s, t, y)
    T = 4.0
    p_t = np_softmax(zoo.np(t.logits) / T)
    p_s = np_softmax(zoo.np(s.logits) / T)
    kl = (p_t * (np.log(p_t) - np.log(p_s))).sum(1).mean() * T * T
    assert parts["kd"].item() == pytest.approx(kl, rel=1e-5)
    ce = zoo.np_ce(zoo.np(s.logits), y.numpy())
    assert parts["ce"].item() == pytest.approx(ce, rel=1e-5)
    assert total.item() == pytest.approx(0.1 * ce + 0.9 * kl, rel=1e-5)


def test_identical_logits_give_zero_and_different_positive(zoo):
    method = build_method("kd", {"temperature": 2.0}, zoo.context())
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    t.logits = s.logits.detach().clone()
    assert method(s, t, zoo.labels())[1]["kd"].abs().item() < 1e-6
    s2, t2 = zoo.outputs(seed=1, student_maps=False, teacher_maps=False)
    assert method(s2, t2, zoo.labels())[1]["kd"].item() > 0


def test_gradients_reach_student_never_teacher(zoo):
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    zoo.check_gradients(build_method("kd", {}, zoo.context()), s, t, [s.logits])


def test_weight_zero_removes_term(zoo):
    zoo.check_weight_zero("kd", "kd")


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("kd")
