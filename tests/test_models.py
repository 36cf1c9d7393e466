"""Networks: TRN head as published (no classifier dropout, every tuple at evaluation), the
teacher's and student's outputs (the paper's fc0 embeddings, pooled features, stage maps),
and the network registry (backbones: test_backbones.py, test_bninception.py)."""

from __future__ import annotations

import itertools

import pytest
import torch

from vskd.models.registry import NETWORKS, build_network
from vskd.models.student import GafStudent
from vskd.models.teacher import TRNTeacher
from vskd.models.trn import MultiScaleRelation


def test_trn_evaluation_uses_every_tuple_and_is_deterministic():
    torch.manual_seed(0)
    rel = MultiScaleRelation(16, num_segments=8, num_classes=5, num_bottleneck=32).eval()
    x = torch.randn(2, 8, 16)
    with torch.no_grad():
        a, b = rel(x), rel(x)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    # evaluation = mean over ALL s-frame tuples of every scale, computed here by hand
    with torch.no_grad():
        logits = 0
        for i, s in enumerate(rel.scales):
            tuples = list(itertools.combinations(range(8), s))
            h = torch.stack([rel.fusion[i](x[:, list(t)].reshape(2, -1)) for t in tuples]).mean(0)
            logits = logits + rel.classifiers[i](h)
    assert torch.allclose(a[0], logits, atol=1e-5)
    assert len(rel._chosen(3)) == 56  # C(8, 5) at evaluation
    rel.train()
    outs = {tuple(rel._chosen(3).tolist()) for _ in range(20)}
    assert len(outs) > 1 and all(len(o) == 3 for o in outs)  # training samples 3 per scale


def test_trn_has_no_dropout_before_the_classifiers():
    rel = MultiScaleRelation(16, num_segments=4, num_classes=5, num_bottleneck=32)
    assert not any(isinstance(m, torch.nn.Dropout) for m in rel.modules())


def test_teacher_outputs_fc0_pooled_relation_and_maps_and_partial_bn():
    torch.manual_seed(0)
    teacher = TRNTeacher("resnet18", 27, num_segments=3, img_feature_dim=32, num_bottleneck=24, partial_bn=True).train()
    frames = torch.rand(2, 3, 3, 64, 64) * 255
    out = teacher(frames, with_maps=True)
    assert out.logits.shape == (2, 27) and out.embedding.shape == (2, 32)
    assert out.pooled.shape == (2, 512) and out.relation.shape == (2, 24)
    assert [m.shape[1] for m in out.maps] == [64, 128, 256, 512] and out.maps[0].shape[0] == 2
    bns = [m for m in teacher.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns[0].training and not bns[1].training and not bns[1].weight.requires_grad
    # fc0 is the segment mean of the bottleneck frame features (before the relation module)
    teacher.eval()
    with torch.no_grad():
        out = teacher(frames)
        feats = teacher.bottleneck(teacher.backbone(frames.flatten(0, 1))).view(2, 3, -1)
    assert torch.allclose(out.embedding, feats.mean(1), atol=1e-5)
    assert out.maps == []  # maps only on request


def test_student_fc0_is_relu_of_fc_and_inputs_are_unit_scaled():
    torch.manual_seed(0)
    student = GafStudent(27, embedding_dim=300).eval()
    x = torch.rand(2, 3, 64, 64) * 255
    with torch.no_grad():
        out = student(x, with_maps=True)
        pooled = student.backbone(x)
    assert out.logits.shape == (2, 27) and out.embedding.shape == (2, 300) and len(out.maps) == 4
    assert torch.equal(out.embedding, torch.relu(student.fc(pooled)))
    assert (out.embedding >= 0).all()
    assert torch.allclose(student.backbone.norm(x), x / 255.0)  # released code: ToTensor only
    six = GafStudent(27, 32, in_channels=6)
    assert six(torch.rand(2, 6, 32, 32)).logits.shape == (2, 27)


def test_network_registry():
    assert {"trn", "gaf_cnn"} <= set(NETWORKS)
    cfg = {"backbone": "smallcnn", "embedding_dim": 16}
    net = build_network("gaf_cnn", cfg, 5, in_channels=3)
    assert net(torch.rand(2, 3, 32, 32)).logits.shape == (2, 5)
    with pytest.raises(ValueError, match="unknown network 'nope'"):
        build_network("nope", cfg, 5)
