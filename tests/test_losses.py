"""DASK terms: known values, invariances, no gradient to the teacher, weights from config."""
from __future__ import annotations

import pytest
import torch

from vskd.distill.losses import AngleTerm, DASKLoss, DistanceTerm, Outputs, SoftTargetTerm


def out(logits, emb):
    return Outputs(logits, emb)


def test_soft_target_zero_for_identical_logits_and_positive_otherwise():
    logits = torch.randn(8, 5)
    term = SoftTargetTerm(4.0)
    assert term(out(logits, None), out(logits.clone(), None), None).abs() < 1e-6
    assert term(out(logits, None), out(torch.randn(8, 5), None), None) > 0


def test_relational_terms_are_scale_invariant_and_dimension_agnostic():
    torch.manual_seed(0)
    t = torch.randn(10, 64)
    s = t * 5.0                                   # same geometry, another scale
    assert DistanceTerm()(out(None, s), out(None, t), None) < 1e-6
    assert AngleTerm()(out(None, s), out(None, t), None) < 1e-6
    other = torch.randn(10, 16)
    assert DistanceTerm()(out(None, other), out(None, t), None) > 0
    assert AngleTerm()(out(None, other), out(None, t), None) > 0


def test_teacher_gets_no_gradient_and_zero_weight_removes_term():
    torch.manual_seed(0)
    weights = {"ce": 1.0, "kd": 0.5, "distance": 1.0, "angle": 1.0, "semantic": 0.0}
    loss = DASKLoss(weights, temperature=4.0)
    assert set(loss.terms) == {"ce", "kd", "distance", "angle"}
    s_logits = torch.randn(6, 4, requires_grad=True)
    s_emb = torch.randn(6, 8, requires_grad=True)
    t_logits = torch.randn(6, 4, requires_grad=True)
    t_emb = torch.randn(6, 12, requires_grad=True)
    total, parts = loss(out(s_logits, s_emb), out(t_logits, t_emb), torch.tensor([0, 1, 2, 3, 0, 1]))
    total.backward()
    assert t_logits.grad is None and t_emb.grad is None
    assert s_emb.grad is not None and s_emb.grad.abs().sum() > 0
    expected = sum(weights[k] * v for k, v in parts.items())
    assert torch.allclose(total, expected)


def test_semantic_term_projects_and_pulls_to_class_vector():
    torch.manual_seed(0)
    sem = torch.randn(4, 30)
    loss = DASKLoss({"semantic": 1.0}, class_embeddings=sem, student_embedding_dim=8)
    assert isinstance(loss.terms["semantic"].project, torch.nn.Linear)
    emb = torch.randn(5, 8, requires_grad=True)
    total, _ = loss(out(torch.randn(5, 4), emb), None, torch.tensor([0, 1, 2, 3, 0]))
    total.backward()
    assert emb.grad.abs().sum() > 0


def test_missing_teacher_or_embeddings_are_errors():
    with pytest.raises(ValueError, match="no teacher output"):
        DASKLoss({"kd": 1.0})(out(torch.randn(3, 2), torch.randn(3, 4)), None, torch.tensor([0, 1, 0]))
    with pytest.raises(ValueError, match="class embeddings"):
        DASKLoss({"semantic": 1.0})
    with pytest.raises(ValueError, match="every loss weight is 0"):
        DASKLoss({"ce": 0.0})
