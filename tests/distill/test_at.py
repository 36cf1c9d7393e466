"""AT: L2-normalised channel mean of |A|^2 per stage, squared difference, four stage pairs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vskd.distill import build_method, get_method


def np_attention(f, p=2.0):
    a = (np.abs(f) ** p).mean(1).reshape(len(f), -1)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def test_declares_what_it_reads():
    cls = get_method("at")
    assert cls.teacher_fields == frozenset({"maps"}) and cls.student_maps
    assert cls.defaults == {"at": 1000.0, "p": 2.0}


def test_loss_by_hand(zoo):
    method = build_method("at", {}, zoo.context())
    s, t = zoo.outputs()
    total, parts = method(s, t, zoo.labels())
    expected = 0.0
    for fs, ft in zip(s.maps, t.maps):
        a, b = zoo.common_grid(zoo.np(fs), zoo.np(ft))  # pool the larger map to the smaller grid
        expected += ((np_attention(a) - np_attention(b)) ** 2).mean()
    assert parts["at"].item() == pytest.approx(expected, rel=1e-4)
    ce = zoo.np_ce(zoo.np(s.logits), zoo.labels().numpy())
    assert total.item() == pytest.approx(ce + 1000 * expected, rel=1e-4)


def test_tiny_map_written_out():
    # one stage, one clip pair of 1 channel 1x2 and 2 channels 1x2: a_s = (1, 2)/sqrt(5) ...
    from vskd.distill import DistillContext, NetSpec
    from vskd.models.outputs import NetOutput

    s = NetOutput(torch.zeros(1, 2), torch.zeros(1, 1), torch.zeros(1, 1), None, [torch.tensor([[[[1.0, 2.0**0.5]]]])])
    t = NetOutput(
        torch.zeros(1, 2), torch.zeros(1, 1), torch.zeros(1, 1), None, [torch.tensor([[[[1.0, 0.0]], [[1.0, 0.0]]]])]
    )
    ctx = DistillContext(NetSpec(2, 1, 1), NetSpec(2, 1, 1))
    # student: mean_c |A|^2 = (1, 2) -> (1, 2)/sqrt(5); teacher: (1, 0) -> (1, 0)
    expected = ((1 / 5**0.5 - 1) ** 2 + (2 / 5**0.5) ** 2) / 2
    parts = build_method("at", {"ce": 0}, ctx)(s, t, torch.tensor([0]))[1]
    assert parts["at"].item() == pytest.approx(expected, rel=1e-5)


def test_attention_ignores_channel_count_and_scale(zoo):
    method = build_method("at", {}, zoo.context())
    s, t = zoo.outputs()
    # teacher maps: the student's squared activations spread over other channel counts, scaled
    t.maps = [torch.cat([fs.detach()] * 3, 1) * 7.0 for fs in s.maps]
    assert method(s, t, zoo.labels())[1]["at"].item() < 1e-10


def test_gradients_reach_student_never_teacher(zoo):
    s, t = zoo.outputs()
    # the last stage pair meets on a 1x1 grid, where a normalised attention map is constant 1
    zoo.check_gradients(build_method("at", {}, zoo.context()), s, t, [s.logits, *s.maps[:3]])


def test_weight_zero_removes_term(zoo):
    zoo.check_weight_zero("at", "at")


@pytest.mark.parametrize("bad", [0, -2, "2"])
def test_p_must_be_positive(zoo, bad):
    with pytest.raises(ValueError, match="p must be"):
        build_method("at", {"p": bad}, zoo.context())


def test_missing_or_unequal_maps_are_errors(zoo):
    method = build_method("at", {}, zoo.context())
    s, t = zoo.outputs(student_maps=False)
    with pytest.raises(ValueError, match="stage maps"):
        method(s, t, zoo.labels())
    s, t = zoo.outputs()
    t.maps = t.maps[:3]
    with pytest.raises(ValueError, match="stage maps"):
        method(s, t, zoo.labels())


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("at")
