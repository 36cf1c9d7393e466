"""The teacher's test view: TSN's centre crop of the short-side-256 frame, or the whole frame."""

from __future__ import annotations

import numpy as np
import pytest

from vskd.training.sampling import TSN_TEST_CROP_SCALE, crop_box


def test_tsn_test_view_is_the_centre_224_crop_of_a_340x256_frame():
    assert crop_box(256, 340, 224, 224, False, test_scale=TSN_TEST_CROP_SCALE) == (16, 58, 224, 224)
    assert crop_box(256, 340, 224, 224, False) == (0, 42, 256, 256)  # test_scale 1: whole height
    # the same view on frames stored smaller (here 128 x 170): the same fraction of the frame
    assert crop_box(128, 170, 224, 224, False, test_scale=0.875) == (8, 29, 112, 112)


def test_training_crops_ignore_the_test_scale():
    for test_scale in (1.0, 0.875):
        rng = np.random.default_rng(3)
        boxes = [crop_box(64, 80, 64, 64, True, rng, (1.0, 0.75), test_scale) for _ in range(20)]
        assert {b[2] for b in boxes} == {64, 48}
        if test_scale == 1.0:
            first = boxes
    assert boxes == first
    with pytest.raises(ValueError, match="test crop scale"):
        crop_box(64, 80, 64, 64, False, test_scale=1.5)


class _Frames:
    """A frame store holding one clip of 4 frames with distinct pixels."""

    path = "memory"

    def __contains__(self, clip_id: str) -> bool:
        return clip_id == "a1_s1_t1"

    def num_frames(self, clip_id: str) -> int:
        return 4

    def read(self, clip_id: str, indices) -> np.ndarray:
        frame = np.arange(16 * 20 * 3, dtype=np.uint32).reshape(16, 20, 3) % 251
        return np.stack([frame.astype(np.uint8)] * len(indices))


def test_clip_dataset_uses_the_configured_test_view():
    from vskd.training.datasets import ClipDataset

    ds = ClipDataset(
        ["a1_s1_t1"], [0], seed=0, train=False, frames=_Frames(), num_segments=2, crop=(8, 8), test_crop_scale=0.5
    )
    got = ds.sample_frames(0, train=False).numpy()
    want = _Frames().read("a1_s1_t1", [0])[0][4:12, 6:14].transpose(2, 0, 1)
    np.testing.assert_array_equal(got[0], want)


def test_teacher_sampling_carries_the_configured_test_view():
    from vskd.training.common import frame_sampling

    cfg = {"num_segments": 8, "crop_scales": [1.0, 0.875], "test_crop_scale": 0.875}
    assert frame_sampling(cfg, (224, 224))["test_crop_scale"] == 0.875
    assert frame_sampling({"num_segments": 3}, (64, 64))["test_crop_scale"] == 1.0
