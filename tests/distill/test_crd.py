"""CRD: linear embeddings + L2 norm, momentum memory bank over the training clips, NCE loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vskd.distill import build_method, get_method

N = 6  # training clips in these tests


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def np_nce(p, n):
    """-(sum log(P+ / (P+ + K/n)) + sum log((K/n) / (P- + K/n))) / B."""
    k = p.shape[1] - 1
    noise = k / n
    return -(np.log(p[:, 0] / (p[:, 0] + noise)).sum() + np.log(noise / (p[:, 1:] + noise)).sum()) / len(p)


def fixed(method, negatives):
    """Replace the random negatives by a fixed (B, K) table."""
    method.sample_negatives = lambda index: torch.as_tensor(negatives)
    return method


def test_declares_what_it_reads():
    cls = get_method("crd")
    assert cls.teacher_fields == frozenset({"pooled", "logits"}) and not cls.student_maps
    assert cls.defaults == {
        "crd": 0.8,
        "kd": 0.0,
        "temperature": 4.0,
        "feat_dim": 128,
        "nce_k": 4096,
        "nce_t": 0.07,
        "nce_m": 0.5,
    }


def test_connectors_and_memory_bank(zoo):
    method = build_method("crd", {}, zoo.context(num_train=N))
    assert (method.embed_s.in_features, method.embed_s.out_features) == (6, 128)
    assert (method.embed_t.in_features, method.embed_t.out_features) == (8, 128)
    assert method.memory_s.shape == method.memory_t.shape == (N, 128)
    assert "memory_s" in method.state_dict() and "z" in method.state_dict()
    assert not any(p is method.memory_s for p in method.parameters())
    assert method.num_negatives == N - 1  # 4096 clamped to the other training clips


def test_loss_and_memory_update_by_hand(zoo):
    method = build_method("crd", {"feat_dim": 3, "nce_k": 2}, zoo.context(num_train=N))
    s, t = zoo.outputs(batch=3, student_maps=False, teacher_maps=False)
    index = torch.tensor([4, 0, 2])
    negatives = np.array([[1, 5], [3, 3], [0, 1]])
    fixed(method, negatives)
    mem_s, mem_t = zoo.np(method.memory_s).copy(), zoo.np(method.memory_t).copy()
    total, parts = method(s, t, zoo.labels(3), index)

    v_s = unit(zoo.np(s.pooled) @ zoo.np(method.embed_s.weight).T + zoo.np(method.embed_s.bias))
    v_t = unit(zoo.np(t.pooled) @ zoo.np(method.embed_t.weight).T + zoo.np(method.embed_t.bias))
    ids = np.concatenate([index.numpy()[:, None], negatives], 1)
    e_s = np.exp(np.einsum("bkd,bd->bk", mem_t[ids], v_s) / 0.07)  # student anchor, teacher bank
    e_t = np.exp(np.einsum("bkd,bd->bk", mem_s[ids], v_t) / 0.07)  # teacher anchor, student bank
    z_s, z_t = e_s.mean() * N, e_t.mean() * N
    expected = np_nce(e_s / z_s, N) + np_nce(e_t / z_t, N)
    assert parts["crd"].item() == pytest.approx(expected, rel=1e-4)
    ce = zoo.np_ce(zoo.np(s.logits), zoo.labels(3).numpy())
    assert total.item() == pytest.approx(ce + 0.8 * expected, rel=1e-4)
    assert set(parts) == {"ce", "crd"}
    assert method.z.tolist() == pytest.approx([z_s, z_t], rel=1e-4)

    # memory: the batch's rows moved half-way to the new embeddings and re-normalised, others kept
    new_s, new_t = zoo.np(method.memory_s), zoo.np(method.memory_t)
    rows = index.numpy()
    assert np.allclose(new_s[rows], unit(0.5 * mem_s[rows] + 0.5 * v_s), atol=1e-6)
    assert np.allclose(new_t[rows], unit(0.5 * mem_t[rows] + 0.5 * v_t), atol=1e-6)
    others = [1, 3, 5]
    assert np.array_equal(new_s[others], mem_s[others]) and np.array_equal(new_t[others], mem_t[others])


def test_normalising_constant_is_fixed_after_the_first_batch(zoo):
    method = fixed(
        build_method("crd", {"feat_dim": 4, "nce_k": 2}, zoo.context(num_train=N)), [[1, 2], [0, 2], [0, 1], [4, 5]]
    )
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    method(s, t, zoo.labels(), torch.tensor([0, 1, 2, 3]))
    z = method.z.clone()
    s2, t2 = zoo.outputs(seed=5, student_maps=False, teacher_maps=False)
    method(s2, t2, zoo.labels(), torch.tensor([0, 1, 2, 3]))
    assert torch.equal(method.z, z)


def test_eval_mode_reads_the_bank_without_writing_it(zoo):
    method = build_method("crd", {}, zoo.context(num_train=N)).eval()
    before = method.memory_s.clone(), method.memory_t.clone()
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    assert torch.isfinite(method(s, t, zoo.labels(), torch.tensor([0, 1, 2, 3]))[0])
    assert torch.equal(method.memory_s, before[0]) and torch.equal(method.memory_t, before[1])


def test_negatives_are_other_training_clips_clamped_below_num_train(zoo):
    method = build_method("crd", {"nce_k": 4096}, zoo.context(num_train=5))
    assert method.num_negatives == 4
    torch.manual_seed(0)
    index = torch.tensor([0, 4, 2, 2])
    neg = torch.cat([method.sample_negatives(index) for _ in range(200)], 1)
    assert neg.shape == (4, 800)
    assert bool((neg != index[:, None]).all()) and neg.min() >= 0 and neg.max() <= 4
    for row, i in zip(neg, index.tolist()):  # every other clip is drawn
        assert set(row.tolist()) == set(range(5)) - {i}
    small = build_method("crd", {"nce_k": 2}, zoo.context(num_train=5))
    assert small.num_negatives == 2 and small.sample_negatives(index).shape == (4, 2)


def test_gradients_reach_student_and_both_embeddings_never_teacher(zoo):
    method = build_method("crd", {"kd": 1.0}, zoo.context(num_train=N))
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    _, parts = zoo.check_gradients(method, s, t, [s.logits, s.pooled], index=torch.tensor([5, 1, 0, 3]))
    assert set(parts) == {"ce", "crd", "kd"}
    assert method.embed_t.weight.grad.abs().sum() > 0


def test_weight_zero_removes_term_and_needs_no_bank(zoo):
    zoo.check_weight_zero("crd", "crd", ctx=zoo.context(num_train=0))
    method = build_method("crd", {"crd": 0, "kd": 1.0}, zoo.context(num_train=0))
    assert list(method.parameters()) == [] and not hasattr(method, "memory_s")
    zoo.check_weight_zero("crd", "kd", index=torch.tensor([0, 1, 2, 3]), ctx=zoo.context(num_train=N))


def test_index_and_training_set_size_are_required(zoo):
    with pytest.raises(ValueError, match="num_train"):
        build_method("crd", {}, zoo.context(num_train=1))
    method = build_method("crd", {}, zoo.context(num_train=N))
    s, t = zoo.outputs(student_maps=False, teacher_maps=False)
    with pytest.raises(ValueError, match="index"):
        method(s, t, zoo.labels())
    with pytest.raises(ValueError, match="index"):
        method(s, t, zoo.labels(), torch.tensor([0, 1, 2, N]))
    with pytest.raises(ValueError, match="index"):
        method(s, t, zoo.labels(), torch.tensor([0, 1]))


@pytest.mark.parametrize(
    "params", [{"feat_dim": 0}, {"nce_k": 0}, {"nce_t": 0}, {"nce_m": 1.0}, {"nce_m": -0.1}, {"temperature": 0}]
)
def test_bad_values_are_errors(zoo, params):
    with pytest.raises(ValueError, match=next(iter(params))):
        build_method("crd", params, zoo.context(num_train=N))


def test_unknown_parameter_names_known_ones(zoo):
    zoo.check_unknown_parameter("crd")
