"""VID: per-stage 1x1 conv regressors of the teacher maps' mean, learned per-channel variance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vskd.distill import build_method, get_method


def test_declares_what_it_reads():
    cls = get_method("vid")
    assert cls.teacher_fields == frozenset({"maps"}) and cls.student_maps
    assert cls.defaults == {"vid": 1.0, "init_var": 5.0, "eps": 1e-5}


def test_regressors_per_stage_and_initial_variance(zoo):
    method = build_method("vid", {}, zoo.context())
    assert len(method.regressors) == 4
    for r, cs, ct in zip(method.regressors, zoo.S_CH, zoo.T_CH):
        convs = [m for m in r.modules() if isinstance(m, torch.nn.Conv2d)]
        assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [
            (cs, ct, (1, 1)),
            (ct, ct, (1, 1)),
            (ct, ct, (1, 1)),
        ]
        assert torch.allclose(r.variance(), torch.full((ct,), 5.0))


def test_loss_by_hand(zoo):
    method = build_method("vid", {}, zoo.context())
    s, t = zoo.outputs()
    with torch.no_grad():
        for r in method.regressors:
            r.alpha.copy_(torch.linspace(-1.0, 2.0, len(r.alpha)))
    total, parts = method(s, t, zoo.labels())
    expected = 0.0
    for r, fs, ft in zip(method.regressors, s.maps, t.maps):
        xs, xt = zoo.common_grid(zoo.np(fs), zoo.np(ft))
        w = [zoo.np(c.weight)[:, :, 0, 0] for c in r.modules() if isinstance(c, torch.nn.Conv2d)]
        h = np.maximum(np.einsum("oc,bchw->bohw", w[0], xs), 0)
        h = np.maximum(np.einsum("oc,bchw->bohw", w[1], h), 0)
        mu = np.einsum("oc,bchw->bohw", w[2], h)
        alpha = zoo.np(r.alpha)
        var = (np.log1p(np.exp(alpha)) + 1e-5)[None, :, None, None]
        expected += (0.5 * ((mu - xt) ** 2 / var + np.log(var))).mean()
    assert parts["vid"].item() == pytest.approx(expected, rel=1e-4)
    ce = zoo.np_ce(zoo.np(s.logits), zoo.labels().numpy())
    assert total.item() == pytest.approx(ce + expected, rel=1e-4)


def test_gradients_reach_student_regressors_and_variances_never_teacher(zoo):
    method = build_method("vid", {}, zoo.context())
    with torch.no_grad():  # with 2-3 channels a random ReLU chain can be dead: keep it alive
        for p in method.regressors.parameters():
            p.abs_()
    s, t = zoo.outputs()
    zoo.check_gradients(method, s, t, [s.logits, *s.maps])
    assert all(r.alpha.grad.abs().sum() > 0 for r in method.regressors)


def test_weight_zero_removes_term_and_regressors(zoo):
    zoo.check_weight_zero("vid", "vid")
    assert list(build_method("vid", {"vid": 0}, zoo.context()).parameters()) == []


@pytest.mark.parametrize("params", [{"eps": 0}, {"init_var": -1}, {"init_var": 1e-6}])
def test_bad_values_are_errors(zoo, params):
    with pytest.raises(ValueError, match="init_var|eps"):
        build_method("vid", params, zoo.context())


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("vid")
