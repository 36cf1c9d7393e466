"""GAF: vectorised implementation vs the MATLAB formulas, and the original MATLAB output."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from vskd.data.readers import read_inertial
from vskd.gaf import gaf_image, gramian_angular_field, mat2gray


def naive_gaf(x: np.ndarray, kind: str, convention: str = "matlab") -> np.ndarray:
    """Element by element from the formulas: rescale, clip; GASF.m: cos(acos x_m + acos x_n);
    GADF.m: sin(asin x_m - asin x_n); pyts' GADF: sin(acos x_m - acos x_n)."""
    mx, mn = max(x), min(x)
    scaled = [min(1.0, max(-1.0, (2 * v - mx - mn) / (mx - mn))) for v in x]
    n = len(x)
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            a, b = scaled[i], scaled[j]
            if kind == "gasf":
                out[i, j] = math.cos(math.acos(a) + math.acos(b))
            elif convention == "matlab":
                out[i, j] = math.sin(math.asin(a) - math.asin(b))
            else:
                out[i, j] = math.sin(math.acos(a) - math.acos(b))
    return out


@pytest.mark.parametrize("kind,convention", [("gasf", "matlab"), ("gadf", "matlab"), ("gadf", "pyts")])
def test_vectorised_matches_naive_on_real_recordings(utd_inertial_dir, kind, convention):
    for name in ("a1_s1_t1", "a10_s3_t2", "a27_s8_t3"):  # wrist and thigh recordings
        data = read_inertial(utd_inertial_dir / f"{name}_inertial.mat")
        fields = gramian_angular_field(data[:, :3].T, kind, convention)
        for axis in range(3):
            np.testing.assert_allclose(fields[axis], naive_gaf(data[:, axis], kind, convention), atol=1e-12)


def test_gadf_defaults_to_matlab_convention_the_transpose_of_pyts():
    x = np.sin(np.linspace(0, 5, 90)) + 0.3 * np.linspace(-1, 1, 90) ** 2
    matlab = gramian_angular_field(x, "gadf")
    np.testing.assert_allclose(matlab, naive_gaf(x, "gadf", "matlab"), atol=1e-12)
    pyts = gramian_angular_field(x, "gadf", "pyts")
    np.testing.assert_allclose(pyts, matlab.T, atol=1e-12)
    np.testing.assert_allclose(pyts, -matlab, atol=1e-12)
    rec = np.stack([x] * 6, axis=1)
    img_m, img_p = gaf_image(rec, kind="gadf"), gaf_image(rec, kind="gadf", gadf_convention="pyts")
    assert np.abs(img_m.astype(int) + img_p.astype(int) - 255).max() <= 1  # inverted images
    with pytest.raises(ValueError, match="unknown GADF convention"):
        gramian_angular_field(x, "gadf", "wang")


def test_shrinking_antialiases_whatever_the_interpolation():
    """A 126-sample alternating signal gives a 0/1 checkerboard field: shrunk 3x it must be near
    flat grey (area averages: 4/9..5/9), not the 0/1 pattern point sampling (INTER_LINEAR) keeps."""
    x = np.tile([1.0, -1.0], 63)
    rec = np.stack([x] * 6, axis=1)
    for interpolation in ("area", "linear", "cubic"):
        img = gaf_image(rec, kind="gasf", image_size=42, interpolation=interpolation)
        assert img.min() >= 113 and img.max() <= 142, interpolation
    up = gaf_image(rec[:16], kind="gasf", image_size=64, interpolation="linear")  # enlarging
    assert up.shape == (3, 64, 64) and up.max() == 255 and up.min() == 0


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
    assert img[0].max() == 0  # the constant acc_x channel
    assert mat2gray(np.ones((2, 3, 3))).max() == 0


def test_constant_channel_is_logged_with_the_clip_name(tmp_path, caplog):
    import pandas as pd
    from scipy.io import savemat

    from vskd.gaf_store import GafStore, write_gaf_h5

    rng = np.random.default_rng(0)
    paths = []
    for name, dead in (("a1_s1_t1", None), ("a2_s1_t1", 2)):
        rec = rng.normal(size=(120, 6))
        if dead is not None:
            rec[:, dead] = 0.0  # a dead acc_z axis
        paths.append(tmp_path / f"{name}_inertial.mat")
        savemat(paths[-1], {"d_iner": rec})
    manifest = pd.DataFrame(
        {
            "clip_id": ["a1_s1_t1", "a2_s1_t1"],
            "label": [0, 1],
            "inertial_path": [str(p) for p in paths],
            "status": ["ok", "ok"],
        }
    )
    params = {"kind": "gasf", "channels": ["acc_x", "acc_y", "acc_z"], "image_size": 32, "interpolation": "area"}
    with caplog.at_level("WARNING", logger="vskd.gaf_store"):
        assert write_gaf_h5(manifest, tmp_path / "gaf.h5", params, "utd_mhad") == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("a2_s1_t1" in m and "acc_z" in m and "blank" in m for m in warnings)
    assert not any("a1_s1_t1" in m for m in warnings)
    assert GafStore(tmp_path / "gaf.h5")["a2_s1_t1"][2].max() == 0


def test_unknown_channel_and_kind_are_rejected():
    with pytest.raises(ValueError, match="unknown GAF channels"):
        gaf_image(np.zeros((10, 6)), channels=["acc_w"])
    with pytest.raises(ValueError, match="unknown GAF kind"):
        gramian_angular_field(np.zeros(10), "gaff")


def test_extreme_finite_values_are_named(tmp_path, caplog):
    """One 1e200 sample leaves the rest of the channel on one grey level: warned like a blank
    channel; values whose range overflows the float range are an error naming the file."""
    import pandas as pd
    from scipy.io import savemat

    from vskd.data.readers import DataFileError
    from vskd.gaf_store import write_gaf_h5

    rng = np.random.default_rng(0)
    rec = rng.normal(size=(120, 6))
    rec[60, 1] = 1e200
    path = tmp_path / "a1_s1_t1_inertial.mat"
    savemat(path, {"d_iner": rec})
    manifest = pd.DataFrame({"clip_id": ["a1_s1_t1"], "label": [0], "inertial_path": [str(path)], "status": ["ok"]})
    params = {"kind": "gasf", "channels": ["acc_x", "acc_y", "acc_z"], "image_size": 32, "interpolation": "area"}
    with caplog.at_level("WARNING", logger="vskd.gaf_store"):
        write_gaf_h5(manifest, tmp_path / "gaf.h5", params, "utd_mhad")
    assert any("a1_s1_t1" in r.getMessage() and "acc_y" in r.getMessage() for r in caplog.records)
    rec[10, 2], rec[11, 2] = 1e308, -1e308
    savemat(path, {"d_iner": rec})
    with pytest.raises(DataFileError, match=r"a1_s1_t1_inertial\.mat: channel acc_z spans more than the float range"):
        write_gaf_h5(manifest, tmp_path / "gaf2.h5", params, "utd_mhad")


def _materialised(series: np.ndarray, kind: str, size: int, interpolation: str, convention: str) -> np.ndarray:
    """The image by the definition: build the N x N field, mat2gray, resize it, quantise."""
    import cv2

    from vskd.gaf import resize_flag, to_uint8

    gray = mat2gray(gramian_angular_field(series, kind, convention))
    flag = resize_flag(gray.shape[-1], size, interpolation)
    out = np.stack([cv2.resize(g.astype(np.float32), (size, size), interpolation=flag) for g in gray])
    return to_uint8(np.clip(out, 0.0, 1.0))


@pytest.mark.parametrize("kind,convention", [("gasf", "matlab"), ("gadf", "matlab"), ("gadf", "pyts")])
def test_the_factorised_path_equals_the_field_path(utd_inertial_dir, kind, convention):
    """Every 4th real UTD-MHAD recording (107-326 samples) at the demo's 32 and the paper's 224 px,
    area (shrink) and linear / cubic (enlarge): at most one grey level apart, and only where the
    exact value is a rounding tie (GADF's diagonal is exactly 127.5; the field path lands there
    with float noise, the factorised path exactly)."""
    from vskd.gaf import factorised_image

    differing = total = 0
    for path in sorted(utd_inertial_dir.glob("*_inertial.mat"))[::4]:
        series = read_inertial(path)[:, :3].T
        for size, interpolation in ((32, "area"), (224, "linear"), (224, "cubic")):
            a = _materialised(series, kind, size, interpolation, convention).astype(int)
            b = factorised_image(series, kind, size, interpolation, convention).astype(int)
            assert np.abs(a - b).max() <= 1, path.name
            differing += int((a != b).sum())
            total += a.size
    assert differing / total < (1e-4 if kind == "gasf" else 2e-3)


def test_a_long_recording_is_encoded_in_bounded_memory():
    import tracemalloc

    from vskd.gaf import series_image

    rng = np.random.default_rng(0)
    series = np.cumsum(rng.normal(size=(3, 200_000)), axis=1)  # the field would be 3 x 320 GB
    tracemalloc.start()
    image = series_image(series, "gasf", 32)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert image.shape == (3, 32, 32) and peak < 64 * 2**20
    short = series[:, :2000]  # up to FIELD_LIMIT samples: the field path, byte for byte
    np.testing.assert_array_equal(series_image(short, "gasf", 32), _materialised(short, "gasf", 32, "area", "matlab"))
