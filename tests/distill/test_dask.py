"""DASK (VSKD): CE + 0.01 KD(T=4) + distance + angle + semantic MSE on the fc0 embeddings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vskd.distill import DistillContext, NetSpec, build_method


def np_kd(s, t, T):
    soft = lambda z: np.exp(z / T - (z / T).max(1, keepdims=True))  # noqa: E731
    p_s = soft(s) / soft(s).sum(1, keepdims=True)
    p_t = soft(t) / soft(t).sum(1, keepdims=True)
    return (p_t * np.log(p_t / p_s)).sum(1).mean() * T * T


def same_dim_context() -> DistillContext:
    return DistillContext(NetSpec(3, 5, 6), NetSpec(3, 5, 8))


def test_loss_by_hand_with_equal_embedding_sizes(zoo):
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    t.embedding = torch.randn(4, 5, requires_grad=True)
    method = build_method("dask", {}, same_dim_context())
    assert isinstance(method.project, torch.nn.Identity)
    total, parts = method(s, t, zoo.labels())
    es, et = zoo.np(s.embedding), zoo.np(t.embedding)
    expected = {
        "ce": zoo.np_ce(zoo.np(s.logits), zoo.labels().numpy()),
        "kd": np_kd(zoo.np(s.logits), zoo.np(t.logits), 4.0),
        "distance": zoo.huber(zoo.rkd_distances(es), zoo.rkd_distances(et)),
        "angle": zoo.huber(zoo.rkd_angles(es), zoo.rkd_angles(et)),
        "semantic": ((es - et) ** 2).mean(),
    }
    assert set(parts) == set(expected)
    for k, v in expected.items():
        assert parts[k].item() == pytest.approx(v, rel=1e-4), k
    weights = {"ce": 1.0, "kd": 0.01, "distance": 1.0, "angle": 1.0, "semantic": 1.0}
    assert total.item() == pytest.approx(sum(weights[k] * v for k, v in expected.items()), rel=1e-4)


def test_projection_when_sizes_differ_trains_and_teacher_gets_no_gradient(zoo):
    method = build_method("dask", {}, zoo.context())
    assert isinstance(method.project, torch.nn.Linear)
    assert method.project.in_features == 5 and method.project.out_features == 7
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    zoo.check_gradients(method, s, t, [s.logits, s.embedding])


@pytest.mark.parametrize("term", ["kd", "distance", "angle", "semantic"])
def test_weight_zero_removes_term(zoo, term):
    zoo.check_weight_zero("dask", term)


def test_distance_and_angle_only_ablation(zoo):
    method = build_method("dask", {"kd": 0, "semantic": 0}, zoo.context())
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    assert set(method(s, t, zoo.labels())[1]) == {"ce", "distance", "angle"}


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("dask")


def test_teacher_fc0_relu_option_compares_with_what_the_relation_module_reads(zoo):
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    t.embedding = torch.randn(4, 5)
    raw = build_method("dask", {}, same_dim_context())
    relu = build_method("dask", {"teacher_fc0": "relu"}, same_dim_context())
    es, et = zoo.np(s.embedding), zoo.np(t.embedding)
    assert raw(s, t, zoo.labels())[1]["semantic"].item() == pytest.approx(((es - et) ** 2).mean(), rel=1e-5)
    got = relu(s, t, zoo.labels())[1]
    assert got["semantic"].item() == pytest.approx(((es - np.maximum(et, 0)) ** 2).mean(), rel=1e-5)
    assert got["distance"].item() == pytest.approx(
        zoo.huber(zoo.rkd_distances(es), zoo.rkd_distances(np.maximum(et, 0))), rel=1e-4
    )
    with pytest.raises(ValueError, match="teacher_fc0 must be 'raw' or 'relu'"):
        build_method("dask", {"teacher_fc0": "sigmoid"}, same_dim_context())
