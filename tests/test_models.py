"""Networks: BN-Inception definition, deterministic TRN evaluation, student, weights loading."""
from __future__ import annotations

import pytest
import torch

from vskd.models.backbones import Backbone, WeightsError, load_pretrained
from vskd.models.bninception import BNInception
from vskd.models.student import GafStudent
from vskd.models.teacher import TRNTeacher
from vskd.models.trn import MultiScaleRelation


def test_bninception_matches_published_definition():
    net = BNInception(num_classes=1000).eval()
    params = sum(p.numel() for p in net.parameters())
    assert 11.1e6 < params < 11.4e6                      # ~11.3 M (Caffe definition)
    with torch.no_grad():
        assert net.features(torch.zeros(1, 3, 224, 224)).shape == (1, 1024, 7, 7)
    names = dict(net.named_parameters())
    for key in ("conv1_7x7_s2.weight", "inception_3a_1x1_bn.weight",
                "inception_4e_double_3x3_2.weight", "inception_5b_pool_proj.bias"):
        assert key in names


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


def test_pretrained_weights_errors_and_loading(tmp_path):
    bb = Backbone("resnet18")
    with pytest.raises(WeightsError, match="do not exist"):
        load_pretrained(bb, tmp_path / "missing.pth")
    wrong = tmp_path / "wrong.pth"
    torch.save(Backbone("resnet50").net.state_dict(), wrong)
    with pytest.raises(WeightsError, match="do not fit resnet18"):
        load_pretrained(bb, wrong)
    good = tmp_path / "good.pth"
    source = Backbone("resnet18")
    torch.save({"state_dict": {f"module.{k}": v for k, v in source.net.state_dict().items()}}, good)
    load_pretrained(bb, good)
    assert torch.equal(bb.net.conv1.weight, source.net.conv1.weight)
