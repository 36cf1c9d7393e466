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


def test_distances_are_normalised_by_the_mean_over_all_off_diagonal_pairs():
    torch.manual_seed(0)
    e = torch.randn(16, 8)
    e[3] = e[7]  # a duplicated pair (ReLU fc0 rows can coincide): it stays in the mean
    d = torch.cdist(e.double(), e.double()).clamp_min(1e-6).fill_diagonal_(0)
    expected = d / d[~torch.eye(16, dtype=torch.bool)].mean()
    torch.testing.assert_close(normalised_distances(e).double(), expected, rtol=1e-4, atol=1e-5)
    t = torch.randn(16, 4)
    want = torch.nn.functional.smooth_l1_loss(expected.float(), normalised_distances(t))
    torch.testing.assert_close(rkd_distance(e, t), want, rtol=1e-4, atol=1e-6)


def test_relations_are_computed_in_fp32_under_bf16_autocast():
    torch.manual_seed(0)
    s, t = torch.randn(16, 128) + 3, torch.randn(16, 256) + 3  # offsets make |a|^2 + |b|^2 - 2ab cancel
    exact = rkd_distance(s, t), rkd_angle(s, t)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = rkd_distance(s, t), rkd_angle(s, t)
    for a, b in zip(exact, mixed):
        assert b.dtype == torch.float32
        torch.testing.assert_close(b, a)
