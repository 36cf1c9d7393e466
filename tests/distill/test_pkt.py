"""PKT: conditional probabilities from (cos + 1)/2 of the pooled features, KL(teacher || student)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vskd.distill import build_method, get_method


def np_probabilities(f):
    c = f @ f.T / np.outer(np.linalg.norm(f, axis=1), np.linalg.norm(f, axis=1))
    k = (c + 1) / 2
    return k / k.sum(1, keepdims=True)


def test_declares_what_it_reads():
    cls = get_method("pkt")
    assert cls.teacher_fields == frozenset({"pooled"}) and not cls.student_maps
    assert cls.defaults == {"pkt": 30000.0}


def test_loss_by_hand(zoo):
    method = build_method("pkt", {}, zoo.context())
    s, t = zoo.outputs(batch=3, student_maps=False, teacher_maps=False)
    total, parts = method(s, t, zoo.labels(3))
    ps, pt = np_probabilities(zoo.np(s.pooled)), np_probabilities(zoo.np(t.pooled))
    expected = (pt * np.log(pt / ps)).mean()  # mean over the 3 x 3 entries
    assert parts["pkt"].item() == pytest.approx(expected, rel=1e-3)
    ce = zoo.np_ce(zoo.np(s.logits), zoo.labels(3).numpy())
    assert total.item() == pytest.approx(ce + 30000 * expected, rel=1e-3)


def test_two_clips_written_out():
    from vskd.distill.methods.pkt import pkt_loss

    # student: orthogonal -> cos 0 -> k 1/2 off-diagonal, 1 diagonal -> rows (2/3, 1/3)
    # teacher: identical -> k 1 everywhere -> rows (1/2, 1/2)
    s = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    t = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    expected = 2 * (0.5 * np.log(0.5 / (2 / 3)) + 0.5 * np.log(0.5 / (1 / 3))) / 4
    assert pkt_loss(s, t).item() == pytest.approx(expected, rel=1e-5)


def test_zero_when_geometry_matches(zoo):
    method = build_method("pkt", {}, zoo.context())
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    t.pooled = torch.cat([s.pooled.detach() * 3.0, torch.zeros(4, 2)], 1)  # same cosines
    assert abs(method(s, t, zoo.labels())[1]["pkt"].item()) < 1e-6


def test_gradients_reach_student_never_teacher(zoo):
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    zoo.check_gradients(build_method("pkt", {}, zoo.context()), s, t, [s.logits, s.pooled])


def test_weight_zero_removes_term(zoo):
    zoo.check_weight_zero("pkt", "pkt")


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("pkt")
