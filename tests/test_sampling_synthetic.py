"""Segment sampling, and the synthetic dataset's format and physics."""

from __future__ import annotations

import numpy as np
import pytest

from vskd.data.synthetic.utd_mhad import SyntheticSpec, synthesize_clip
from vskd.data.utd import ClipId
from vskd.training.sampling import crop_box, segment_indices


def test_segment_sampling():
    np.testing.assert_array_equal(segment_indices(30, 3, train=False), [5, 15, 25])
    rng = np.random.default_rng(0)
    for _ in range(50):
        idx = segment_indices(31, 4, train=True, rng=rng)
        assert (np.diff(idx) >= 0).all() and idx.min() >= 0 and idx.max() <= 30
        assert all(int(k * 31 / 4) <= i < (k + 1) * 31 / 4 for k, i in enumerate(idx))
    np.testing.assert_array_equal(segment_indices(2, 4, train=False), [0, 0, 1, 1])


def test_crop_box_never_leaves_the_frame():
    rng = np.random.default_rng(1)
    for _ in range(50):
        top, left, h, w = crop_box(64, 80, 64, 64, True, rng)
        assert 0 <= top and top + h <= 64 and 0 <= left and left + w <= 80
    assert crop_box(64, 80, 64, 64, False) == (0, 8, 64, 64)


@pytest.mark.parametrize("action", [1, 9, 22, 24])
def test_clip_format_and_determinism(action):
    spec = SyntheticSpec()
    frames, imu = synthesize_clip(spec, ClipId(action, 3, 2))
    frames2, imu2 = synthesize_clip(spec, ClipId(action, 3, 2))
    np.testing.assert_array_equal(imu, imu2)
    np.testing.assert_array_equal(frames, frames2)
    assert 107 <= len(imu) <= 326 and imu.shape[1] == 6
    assert frames.shape[1:] == (120, 160, 3) and frames.dtype == np.uint8
    assert abs(len(imu) / len(frames) - 50 / 15) < 0.1
    assert np.abs(imu[:, :3]).max() <= 8 and np.abs(imu[:, 3:]).max() <= 1000


def test_sensor_sees_gravity_and_the_right_limb():
    spec = SyntheticSpec()
    _, wave = synthesize_clip(spec, ClipId(3, 1, 1))  # right hand wave (wrist)
    _, walk = synthesize_clip(spec, ClipId(23, 1, 1))  # walking in place (thigh)
    # at rest (first samples) the accelerometer reads ~1 g of gravity
    assert 0.85 < np.linalg.norm(wave[:5, :3], axis=1).mean() < 1.15
    # the wave moves the wrist a lot; the thigh swings periodically while walking
    assert np.abs(wave[:, 3:]).max() > 100
    assert np.abs(walk[:, 3:]).max() > 50
