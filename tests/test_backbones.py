"""Backbone registry and API: every backbone's pooled features and stage maps, input conventions,
pretrained weights in every accepted form (and a clear error for a real mismatch)."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from vskd.models.backbones import (
    BACKBONES,
    Backbone,
    Normalize,
    WeightsError,
    build_backbone,
    load_pretrained,
    register_backbone,
)

# name -> (feature_dim, map channels, map strides)
EXPECTED = {
    "resnet18": (512, [64, 128, 256, 512], [4, 8, 16, 32]),
    "resnet50": (2048, [256, 512, 1024, 2048], [4, 8, 16, 32]),
    "bninception": (1024, [192, 320, 608, 1024], [4, 8, 16, 32]),
    "smallcnn": (128, [16, 32, 64, 128], [2, 4, 8, 16]),
}


def test_registry_lists_every_backbone_and_rejects_unknown_names():
    assert set(EXPECTED) <= set(BACKBONES)
    with pytest.raises(ValueError, match="unknown backbone 'vgg16'.*registered: .*resnet18"):
        build_backbone("vgg16")
    with pytest.raises(ValueError, match="already registered"):
        register_backbone("resnet18")(type("Other", (Backbone,), {}))
    with pytest.raises(TypeError, match="Backbone subclass"):
        register_backbone("not_a_backbone")(nn.Linear)
    assert "not_a_backbone" not in BACKBONES


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("in_channels", [3, 6])
def test_pooled_features_and_four_stage_maps(name, in_channels):
    dim, channels, strides = EXPECTED[name]
    torch.manual_seed(0)
    bb = build_backbone(
        name, in_channels=in_channels, **({"input_norm": "imagenet"} if in_channels != 3 else {})
    ).eval()
    assert bb.feature_dim == dim and bb.map_channels == channels and bb.name == name
    x = torch.rand(2, in_channels, 64, 96) * 255
    with torch.no_grad():
        pooled, maps = bb.forward_maps(x)
        plain = bb(x)
    assert pooled.shape == (2, dim) and len(maps) == 4
    for m, c, s in zip(maps, channels, strides):
        assert m.shape[:2] == (2, c)
        assert abs(m.shape[2] - 64 / s) <= 1 and abs(m.shape[3] - 96 / s) <= 1
    torch.testing.assert_close(pooled, maps[-1].mean(dim=(2, 3)))
    torch.testing.assert_close(plain, pooled)


def test_input_norms():
    x = torch.rand(2, 3, 4, 4) * 255
    torch.testing.assert_close(Normalize.from_name("unit")(x), x / 255)
    assert Normalize.from_name("none")(x) is x
    bgr = Normalize.from_name("caffe_bgr")(x)
    torch.testing.assert_close(bgr[:, 0], x[:, 2] - 104.0)
    torch.testing.assert_close(bgr[:, 2], x[:, 0] - 128.0)
    img = Normalize.from_name("imagenet")(x)
    torch.testing.assert_close(img[:, 1], (x[:, 1] / 255 - 0.456) / 0.224)
    six = Normalize.from_name("imagenet", 6)(torch.full((1, 6, 2, 2), 255.0))
    torch.testing.assert_close(six, torch.full((1, 6, 2, 2), 2.0))  # (1 - 0.5) / 0.25
    with pytest.raises(ValueError, match="3 \\(RGB\\) input channels"):
        build_backbone("bninception", in_channels=6)
    with pytest.raises(ValueError, match="unknown input_norm"):
        build_backbone("resnet18", input_norm="zscore")
    assert build_backbone("resnet18").input_norm == "imagenet"
    assert build_backbone("bninception").input_norm == "caffe_bgr"
    assert build_backbone("smallcnn", input_norm="unit").input_norm == "unit"


def _tsn_style(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """As TSN/TRN's converted BN-Inception files: BN parameters (1, C), no num_batches_tracked."""
    out = {}
    for k, v in state.items():
        if k.endswith("num_batches_tracked"):
            continue
        out[k] = v.view(1, -1) if v.dim() == 1 and "_bn." in k else v
    return out


@pytest.mark.parametrize("form", ["current", "tsn"])
def test_bninception_loads_state_dicts_in_both_forms(tmp_path, form):
    torch.manual_seed(1)
    source = build_backbone("bninception")
    for m in source.modules():  # non-default statistics, to see them arrive
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 2)
    state = source.net.state_dict()
    if form == "tsn":
        state = _tsn_style(state)
        assert state["conv1_7x7_s2_bn.weight"].shape == (1, 64)
        assert not any(k.endswith("num_batches_tracked") for k in state)
    state["last_linear.weight"] = torch.zeros(1000, 1024)  # ImageNet classifier: ignored
    path = tmp_path / f"bn_inception_{form}.pth"
    torch.save(
        {"state_dict": {f"module.base_model.{k}": v for k, v in state.items()}} if form == "tsn" else state, path
    )
    target = build_backbone("bninception")
    load_pretrained(target, path)
    for key, want in source.net.state_dict().items():
        if not key.endswith("num_batches_tracked"):
            torch.testing.assert_close(target.net.state_dict()[key], want, msg=key)
    x = torch.rand(1, 3, 96, 96) * 255
    with torch.no_grad():
        torch.testing.assert_close(target.eval()(x), source.eval()(x))


def test_real_mismatches_still_raise_clear_errors(tmp_path):
    bb = build_backbone("resnet18")
    with pytest.raises(WeightsError, match="do not exist"):
        load_pretrained(bb, tmp_path / "missing.pth")
    wrong = tmp_path / "resnet50.pth"
    torch.save(build_backbone("resnet50").net.state_dict(), wrong)
    with pytest.raises(WeightsError, match="do not fit resnet18"):
        load_pretrained(bb, wrong)
    deeper = tmp_path / "resnet34.pth"  # same family, same shapes where keys overlap: extra blocks
    torch.save(torchvision.models.resnet34().state_dict(), deeper)
    with pytest.raises(WeightsError, match=r"0 missing keys.*unexpected \(e.g. \['layer1.2"):
        load_pretrained(bb, deeper)
    state = _tsn_style(build_backbone("bninception").net.state_dict())
    state["inception_4c_pool_proj_bn.weight"] = torch.ones(1, 96)  # the old 96-channel 4c
    bad = tmp_path / "bad_bn.pth"
    torch.save(state, bad)
    with pytest.raises(
        WeightsError,
        match=r"1 with wrong shapes.*inception_4c_pool_proj_bn.weight "
        r"\(1, 96\) vs \(128,\)",
    ):
        load_pretrained(build_backbone("bninception"), bad)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a torch file")
    with pytest.raises(WeightsError, match="not a readable torch file"):
        load_pretrained(bb, garbage)


def test_resnet_weights_with_prefix_and_for_more_input_channels(tmp_path):
    source = build_backbone("resnet18")
    good = tmp_path / "good.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in source.net.state_dict().items()}}, good)
    bb = build_backbone("resnet18")
    load_pretrained(bb, good)
    assert torch.equal(bb.net.conv1.weight, source.net.conv1.weight)
    six = build_backbone("resnet18", in_channels=6)
    load_pretrained(six, good)  # RGB filters adapted to 6 channels
    w = source.net.conv1.weight
    torch.testing.assert_close(six.net.conv1.weight, w.mean(1, keepdim=True).repeat(1, 6, 1, 1) / 2)
    torch.testing.assert_close(six.net.layer1[0].conv1.weight, source.net.layer1[0].conv1.weight)


def test_backbone_options_reach_the_constructor_and_unknown_ones_are_named():
    """``student.backbone_options`` (e.g. the wearable student's smallcnn widths) are constructor
    keywords; a wrong one fails naming the backbone and what it accepts."""
    bb = build_backbone("smallcnn", widths=[32, 64, 128, 256])
    assert bb.map_channels == [32, 64, 128, 256] and bb.feature_dim == 256
    with pytest.raises(ValueError, match=r"backbone 'smallcnn' does not take option\(s\) \['depth'\].*widths"):
        build_backbone("smallcnn", depth=3)
    with pytest.raises(ValueError, match=r"backbone 'resnet18' does not take option\(s\) \['widths'\]"):
        build_backbone("resnet18", widths=[1, 2, 3, 4])
