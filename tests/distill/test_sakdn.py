"""SPAMFM, GSDM and the `sakdn` method on tiny tensors: values worked out by hand, gradients only
where they belong (student and fusion modules, never a teacher), zero weights, parameter checks."""

from __future__ import annotations

import math

import pytest
import torch

from vskd.distill.base import DistillContext, NetSpec
from vskd.distill.gsdm import ablation_cam, ablation_weights, code_loss, gsdm_loss, similarity_loss
from vskd.distill.registry import build_method
from vskd.models.outputs import NetOutput, TeacherSet
from vskd.models.sensor_teacher import FusionTeacher, SensorTeacher
from vskd.models.spamfm import SPAMFM, similarity_propagated


def test_similarity_propagation_by_hand():
    f = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    # Gram [[1, 1], [1, 2]], rows normalised: [1, 1]/sqrt2, [1, 2]/sqrt5
    expected = torch.tensor([[2 / math.sqrt(2), 1 / math.sqrt(2)], [3 / math.sqrt(5), 2 / math.sqrt(5)]])
    assert torch.allclose(similarity_propagated(f), expected)
    # maps: the Gram uses the flattened map, the descriptor its spatial mean
    m = torch.tensor([[[[1.0, 0.0]]], [[[1.0, 1.0]]]])  # (2, 1, 1, 2)
    # Gram [[1, 1], [1, 2]] again; descriptors 0.5 and 1
    exp = torch.tensor([[(0.5 + 1) / math.sqrt(2)], [(0.5 + 2) / math.sqrt(5)]])
    assert torch.allclose(similarity_propagated(m), exp)


def _zero(module: torch.nn.Module) -> None:
    for p in module.parameters():
        torch.nn.init.zeros_(p)


def test_spamfm_gates_by_hand_and_gradients_cross_branches():
    fuse = SPAMFM([2, 2], reduction=1)
    _zero(fuse)  # every excitation = sigmoid(0) = 0.5, three terms
    a = torch.randn(3, 2, 2, 2, requires_grad=True)
    b = torch.randn(3, 2, 2, 2, requires_grad=True)
    out_a, out_b = fuse([a, b])
    assert torch.allclose(out_a, 1.5 * a) and torch.allclose(out_b, 1.5 * b)
    # with trained gates a branch's output depends on the other branch (that is the fusion)
    torch.manual_seed(0)
    fuse = SPAMFM([2, 2], reduction=1)
    out_a, _ = fuse([a, b])
    out_a.sum().backward()
    assert b.grad is not None and b.grad.abs().sum() > 0
    assert all(p.grad is not None for p in fuse.fc_cat[0].parameters())
    # unequal channels: concatenation only, gate 0.5
    fuse = SPAMFM([2, 3], reduction=1)
    _zero(fuse)
    x, y = torch.randn(2, 2), torch.randn(2, 3)
    ox, oy = fuse([x, y])
    assert torch.allclose(ox, 0.5 * x) and torch.allclose(oy, 0.5 * y)
    assert len(fuse.last_gates) == 2 and fuse.last_gates[1].shape == (2, 3)


def test_ablation_weights_by_hand():
    e = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
    pred = torch.tensor([2, 0])
    w = ablation_weights(pred, 1, e, "norm")  # s - s0: [3, 2], [1, -2]; |s|: 5, 1
    assert torch.allclose(w, torch.tensor([math.sqrt(13) / 5, math.sqrt(5)]))
    w = ablation_weights(pred, 1, e, "elementwise")  # [3/3, 2/4] -> 0.75; [1/1, -2/eps]
    assert w[0].item() == pytest.approx(0.75)
    assert w[1].item() == pytest.approx((1 - 2e6) / 2, rel=1e-6)
    assert not w.requires_grad


def test_ablation_cam_by_hand():
    maps = torch.tensor(
        [
            [[[1.0, 2.0]], [[1.0, 0.0]]],  # clip 0: channel sum [2, 2]
            [[[0.0, 1.0]], [[3.0, -2.0]]],
        ]
    )  # clip 1: channel sum [3, -1]
    cam = ablation_cam(maps, torch.tensor([1.0, 2.0]))  # relu: [2, 2], [6, 0]; / 6
    assert torch.allclose(cam, torch.tensor([[[2 / 6, 2 / 6]], [[1.0, 0.0]]]))
    assert torch.equal(ablation_cam(torch.zeros(2, 1, 1, 2), torch.ones(2)), torch.zeros(2, 1, 2))


def test_similarity_and_code_losses_by_hand():
    s = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])  # Gram identity
    t = torch.tensor([[[1.0, 1.0]], [[1.0, 1.0]]])  # Gram all 2 -> rows [1, 1]/sqrt2
    d = 1 - 1 / math.sqrt(2)
    assert similarity_loss(s, t).item() == pytest.approx((2 * d**2 + 2 * 0.5) / 4)
    assert similarity_loss(t, t).item() == pytest.approx(0.0)
    # code: normalise along H (one row here: each value / |value| over that axis of length 1)
    s2 = torch.tensor([[[3.0], [4.0]]])  # (1, 2, 1): H = 2 -> [0.6, 0.8]
    t2 = torch.tensor([[[0.0], [2.0]]])  # -> [0, 1]
    assert code_loss(s2, t2).item() == pytest.approx((0.36 + 0.04) / 2)
    # grids differ: the larger is average-pooled to the smaller
    big = torch.tensor([[[3.0, 3.0], [4.0, 4.0]]])  # (1, 2, 2) -> (1, 2, 1) = s2
    assert code_loss(big, t2).item() == pytest.approx((0.36 + 0.04) / 2)


def test_gsdm_gradient_reaches_only_the_student():
    torch.manual_seed(0)
    s_maps = [torch.rand(4, 3, 4, 4, requires_grad=True), torch.rand(4, 5, 2, 2, requires_grad=True)]
    t_maps = [[torch.rand(4, 6, 8, 8, requires_grad=True), torch.rand(4, 2, 3, 3, requires_grad=True)]]
    w = torch.ones(4)
    for pairing in ("similarity", "code"):
        loss = gsdm_loss(s_maps, w, t_maps, [w], pairing)
        loss.backward()
        assert all(m.grad is not None and m.grad.abs().sum() > 0 for m in s_maps)
        assert all(m.grad is None for m in t_maps[0])
        for m in s_maps:
            m.grad = None
    with pytest.raises(ValueError, match="one to one"):
        gsdm_loss(s_maps, w, [t_maps[0][:1]], [w])
    with pytest.raises(ValueError, match="pairing"):
        gsdm_loss(s_maps, w, t_maps, [w], "nope")


def _method(params=None, s_dim=6, t_dim=4):
    emb = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    ctx = DistillContext(NetSpec(3, s_dim, 8), NetSpec(3, t_dim, 8), class_embeddings=emb)
    return build_method("sakdn", params or {}, ctx)


def _teacher_set(b=4, t_dim=4):
    branches = [
        NetOutput(
            torch.randn(b, 3, requires_grad=True),
            torch.randn(b, t_dim, requires_grad=True),
            None,
            None,
            [torch.rand(b, 2, 4, 4, requires_grad=True) for _ in range(2)],
        )
        for _ in range(2)
    ]
    return TeacherSet.of(branches, [0, 2])


def test_sakdn_method_terms_and_gradients():
    torch.manual_seed(1)
    m = _method()
    teacher = _teacher_set()
    s_maps = [torch.rand(4, 3, 2, 2, requires_grad=True) for _ in range(2)]
    student = NetOutput(
        torch.randn(4, 3, requires_grad=True), torch.randn(4, 6, requires_grad=True), torch.randn(4, 8), None, s_maps
    )
    labels = torch.tensor([0, 1, 2, 0])
    with pytest.raises(ValueError, match="set_student_ablation"):
        m(student, teacher, labels)
    m.set_student_ablation(1)
    total, parts = m(student, teacher, labels)
    assert set(parts) == {"ce", "kd", "semantic", "gsdm"}
    # released weights: CE + 0.01 KD + GSDM + semantic; KD averaged over the two teachers
    from vskd.distill.functional import soft_target_kl

    kd = torch.stack([soft_target_kl(student.logits, b.logits, 4.0) for b in teacher.branches]).mean()
    assert parts["kd"].item() == pytest.approx(kd.item())
    assert total.item() == pytest.approx(
        parts["ce"].item() + 0.01 * parts["kd"].item() + parts["gsdm"].item() + parts["semantic"].item(), rel=1e-6
    )
    total.backward()
    assert student.logits.grad is not None and student.embedding.grad is not None
    assert all(s.grad is not None for s in s_maps)
    assert m.project.weight.grad is not None
    for b in teacher.branches:
        assert b.logits.grad is None and b.embedding.grad is None and all(x.grad is None for x in b.maps)


def test_sakdn_method_fused_soft_targets_zero_weights_and_checks():
    torch.manual_seed(2)
    teacher = _teacher_set()
    student = NetOutput(torch.randn(4, 3), torch.randn(4, 4), torch.randn(4, 8), None, [])
    labels = torch.tensor([0, 1, 2, 0])
    m = _method({"gsdm": 0, "semantic": 0, "soft_target": "fused"}, s_dim=4)
    _, parts = m(student, teacher, labels)
    from vskd.distill.functional import soft_target_kl

    fused = teacher.branches[0].logits + teacher.branches[1].logits
    assert parts["kd"].item() == pytest.approx(soft_target_kl(student.logits, fused, 4.0).item())
    assert set(parts) == {"ce", "kd"} and isinstance(m.project, torch.nn.Identity)
    with pytest.raises(ValueError, match="soft_target"):
        _method({"soft_target": "mean"})
    with pytest.raises(ValueError, match="no parameter"):
        _method({"gcam": 1})


def test_fusion_teacher_outputs_and_teacher_set():
    torch.manual_seed(0)
    branches = [SensorTeacher(5, 7, embedding_dim=6, in_channels=3, backbone="smallcnn") for _ in range(2)]
    net = FusionTeacher(branches, stages=[2, 4], vectors=True, reduction=2)
    xs = [torch.rand(3, 3, 16, 16) * 255, torch.rand(3, 3, 16, 16) * 255]
    outs = net(xs, with_maps=True)
    assert len(outs) == 2 and outs[0].logits.shape == (3, 5) and outs[0].embedding.shape == (3, 7)
    assert [m.shape[1] for m in outs[1].maps] == list(branches[1].map_channels)
    assert sorted(net.fusion_points()) == ["fc0", "semantic", "stage2", "stage4"]
    ts = TeacherSet.of(outs, [1, 2])
    assert torch.allclose(ts.logits, outs[0].logits + outs[1].logits)
    d = ts.detached()
    assert isinstance(d, TeacherSet) and not d.logits.requires_grad and d.ablation_classes == [1, 2]
