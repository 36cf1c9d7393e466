"""CC: linear 128-d embeddings of the pooled features, L2-normalised, Taylor-RBF correlation matrices."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vskd.distill import build_method, get_method


def np_kernel(e, gamma=0.4, order=2):
    dot = e @ e.T
    return math.exp(-2 * gamma) * sum((2 * gamma) ** p / math.factorial(p) * dot**p for p in range(order + 1))


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_declares_what_it_reads():
    cls = get_method("cc")
    assert cls.teacher_fields == frozenset({"pooled"}) and not cls.student_maps
    assert cls.defaults == {"cc": 0.02, "feat_dim": 128, "gamma": 0.4, "order": 2}


def test_embeddings_are_128_d_connectors(zoo):
    method = build_method("cc", {}, zoo.context())
    assert (method.embed_s.in_features, method.embed_s.out_features) == (6, 128)
    assert (method.embed_t.in_features, method.embed_t.out_features) == (8, 128)


def test_loss_by_hand(zoo):
    method = build_method("cc", {"feat_dim": 3}, zoo.context())
    s, t = zoo.outputs(batch=3, student_maps=False, teacher_maps=False)
    total, parts = method(s, t, zoo.labels(3))
    e_s = unit(zoo.np(s.pooled) @ zoo.np(method.embed_s.weight).T + zoo.np(method.embed_s.bias))
    e_t = unit(zoo.np(t.pooled) @ zoo.np(method.embed_t.weight).T + zoo.np(method.embed_t.bias))
    expected = ((np_kernel(e_t) - np_kernel(e_s)) ** 2).sum() / 9
    assert parts["cc"].item() == pytest.approx(expected, rel=1e-4)
    ce = zoo.np_ce(zoo.np(s.logits), zoo.labels(3).numpy())
    assert total.item() == pytest.approx(ce + 0.02 * expected, rel=1e-4)


def test_taylor_kernel_approaches_the_gaussian_rbf_on_unit_vectors():
    from vskd.distill.methods.cc import taylor_rbf

    e = torch.nn.functional.normalize(torch.randn(5, 4, dtype=torch.float64), dim=1)
    exact = torch.exp(-0.4 * torch.cdist(e, e) ** 2)
    assert torch.allclose(taylor_rbf(e, 0.4, 12), exact, atol=1e-9)
    assert (taylor_rbf(e, 0.4, 2) - exact).abs().max() < 0.05


def test_gradients_reach_student_and_both_embeddings_never_teacher(zoo):
    method = build_method("cc", {}, zoo.context())
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    zoo.check_gradients(method, s, t, [s.logits, s.pooled])
    assert method.embed_t.weight.grad.abs().sum() > 0


def test_weight_zero_removes_term_and_embeddings(zoo):
    zoo.check_weight_zero("cc", "cc")
    assert list(build_method("cc", {"cc": 0}, zoo.context()).parameters()) == []


@pytest.mark.parametrize("params", [{"feat_dim": 0}, {"feat_dim": 2.5}, {"order": -1}, {"gamma": 0}])
def test_bad_values_are_errors(zoo, params):
    with pytest.raises(ValueError, match=next(iter(params))):
        build_method("cc", params, zoo.context())


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("cc")
