"""Gramian Angular Field encoding of inertial signals, vectorised over samples and channels.

Follows the original MATLAB (``GASF.m`` / ``GADF.m`` + ``mat2gray``) used by VSKD: each channel is
min-max scaled to [-1, 1] and clipped, phi = arccos(x); GASF = cos(phi_i + phi_j),
GADF = sin(phi_i - phi_j); each channel's image is then scaled to [0, 1]. Using
cos(a+b) = cos a cos b - sin a sin b with sin(arccos x) = sqrt(1 - x^2), both fields are outer
products: no trigonometry on N x N arrays.
"""
from __future__ import annotations

import logging
from typing import Sequence

import cv2
import numpy as np

log = logging.getLogger(__name__)

CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
INTERPOLATION = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}


def rescale_minus1_1(series: np.ndarray) -> np.ndarray:
    """Min-max scale the last axis to [-1, 1] and clip; a constant series maps to 0."""
    series = np.asarray(series, dtype=np.float64)
    mx = series.max(axis=-1, keepdims=True)
    mn = series.min(axis=-1, keepdims=True)
    span = mx - mn
    safe = np.where(span > 0, span, 1.0)
    scaled = np.where(span > 0, (2 * series - mx - mn) / safe, 0.0)
    return np.clip(scaled, -1.0, 1.0)


def gramian_angular_field(series: np.ndarray, kind: str = "gasf") -> np.ndarray:
    """GASF or GADF of each series along the last axis: (..., N) -> (..., N, N), float64 in [-1, 1]."""
    x = rescale_minus1_1(series)
    s = np.sqrt(np.clip(1.0 - x * x, 0.0, 1.0))
    if kind == "gasf":
        return x[..., :, None] * x[..., None, :] - s[..., :, None] * s[..., None, :]
    if kind == "gadf":
        return s[..., :, None] * x[..., None, :] - x[..., :, None] * s[..., None, :]
    raise ValueError(f"unknown GAF kind {kind!r}; expected 'gasf' or 'gadf'")


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


def gaf_image(inertial: np.ndarray, channels: Sequence[str] = ("acc_x", "acc_y", "acc_z"),
              kind: str = "gasf", image_size: int | None = None,
              interpolation: str = "area") -> np.ndarray:
    """One recording (N, 6) -> a (C, S, S) uint8 GAF image, one channel per selected axis.

    ``image_size=None`` keeps the native N x N size (as the MATLAB images); otherwise each [0, 1]
    channel is resized with OpenCV before quantisation.
    """
    series = np.asarray(inertial, dtype=np.float64)[:, channel_indices(channels)].T   # (C, N)
    gray = mat2gray(gramian_angular_field(series, kind))
    if image_size is not None and image_size != gray.shape[-1]:
        flag = INTERPOLATION[interpolation]
        gray = np.stack([cv2.resize(g.astype(np.float32), (image_size, image_size), interpolation=flag)
                         for g in gray])
        gray = np.clip(gray, 0.0, 1.0)
    return to_uint8(gray)
