"""FitNet: 1x1 conv + BN + ReLU regressor on student stage ``hint_layer`` -> teacher channels, MSE."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vskd.distill import build_method, get_method


def test_declares_what_it_reads():
    cls = get_method("fitnet")
    assert cls.teacher_fields == frozenset({"maps"}) and cls.student_maps
    assert cls.defaults == {"hint": 100.0, "hint_layer": 2}


def test_loss_by_hand(zoo):
    method = build_method("fitnet", {}, zoo.context())
    conv, bn = method.regressor[0], method.regressor[1]
    assert (conv.in_channels, conv.out_channels, conv.kernel_size) == (4, 5, (1, 1))
    w = torch.linspace(-1, 1, 20).view(5, 4, 1, 1)
    with torch.no_grad():
        conv.weight.copy_(w)
    s, t = zoo.outputs()
    total, parts = method(s, t, zoo.labels())
    # stage 2: student (4, 4, 4, 4) pooled to the teacher's 2x2 grid, then the regressor
    xs = zoo.block_mean(zoo.np(s.maps[2]), (2, 2))  # (B, 4, 2, 2)
    y = np.einsum("oc,bchw->bohw", w.view(5, 4).double().numpy(), xs)
    mean = y.mean((0, 2, 3), keepdims=True)
    var = y.var((0, 2, 3), keepdims=True)  # biased, as BN in training
    y = np.maximum((y - mean) / np.sqrt(var + bn.eps), 0)  # BN (gamma 1, beta 0), ReLU
    hint = ((y - zoo.np(t.maps[2])) ** 2).mean()
    assert parts["hint"].item() == pytest.approx(hint, rel=1e-4)
    ce = zoo.np_ce(zoo.np(s.logits), zoo.labels().numpy())
    assert total.item() == pytest.approx(ce + 100 * hint, rel=1e-4)


def test_teacher_map_larger_is_pooled_to_the_student_grid(zoo):
    method = build_method("fitnet", {"hint_layer": 1}, zoo.context())  # student 2x2, teacher 4x4
    s, t = zoo.outputs()
    with torch.no_grad():
        method.regressor[0].weight.fill_(0.1)
    out = method.regressor(s.maps[1])
    expected = ((zoo.np(out) - zoo.block_mean(zoo.np(t.maps[1]), (2, 2))) ** 2).mean()
    assert method(s, t, zoo.labels())[1]["hint"].item() == pytest.approx(expected, rel=1e-4)


def test_gradients_reach_student_and_regressor_never_teacher(zoo):
    method = build_method("fitnet", {}, zoo.context())
    names = {n for n, _ in method.named_parameters()}
    assert {"regressor.0.weight", "regressor.1.weight", "regressor.1.bias"} <= names
    s, t = zoo.outputs()
    zoo.check_gradients(method, s, t, [s.logits, s.maps[2]])
    assert all(m.grad is None for i, m in enumerate(s.maps) if i != 2)


def test_weight_zero_removes_term_and_regressor(zoo):
    zoo.check_weight_zero("fitnet", "hint")
    assert list(build_method("fitnet", {"hint": 0}, zoo.context()).parameters()) == []


@pytest.mark.parametrize("bad", [4, -1, 1.5, "2", True])
def test_hint_layer_must_be_a_stage(zoo, bad):
    with pytest.raises(ValueError, match="hint_layer"):
        build_method("fitnet", {"hint_layer": bad}, zoo.context())


def test_integral_float_hint_layer_accepted(zoo):
    assert build_method("fitnet", {"hint_layer": 0.0}, zoo.context()).regressor[0].in_channels == 2


def test_needs_stage_channels_and_maps(zoo):
    from vskd.distill import DistillContext, NetSpec

    with pytest.raises(ValueError, match="channel"):
        build_method("fitnet", {}, DistillContext(NetSpec(3, 5, 6), NetSpec(3, 7, 8)))
    s, t = zoo.outputs(teacher_maps=False)
    with pytest.raises(ValueError, match="stage map"):
        build_method("fitnet", {}, zoo.context())(s, t, zoo.labels())


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("fitnet")
