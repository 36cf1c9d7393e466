"""BN-Inception: the published definition, exactly (parameter count, every block's shape, names)."""

from __future__ import annotations

import torch

from vskd.models.backbones import build_backbone
from vskd.models.backbones.bninception import BLOCKS, BNInception, block_out_channels

# every block's output at 224 px (channels, side) in the Caffe definition used by TSN/TRN
PUBLISHED_SHAPES = {
    "conv2_3x3": (192, 56),
    "inception_3a": (256, 28),
    "inception_3b": (320, 28),
    "inception_3c": (576, 14),
    "inception_4a": (576, 14),
    "inception_4b": (576, 14),
    "inception_4c": (608, 14),
    "inception_4d": (608, 14),
    "inception_4e": (1056, 7),
    "inception_5a": (1024, 7),
    "inception_5b": (1024, 7),
}


def test_parameter_count_is_the_published_one():
    """10,270,240 without the classifier (+ 1,025,000 for the 1000-way one); 4c's pool projection
    has 128 channels (a 96-channel one is 34,912 parameters short)."""
    net = BNInception()
    assert sum(p.numel() for p in net.parameters()) == 10_270_240
    with_head = BNInception(num_classes=1000)
    assert sum(p.numel() for p in with_head.parameters()) == 10_270_240 + 1024 * 1000 + 1000
    assert net.inception_4c_pool_proj.out_channels == 128
    assert net.inception_4d_1x1.in_channels == 608


def test_every_block_output_shape_at_224():
    net = BNInception().eval()
    with torch.no_grad():
        outs = net.block_outputs(torch.zeros(1, 3, 224, 224))
    assert {k: (v.shape[1], v.shape[2]) for k, v in outs.items()} == PUBLISHED_SHAPES
    for spec in BLOCKS:  # the table's inputs chain: block k's input = block k-1's output
        assert outs[f"inception_{spec[0]}"].shape[1] == block_out_channels(spec)
    for prev, spec in zip(BLOCKS, BLOCKS[1:]):
        assert spec[1] == block_out_channels(prev)


def test_stage_maps_pooled_features_and_tsn_layer_names():
    bb = build_backbone("bninception").eval()
    assert bb.input_norm == "caffe_bgr" and bb.map_channels == [192, 320, 608, 1024]
    with torch.no_grad():
        pooled, maps = bb.forward_maps(torch.rand(1, 3, 224, 224) * 255)
        again = bb(torch.rand(1, 3, 224, 224) * 255)
    assert [tuple(m.shape[1:]) for m in maps] == [(192, 56, 56), (320, 28, 28), (608, 14, 14), (1024, 7, 7)]
    assert pooled.shape == again.shape == (1, 1024)
    torch.testing.assert_close(pooled, maps[-1].mean(dim=(2, 3)))
    assert all(m.min() >= 0 for m in maps)  # post-ReLU maps, returned by the forward itself
    names = dict(bb.net.named_parameters())
    for key in (
        "conv1_7x7_s2.weight",
        "inception_3a_1x1_bn.weight",
        "inception_4c_pool_proj.weight",
        "inception_4e_double_3x3_2.weight",
        "inception_5b_pool_proj.bias",
    ):
        assert key in names
