"""Every registered method: declared schema, its own test module, and one training step of a real
ResNet18 GAF student against teacher outputs shaped as the BN-Inception TRN teacher's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from vskd.distill import DistillContext, NetSpec, build_method, get_method, known_methods
from vskd.distill.base import TEACHER_FIELDS
from vskd.models.outputs import NetOutput

ZOO = ["ce", "kd", "fitnet", "at", "sp", "cc", "vid", "rkd", "pkt", "nst", "crd", "dask"]


def test_the_zoo_is_registered_and_each_method_has_its_tests():
    assert set(ZOO) <= set(known_methods())
    here = Path(__file__).parent
    for name in known_methods():
        assert (here / f"test_{name}.py").exists(), f"method {name!r} has no tests/distill/test_{name}.py"


@pytest.mark.parametrize("name", ["fitnet", "at", "sp", "cc", "vid", "pkt", "nst", "crd"])
def test_float16_teacher_features_give_the_float32_value(zoo, name):
    """Teacher maps may be cached in float16: the terms take them in the student's dtype."""
    torch.manual_seed(0)
    method = build_method(name, {}, zoo.context(num_train=8)).eval()  # eval: CRD bank unchanged
    s, t = zoo.outputs()
    index = torch.tensor([0, 1, 2, 3])
    t.maps = [m.detach().half() for m in t.maps]
    t.pooled = t.pooled.detach().half()
    t16 = NetOutput(t.logits, t.embedding, t.pooled, t.relation, t.maps)
    t32 = NetOutput(t.logits, t.embedding, t.pooled.float(), t.relation, [m.float() for m in t.maps])
    torch.manual_seed(1)
    p16 = method(s, t16, zoo.labels(), index)[1]
    torch.manual_seed(1)
    p32 = method(s, t32, zoo.labels(), index)[1]
    for k in p32:
        assert p16[k].dtype == torch.float32 and torch.allclose(p16[k], p32[k]), k


@pytest.mark.parametrize("name", ZOO)
def test_declared_schema(name):
    cls = get_method(name)
    assert set(cls.teacher_fields) <= TEACHER_FIELDS
    assert set(cls.weight_params) <= set(cls.defaults), "every term weight is a parameter"
    assert "ce" not in cls.weight_params
    for key, value in cls.defaults.items():
        assert isinstance(value, (int, float, str)) and not isinstance(value, bool), (key, value)
        if key in cls.weight_params:
            assert isinstance(value, (int, float)), (key, value)
    assert cls.student_maps == ("maps" in cls.teacher_fields)
    assert (sys.modules[cls.__module__].__doc__ or "").strip(), "the module says its reference and choices"


@pytest.fixture(scope="module")
def student():
    from vskd.models.student import GafStudent

    torch.manual_seed(0)
    return GafStudent(num_classes=3, embedding_dim=30)  # built once: ResNet18 init is slow on CPU


@pytest.mark.parametrize("name", ZOO)
def test_one_step_with_real_student_and_teacher_shaped_outputs(name, student):
    student.zero_grad()
    t_channels = (192, 320, 608, 1024)  # BN-Inception conv2_3x3, 3b, 4d, 5b
    t_spec = NetSpec(3, 16, 1024, 12, t_channels)
    ctx = DistillContext(NetSpec.of(student, 3), t_spec, num_train=20)
    method = build_method(name, {}, ctx)
    params = list(student.parameters()) + list(method.parameters())  # optimizer made after build
    optimizer = torch.optim.SGD(params, lr=0.01)
    x = torch.rand(4, 3, 64, 64) * 255
    s = student(x, with_maps=method.student_maps)
    if method.student_maps:
        assert [tuple(m.shape[1:]) for m in s.maps] == [(64, 16, 16), (128, 8, 8), (256, 4, 4), (512, 2, 2)]
    maps = [torch.rand(4, c, hw, hw, requires_grad=True) for c, hw in zip(t_channels, (56, 28, 14, 7))]
    t = NetOutput(
        torch.randn(4, 3, requires_grad=True),
        torch.randn(4, 16, requires_grad=True),
        torch.rand(4, 1024, requires_grad=True),
        torch.randn(4, 12, requires_grad=True),
        maps if method.student_maps else [],
    )
    total, parts = method(s, t, torch.tensor([0, 1, 2, 0]), torch.tensor([3, 7, 19, 0]))
    assert torch.isfinite(total) and all(torch.isfinite(v) for v in parts.values())
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    assert student.fc.weight.grad is not None and student.fc.weight.grad.abs().sum() > 0
    for n, p in method.named_parameters():
        assert p.grad is not None, n
    assert all(x.grad is None for x in [t.logits, t.embedding, t.pooled, t.relation, *t.maps])
