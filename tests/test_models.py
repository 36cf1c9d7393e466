"""Networks: deterministic TRN evaluation, teacher and student (backbones: test_backbones.py,
test_bninception.py)."""
from __future__ import annotations

import torch

from vskd.models.student import GafStudent
from vskd.models.teacher import TRNTeacher
from vskd.models.trn import MultiScaleRelation


def test_trn_evaluation_is_deterministic_with_many_segments():
    torch.manual_seed(0)
    rel = MultiScaleRelation(16, num_segments=8, num_classes=5, num_bottleneck=32).eval()
    x = torch.randn(2, 8, 16)
    with torch.no_grad():
        a, b = rel(x), rel(x)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    rel.train()
    outs = {tuple(rel._chosen(3).tolist()) for _ in range(20)}
    assert len(outs) > 1                                 # training samples relations at random


def test_teacher_shapes_and_partial_bn():
    torch.manual_seed(0)
    teacher = TRNTeacher("resnet18", 27, num_segments=3, img_feature_dim=32, num_bottleneck=24,
                         partial_bn=True).train()
    logits, emb = teacher(torch.rand(2, 3, 3, 64, 64) * 255)
    assert logits.shape == (2, 27) and emb.shape == (2, 24)
    bns = [m for m in teacher.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns[0].training and not bns[1].training and not bns[1].weight.requires_grad


def test_student_shapes_and_feature_maps():
    student = GafStudent(27, embedding_dim=300).eval()
    with torch.no_grad():
        logits, emb, maps = student.forward_features(torch.rand(2, 3, 64, 64) * 255)
        logits2, emb2 = student(torch.rand(2, 3, 64, 64) * 255)
    assert logits.shape == (2, 27) and emb.shape == (2, 300) and len(maps) == 4
    six = GafStudent(27, 32, in_channels=6)
    assert six(torch.rand(2, 6, 32, 32))[0].shape == (2, 27)
