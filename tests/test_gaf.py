"""GAF: vectorised implementation vs the MATLAB formulas, and the original MATLAB output."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from vskd.data.readers import read_inertial
from vskd.gaf import gaf_image, gramian_angular_field, mat2gray


def naive_matlab_gaf(x: np.ndarray, kind: str) -> np.ndarray:
    """Element by element, as GASF.m / GADF.m: rescale, clip, arccos, cos(sum) or sin(diff)."""
    mx, mn = max(x), min(x)
    scaled = [min(1.0, max(-1.0, (2 * v - mx - mn) / (mx - mn))) for v in x]
    phi = [math.acos(v) for v in scaled]
    n = len(x)
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            out[i, j] = math.cos(phi[i] + phi[j]) if kind == "gasf" else math.sin(phi[i] - phi[j])
    return out


@pytest.mark.parametrize("kind", ["gasf", "gadf"])
def test_vectorised_matches_naive_on_real_recordings(utd_inertial_dir, kind):
    for name in ("a1_s1_t1", "a10_s3_t2", "a27_s8_t3"):   # wrist and thigh recordings
        data = read_inertial(utd_inertial_dir / f"{name}_inertial.mat")
        fields = gramian_angular_field(data[:, :3].T, kind)
        for axis in range(3):
            np.testing.assert_allclose(fields[axis], naive_matlab_gaf(data[:, axis], kind), atol=1e-12)


def test_reproduces_matlab_gasf_image_pixel_for_pixel(utd_inertial_dir, reference_dir):
    """GASF_a.jpg is MATLAB's GASF of a1_s1_t1 (mat2gray per channel, imwrite JPEG quality 75)."""
    img = gaf_image(read_inertial(utd_inertial_dir / "a1_s1_t1_inertial.mat"), kind="gasf")
    buf = io.BytesIO()
    Image.fromarray(np.transpose(img, (1, 2, 0))).save(buf, "JPEG", quality=75)
    ours = np.asarray(Image.open(io.BytesIO(buf.getvalue())))
    reference = np.asarray(Image.open(reference_dir / "GASF_a.jpg"))
    assert ours.shape == reference.shape == (160, 160, 3)
    assert np.abs(ours.astype(int) - reference.astype(int)).max() == 0


def test_image_shape_channels_and_range():
    rng = np.random.default_rng(0)
    rec = rng.normal(size=(150, 6))
    img = gaf_image(rec, channels=["acc_x", "acc_y", "acc_z", "gyro_x"], kind="gadf", image_size=32)
    assert img.shape == (4, 32, 32) and img.dtype == np.uint8
    full = gaf_image(rec, image_size=None)
    assert full.shape == (3, 150, 150)
    assert (full.min(axis=(1, 2)) == 0).all() and (full.max(axis=(1, 2)) == 255).all()


def test_gasf_is_symmetric_and_sign_invariant():
    """GASF(-x) == GASF(x) after min-max scaling: why a left and a right swipe look alike."""
    x = np.sin(np.linspace(0, 6, 120)) + 0.1 * np.linspace(0, 1, 120)
    g = gramian_angular_field(x, "gasf")
    np.testing.assert_allclose(g, g.T, atol=1e-12)
    np.testing.assert_allclose(gramian_angular_field(-x, "gasf"), g, atol=1e-6)
    assert not np.allclose(gramian_angular_field(-x, "gadf"), gramian_angular_field(x, "gadf"))


def test_constant_channel_gives_zero_image_not_nan():
    rec = np.zeros((50, 6))
    rec[:, 1] = np.arange(50)
    img = gaf_image(rec)
    assert not np.isnan(img.astype(float)).any()
    assert img[0].max() == 0          # the constant acc_x channel
    assert mat2gray(np.ones((2, 3, 3))).max() == 0


def test_unknown_channel_and_kind_are_rejected():
    with pytest.raises(ValueError, match="unknown GAF channels"):
        gaf_image(np.zeros((10, 6)), channels=["acc_w"])
    with pytest.raises(ValueError, match="unknown GAF kind"):
        gramian_angular_field(np.zeros(10), "gaff")
