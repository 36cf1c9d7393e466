"""SP: row-normalised batch Gram matrices of the last stage maps, ||G_t - G_s||_F^2 / B^2."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vskd.distill import build_method, get_method


def np_gram(f):
    f = f.reshape(len(f), -1)
    g = f @ f.T
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def test_declares_what_it_reads():
    cls = get_method("sp")
    assert cls.teacher_fields == frozenset({"maps"}) and cls.student_maps
    assert cls.defaults == {"sp": 3000.0}


def test_loss_by_hand(zoo):
    method = build_method("sp", {}, zoo.context())
    s, t = zoo.outputs(batch=3)
    total, parts = method(s, t, zoo.labels(3))
    gs, gt = np_gram(zoo.np(s.maps[-1])), np_gram(zoo.np(t.maps[-1]))  # (5, 1, 1) vs (6, 2, 2)
    expected = ((gt - gs) ** 2).sum() / 9
    assert parts["sp"].item() == pytest.approx(expected, rel=1e-4)
    ce = zoo.np_ce(zoo.np(s.logits), zoo.labels(3).numpy())
    assert total.item() == pytest.approx(ce + 3000 * expected, rel=1e-4)


def test_two_clips_written_out():
    from vskd.distill import DistillContext, NetSpec
    from vskd.models.outputs import NetOutput

    z = torch.zeros(2, 1)
    s = NetOutput(torch.zeros(2, 2), z, z, None, [torch.tensor([[1.0, 0.0], [0.0, 1.0]]).view(2, 2, 1, 1)])
    t = NetOutput(torch.zeros(2, 2), z, z, None, [torch.tensor([[1.0], [1.0]]).view(2, 1, 1, 1)])
    # G_s = I (rows already unit); G_t = [[1, 1], [1, 1]] -> rows (1, 1)/sqrt(2)
    r = 1 / 2**0.5
    expected = 2 * ((r - 1) ** 2 + r**2) / 4
    parts = build_method("sp", {"ce": 0}, DistillContext(NetSpec(2, 1, 1), NetSpec(2, 1, 1)))(
        s, t, torch.tensor([0, 1])
    )[1]
    assert parts["sp"].item() == pytest.approx(expected, rel=1e-6)


def test_gradients_reach_student_last_stage_never_teacher(zoo):
    s, t = zoo.outputs()
    zoo.check_gradients(build_method("sp", {}, zoo.context()), s, t, [s.logits, s.maps[-1]])


def test_weight_zero_removes_term(zoo):
    zoo.check_weight_zero("sp", "sp")


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("sp")
