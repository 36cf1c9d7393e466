"""NST: squared MMD, polynomial kernel (d = 2, c = 0), of L2-normalised channels, four stage pairs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vskd.distill import build_method, get_method


def np_mmd(fs, ft):
    """Per clip: mean k(t,t) + mean k(s,s) - 2 mean k(s,t), k(x,y) = (x.y)^2; batch mean."""
    out = []
    for a, b in zip(fs, ft):
        a = a.reshape(len(a), -1)
        b = b.reshape(len(b), -1)
        a = a / np.linalg.norm(a, axis=1, keepdims=True)
        b = b / np.linalg.norm(b, axis=1, keepdims=True)
        k = lambda x, y: ((x @ y.T) ** 2).mean()  # noqa: E731
        out.append(k(b, b) + k(a, a) - 2 * k(a, b))
    return float(np.mean(out))


def test_declares_what_it_reads():
    cls = get_method("nst")
    assert cls.teacher_fields == frozenset({"maps"}) and cls.student_maps
    assert cls.defaults == {"nst": 50.0}


def test_loss_by_hand(zoo):
    method = build_method("nst", {}, zoo.context())
    s, t = zoo.outputs()
    total, parts = method(s, t, zoo.labels())
    expected = sum(np_mmd(*zoo.common_grid(zoo.np(fs), zoo.np(ft))) for fs, ft in zip(s.maps, t.maps))
    assert parts["nst"].item() == pytest.approx(expected, rel=1e-4)
    ce = zoo.np_ce(zoo.np(s.logits), zoo.labels().numpy())
    assert total.item() == pytest.approx(ce + 50 * expected, rel=1e-4)


def test_one_clip_written_out():
    from vskd.distill.methods.nst import nst_mmd

    # student: one channel (1, 0); teacher: channels (1, 0) and (0, 1)
    # k(s,s) = 1; k(t,t) = mean(1, 0, 0, 1) = 1/2; k(s,t) = mean(1, 0) = 1/2
    s = torch.tensor([1.0, 0.0]).view(1, 1, 1, 2)
    t = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).view(1, 2, 1, 2)
    assert nst_mmd(s, t).item() == pytest.approx(1 + 0.5 - 1.0)


def test_zero_for_the_same_channel_set_and_positive_otherwise(zoo):
    method = build_method("nst", {}, zoo.context())
    s, t = zoo.outputs()
    t.maps = [torch.cat([fs.detach(), fs.detach()], 1) * 2.0 for fs in s.maps]  # same channels twice
    assert abs(method(s, t, zoo.labels())[1]["nst"].item()) < 1e-6
    s2, t2 = zoo.outputs(seed=3)
    assert method(s2, t2, zoo.labels())[1]["nst"].item() > 0


def test_gradients_reach_student_never_teacher(zoo):
    s, t = zoo.outputs()
    # the last stage pair meets on a 1x1 grid where every normalised channel is 1: no signal there
    zoo.check_gradients(build_method("nst", {}, zoo.context()), s, t, [s.logits, *s.maps[:3]])


def test_weight_zero_removes_term(zoo):
    zoo.check_weight_zero("nst", "nst")


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("nst")
