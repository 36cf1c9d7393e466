"""Gramian Angular Field encoding of inertial signals, vectorised over samples and channels.

Follows the original MATLAB (``GASF.m`` / ``GADF.m`` + ``mat2gray``) used by VSKD: each channel is
min-max scaled to [-1, 1] and clipped; GASF = cos(phi_i + phi_j) with phi = arccos(x); each
channel's image is then scaled to [0, 1]. Using cos(a+b) = cos a cos b - sin a sin b with
sin(arccos x) = sqrt(1 - x^2), the fields are outer products: no trigonometry on N x N arrays.

GADF has two conventions (``gadf_convention``), one the transpose (= the negative) of the other:
- ``matlab`` (default, the paper's encoder): ``GADF.m`` takes psi = arcsin(x) and computes
  sin(psi_i - psi_j) = x_i sqrt(1 - x_j^2) - sqrt(1 - x_i^2) x_j;
- ``pyts``: pyts (and Wang & Oates' paper) take phi = arccos(x) and compute sin(phi_i - phi_j),
  which is sin(psi_j - psi_i) since psi = pi/2 - phi.
After ``mat2gray`` one is the other's inverted image (1 - g), so the conventions are not
interchangeable for a network trained on one of them.

Long recordings (N > ``FIELD_LIMIT``) are resized without materialising the N x N field
(``factorised_image``): every field is
``u v^T - w z^T`` of four length-N vectors, ``mat2gray`` is affine, and OpenCV's area / linear /
cubic resizing is separable (``R(M) = A M A^T``), so the resized image is
``(Au)(Av)^T - (Aw)(Az)^T`` rescaled by the field's range, which comes from the sorted angles
(the pair sum nearest pi for GASF, the pair difference nearest pi/2 for GADF): O(N log N + S^2)
time and O(N + S^2) memory instead of O(N^2) — a 200,000-sample recording costs kilobytes, not
320 GB. Equal to resizing the materialised field up to float rounding (at most one grey level, where
the exact value is a rounding tie; tests/test_gaf.py compares both on real UTD-MHAD recordings).
Recordings up to ``FIELD_LIMIT`` samples (every real UTD-MHAD, Berkeley-MHAD and MMAct clip) take
the field path, byte for byte the images of the MATLAB-faithful encoder.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import cv2
import numpy as np

log = logging.getLogger(__name__)

CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
#: longest series whose N x N field is built (3 channels x 2048^2 float64 = 100 MB); longer ones
#: are resized through the factorised path (module docstring)
FIELD_LIMIT = 2048
INTERPOLATION = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}
GADF_CONVENTIONS = ("matlab", "pyts")


def rescale_minus1_1(series: np.ndarray) -> np.ndarray:
    """Min-max scale the last axis to [-1, 1] and clip; a constant series maps to 0."""
    series = np.asarray(series, dtype=np.float64)
    mx = series.max(axis=-1, keepdims=True)
    mn = series.min(axis=-1, keepdims=True)
    span = mx - mn
    safe = np.where(span > 0, span, 1.0)
    scaled = np.where(span > 0, (2 * series - mx - mn) / safe, 0.0)
    return np.clip(scaled, -1.0, 1.0)


def gramian_angular_field(series: np.ndarray, kind: str = "gasf", gadf_convention: str = "matlab") -> np.ndarray:
    """GASF or GADF of each series along the last axis: (..., N) -> (..., N, N), float64 in [-1, 1].

    ``gadf_convention`` (GADF only): ``matlab`` sin(arcsin x_i - arcsin x_j) as ``GADF.m``, or
    ``pyts`` sin(arccos x_i - arccos x_j), its transpose (see the module docstring).
    """
    u, v, w, z = _field_factors(*_cos_sin(series), kind, gadf_convention)
    return u[..., :, None] * v[..., None, :] - w[..., :, None] * z[..., None, :]


def _cos_sin(series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x = cos(phi) (the series scaled to [-1, 1]) and sin(phi) = sqrt(1 - x^2)."""
    x = rescale_minus1_1(series)
    return x, np.sqrt(np.clip(1.0 - x * x, 0.0, 1.0))


def mat2gray(images: np.ndarray) -> np.ndarray:
    """MATLAB ``mat2gray`` per image (last two axes): min-max to [0, 1]; constant -> 0."""
    mx = images.max(axis=(-2, -1), keepdims=True)
    mn = images.min(axis=(-2, -1), keepdims=True)
    span = mx - mn
    return np.where(span > 0, (images - mn) / np.where(span > 0, span, 1.0), 0.0)


def to_uint8(gray: np.ndarray) -> np.ndarray:
    """``round(255 * g)`` as uint8, as MATLAB's ``imwrite`` of a [0, 1] image."""
    return np.round(255.0 * gray).astype(np.uint8)


def channel_indices(channels: Sequence[str]) -> list[int]:
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise ValueError(f"unknown GAF channels {unknown}; known: {CHANNELS}")
    return [CHANNELS.index(c) for c in channels]


def constant_channels(inertial: np.ndarray, channels: Sequence[str]) -> list[str]:
    """The selected channels whose recording is constant (e.g. all zero): their GAF is blank."""
    series = np.asarray(inertial, dtype=np.float64)[:, channel_indices(channels)]
    flat = series.max(axis=0) == series.min(axis=0)
    return [c for c, f in zip(channels, flat) if f]


def resize_flag(native: int, image_size: int, interpolation: str) -> int:
    """OpenCV interpolation for resizing an N x N field to ``image_size``.

    Shrinking always averages areas (INTER_AREA): a GAF of a longer clip holds detail finer than
    the target grid, and point-sampling kernels (linear, cubic) alias it into moire. The released
    student's torchvision/PIL bilinear resize also antialiases when shrinking. ``interpolation``
    therefore only chooses the kernel for enlarging short clips.
    """
    if interpolation not in INTERPOLATION:
        raise ValueError(f"unknown interpolation {interpolation!r}; expected one of {sorted(INTERPOLATION)}")
    return cv2.INTER_AREA if image_size < native else INTERPOLATION[interpolation]


def gaf_image(
    inertial: np.ndarray,
    channels: Sequence[str] = ("acc_x", "acc_y", "acc_z"),
    kind: str = "gasf",
    image_size: int | None = None,
    interpolation: str = "area",
    gadf_convention: str = "matlab",
) -> np.ndarray:
    """One recording (N, 6) -> a (C, S, S) uint8 GAF image, one channel per selected axis.

    ``image_size=None`` keeps the native N x N size (as the MATLAB images); otherwise each [0, 1]
    channel is resized with OpenCV before quantisation (antialiased when shrinking, see
    ``resize_flag``).
    """
    series = np.asarray(inertial, dtype=np.float64)[:, channel_indices(channels)].T  # (C, N)
    return series_image(series, kind, image_size, interpolation, gadf_convention)


def series_image(
    series: np.ndarray,
    kind: str = "gasf",
    image_size: int | None = None,
    interpolation: str = "area",
    gadf_convention: str = "matlab",
) -> np.ndarray:
    """(C, N) series of any sensor -> (C, S, S) uint8: field, ``mat2gray``, resize, quantise.

    A series longer than ``FIELD_LIMIT`` resized to ``image_size`` goes through
    ``factorised_image`` (O(N + S^2) memory) instead of building its field."""
    series = np.asarray(series, dtype=np.float64)
    n = series.shape[-1]
    if image_size is not None and image_size != n and n > FIELD_LIMIT:
        return factorised_image(series, kind, image_size, interpolation, gadf_convention)
    gray = mat2gray(gramian_angular_field(series, kind, gadf_convention))
    if image_size is not None and image_size != n:
        flag = resize_flag(n, image_size, interpolation)
        gray = np.stack([cv2.resize(g.astype(np.float32), (image_size, image_size), interpolation=flag) for g in gray])
        gray = np.clip(gray, 0.0, 1.0)
    return to_uint8(gray)


def factorised_image(
    series: np.ndarray, kind: str, image_size: int, interpolation: str = "area", gadf_convention: str = "matlab"
) -> np.ndarray:
    """(C, N) -> (C, S, S) uint8 like ``series_image``, without the N x N field (module docstring)."""
    series = np.asarray(series, dtype=np.float64)
    flag = resize_flag(series.shape[-1], image_size, interpolation)
    return to_uint8(np.stack([_resized_field(row, kind, gadf_convention, image_size, flag) for row in series]))


def _field_factors(x: np.ndarray, s: np.ndarray, kind: str, gadf_convention: str) -> tuple[np.ndarray, ...]:
    """(u, v, w, z) with field = u v^T - w z^T (see ``gramian_angular_field``)."""
    if gadf_convention not in GADF_CONVENTIONS:
        raise ValueError(f"unknown GADF convention {gadf_convention!r}; expected one of {GADF_CONVENTIONS}")
    if kind == "gasf":
        return x, x, s, s
    if kind == "gadf":
        return (x, s, s, x) if gadf_convention == "matlab" else (s, x, x, s)
    raise ValueError(f"unknown GAF kind {kind!r}; expected 'gasf' or 'gadf'")


def _field_range(x: np.ndarray, s: np.ndarray, kind: str) -> tuple[float, float]:
    """(min, max) of the N x N field of one channel without building it.

    With phi = arccos(x) in [0, pi]: GASF = cos(phi_i + phi_j) is largest at the extreme sums
    (2 phi_min, 2 phi_max) and smallest at the pair sum nearest pi; GADF = +-sin(phi_i - phi_j) is
    antisymmetric, its largest value at the pair difference nearest pi/2. The values are computed
    with the field's own formula at the chosen pairs."""
    phi = np.arccos(x)
    order = np.argsort(phi)
    sp = phi[order]

    def partners(target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (i, j) with phi_j the nearest (from below or above) to ``target`` of each i."""
        pos = np.clip(np.searchsorted(sp, target), 0, len(sp) - 1)
        cand = np.concatenate([pos, np.clip(pos - 1, 0, len(sp) - 1)])
        return np.concatenate([order, order]), order[cand]

    if kind == "gasf":
        top = max(x[i] * x[i] - s[i] * s[i] for i in (order[0], order[-1]))
        i, j = partners(np.pi - sp)  # phi_i + phi_j nearest pi
        return float((x[i] * x[j] - s[i] * s[j]).min()), float(top)
    i, j = partners(sp + np.pi / 2)  # phi_j - phi_i nearest pi/2
    top = float(np.abs(x[i] * s[j] - s[i] * x[j]).max())
    return -top, top


def _resize_vector(v: np.ndarray, size: int, flag: int) -> np.ndarray:
    """The 1-D resampling OpenCV applies along each axis of an image, applied to one vector."""
    return cv2.resize(v[:, None], (1, size), interpolation=flag)[:, 0]


def _resized_field(series: np.ndarray, kind: str, gadf_convention: str, size: int, flag: int) -> np.ndarray:
    """One channel's ``mat2gray``-scaled field resized to size x size, from length-N vectors."""
    x, s = _cos_sin(series)
    lo, hi = _field_range(x, s, kind)
    if hi <= lo:  # a constant field (a constant channel): mat2gray gives 0
        return np.zeros((size, size))
    u, v, w, z = (_resize_vector(f, size, flag) for f in _field_factors(x, s, kind, gadf_convention))
    field = u[:, None] * v[None, :] - w[:, None] * z[None, :]
    return np.clip((field - lo) / (hi - lo), 0.0, 1.0)
