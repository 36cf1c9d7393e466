"""Shared loss functions: soft targets and RKD relations (moved from the former test_losses.py)."""

from __future__ import annotations

import torch

from vskd.distill.functional import normalised_distances, rkd_angle, rkd_distance, soft_target_kl


def test_soft_target_zero_for_identical_logits_and_positive_otherwise():
    torch.manual_seed(0)
    logits = torch.randn(8, 5)
    assert soft_target_kl(logits, logits.clone(), 4.0).abs() < 1e-6
    assert soft_target_kl(logits, torch.randn(8, 5), 4.0) > 0


def test_rkd_distance_finite_when_every_distance_is_zero():
    same = torch.ones(5, 3).requires_grad_()  # a collapsed student: identical embeddings
    teacher = torch.randn(5, 4)
    for s, t in ((same, teacher), (same, torch.ones(5, 4)), (torch.randn(5, 3, requires_grad=True), torch.ones(5, 4))):
        loss = rkd_distance(s, t)
        assert torch.isfinite(loss)
        loss.backward()
        assert torch.isfinite(s.grad).all()
        s.grad = None
    assert torch.isfinite(normalised_distances(torch.zeros(4, 2))).all()
    assert torch.isfinite(rkd_angle(same, teacher))


def test_relational_terms_are_scale_invariant_and_dimension_agnostic():
    torch.manual_seed(0)
    t = torch.randn(10, 64)
    s = t * 5.0  # same geometry, another scale
    assert rkd_distance(s, t) < 1e-6
    assert rkd_angle(s, t) < 1e-6
    other = torch.randn(10, 16)
    assert rkd_distance(other, t) > 0
    assert rkd_angle(other, t) > 0


def test_relational_terms_give_the_teacher_no_gradient():
    s = torch.randn(6, 8, requires_grad=True)
    t = torch.randn(6, 12, requires_grad=True)
    (rkd_distance(s, t) + rkd_angle(s, t)).backward()
    assert t.grad is None and s.grad.abs().sum() > 0
