"""RKD (Park et al.): distance- and angle-wise relations of the pooled features (weights 25 / 50, RepDistiller)."""

from __future__ import annotations

import pytest
import torch

from vskd.distill import build_method


def test_loss_by_hand(zoo):
    s, t = zoo.outputs(batch=4, student_maps=False, teacher_maps=False)
    method = build_method("rkd", {}, zoo.context())
    total, parts = method(s, t, zoo.labels())
    ps, pt = zoo.np(s.pooled), zoo.np(t.pooled)
    dist = zoo.huber(zoo.rkd_distances(ps), zoo.rkd_distances(pt))
    ang = zoo.huber(zoo.rkd_angles(ps), zoo.rkd_angles(pt))
    assert parts["distance"].item() == pytest.approx(dist, rel=1e-4)
    assert parts["angle"].item() == pytest.approx(ang, rel=1e-4)
    ce = zoo.np_ce(zoo.np(s.logits), zoo.labels().numpy())
    assert total.item() == pytest.approx(ce + 25.0 * dist + 50.0 * ang, rel=1e-4)


def test_reads_pooled_features_of_any_dimensions(zoo):
    method = build_method("rkd", {}, zoo.context())
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    t.pooled = (s.pooled.detach() @ torch.randn(6, 8)).requires_grad_()  # other dims, other geometry
    parts = method(s, t, zoo.labels())[1]
    assert parts["distance"] > 0 and parts["angle"] > 0


def test_gradients_reach_student_never_teacher(zoo):
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    zoo.check_gradients(build_method("rkd", {}, zoo.context()), s, t, [s.pooled])


@pytest.mark.parametrize("term", ["distance", "angle"])
def test_weight_zero_removes_term(zoo, term):
    zoo.check_weight_zero("rkd", term)


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("rkd")
