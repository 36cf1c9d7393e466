"""OpenCV's ``cv2.resize`` of a square image as a fixed linear map per axis, built in torch.

Resizing an N x N image G to S x S with INTER_AREA or INTER_LINEAR is separable and linear:
``resize(G) = A @ G @ A.T`` with one (S x N) weight matrix ``A`` that depends only on N, S and the
interpolation. This module builds ``A`` with tensor operations from the length N of a series, so an
exported graph (ONNX with a dynamic T, TorchScript) recomputes it for every recording length.

The weights follow OpenCV's ``imgproc/src/resize.cpp`` (the algorithm, not its code):

- ``area``, shrinking (N >= S): destination pixel d covers the source interval
  [d * scale, (d + 1) * scale) with ``scale = 1 / (S / N)`` (in double, as OpenCV computes it: 1 ulp matters for floor).
  Source pixel s contributes its overlap with that interval divided by the cell width
  ``min(scale, N - d * scale)``; partial overlaps of at most 1e-3 are dropped (not renormalised),
  as OpenCV's area table drops them. Integer ratios give the plain block average.
- ``area``, enlarging (N < S): OpenCV falls back to a 2-tap linear map with its own coefficients:
  ``sx = floor(d * scale)``, ``fx = (d + 1) - (sx + 1) / scale`` taken modulo 1 (0 when negative),
  weights ``1 - fx`` at sx and ``fx`` at sx + 1, clamped at the last pixel.
- ``linear``: ``fx = (d + 0.5) * scale - 0.5``, ``sx = floor(fx)``, weights ``1 - (fx - sx)`` and
  ``fx - sx`` (as float32), clamped to the first / last pixel.

As in :func:`vskd.gaf.resize_flag`, shrinking always uses INTER_AREA and ``interpolation`` only
picks the kernel for enlarging.

Exactness: the weights are OpenCV's, bit for bit (float32; tested by resizing identity matrices
with ``cv2.resize``); OpenCV sums the products in another order, so resized images agree to float
rounding (~1e-7). Enlarging with ``cubic`` is not implemented in-graph.
"""

from __future__ import annotations

import torch

#: ``gaf.interpolation`` values (the kernel for enlarging; shrinking is always INTER_AREA)
ENLARGE = ("area", "linear", "cubic")
#: those whose enlarging the in-graph resize implements
SUPPORTED_ENLARGE = ("area", "linear")
#: OpenCV drops partial area overlaps at or below this size
AREA_EPS = 1e-3


def positions_like(series: torch.Tensor) -> torch.Tensor:
    """0, 1, ..., T-1 as float64 for a tensor whose last axis has length T (graph-friendly:
    a cumulative sum of ones, so ONNX and TorchScript see T as data, not as a constant)."""
    ones = torch.ones_like(series.reshape(-1, series.shape[-1])[0], dtype=torch.float64)
    return torch.cumsum(ones, 0) - 1.0


def _area_shrink(n: torch.Tensor, scale: torch.Tensor, d: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    fsx1 = d * scale  # (S, 1)
    fsx2 = fsx1 + scale
    cell = torch.minimum(scale, n - fsx1)
    overlap = torch.clamp(torch.minimum(fsx2, s + 1.0) - torch.maximum(fsx1, s), min=0.0)  # (S, N)
    kept = torch.where(overlap > AREA_EPS, overlap, torch.zeros_like(overlap))
    return (kept / cell).float().double()  # OpenCV stores the weights as float32


def _two_tap(sx: torch.Tensor, fx: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """(S, N) weights 1 - fx at column sx and fx at column sx + 1 (sx, fx: (S, 1), float64)."""
    w0 = (1.0 - fx.float()).double()  # OpenCV: cbuf[0] = 1.f - fx (float32)
    zero = torch.zeros_like(s)
    return torch.where(s == sx, w0, zero) + torch.where(s == sx + 1.0, fx, zero)


def _clamp_taps(sx: torch.Tensor, fx: torch.Tensor, n: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    zero = torch.zeros_like(fx)
    left = sx < 0
    fx = torch.where(left, zero, fx)
    sx = torch.where(left, zero, sx)
    right = sx >= n - 1.0
    fx = torch.where(right, zero, fx)
    sx = torch.where(right, n - 1.0 + zero, sx)
    return sx, fx


def _area_enlarge(
    n: torch.Tensor, scale: torch.Tensor, inv: torch.Tensor, d: torch.Tensor, s: torch.Tensor
) -> torch.Tensor:
    sx = torch.floor(d * scale)
    fx = ((d + 1.0) - (sx + 1.0) * inv).float().double()
    fx = torch.where(fx <= 0, torch.zeros_like(fx), fx - torch.floor(fx))
    sx, fx = _clamp_taps(sx, fx, n)
    return _two_tap(sx, fx, s)


def _linear(n: torch.Tensor, scale: torch.Tensor, d: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    fx = (d + 0.5) * scale - 0.5
    sx = torch.floor(fx)
    fx = (fx - sx).float().double()
    sx, fx = _clamp_taps(sx, fx, n)
    return _two_tap(sx, fx, s)


def resize_matrix(positions: torch.Tensor, size: int, interpolation: str = "area") -> torch.Tensor:
    """The (size, N) float64 matrix A with ``cv2.resize(G, (size, size), flag) == A @ G @ A.T`` for
    the flag ``vskd.gaf.resize_flag(N, size, interpolation)`` picks: INTER_AREA when shrinking,
    ``interpolation`` when enlarging. ``positions`` is ``0..N-1`` as float64 (see
    :func:`positions_like`); N = len(positions). N == size gives the identity (no resize).

    Enlarging with ``cubic`` is not implemented: its weights are NaN, so a graph fed a recording
    shorter than ``size`` yields NaN rather than a silently different image.
    """
    s = positions.reshape(1, -1)  # (1, N)
    n = positions[-1:].reshape(1, 1) + 1.0  # N as a (1, 1) tensor
    d = torch.arange(size, dtype=torch.float64).reshape(-1, 1)  # (S, 1)
    # tensor / tensor: a Python number divided by a tensor is reciprocal-times in torch (1 ulp off)
    inv = torch.full_like(n, float(size)) / n  # OpenCV's inv_scale
    scale = torch.ones_like(n) / inv  # OpenCV's scale
    shrink = _area_shrink(n, scale, d, s)
    if interpolation == "area":
        enlarge = _area_enlarge(n, scale, inv, d, s)
    elif interpolation == "linear":
        enlarge = _linear(n, scale, d, s)
    else:
        enlarge = torch.full_like(shrink, float("nan"))
    return torch.where(n >= float(size), shrink, enlarge)


def check_interpolation(interpolation: str) -> None:
    if interpolation not in ENLARGE:
        raise ValueError(f"unknown interpolation {interpolation!r}; expected one of {ENLARGE}")


def _take(v: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """v[..., index] for a 1-D int64 index (ONNX Gather)."""
    return torch.index_select(v, -1, index)


def _index(t: torch.Tensor, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
    return torch.clamp(t, low, high).long()


def resize_vectors(v: torch.Tensor, size: int, interpolation: str = "area") -> torch.Tensor:
    """``v @ resize_matrix(...).T`` for float64 series v (..., N) -> (..., size), in O(N + size).

    The same linear map as :func:`resize_matrix`, evaluated without the (size x N) matrix:
    an area cell is a difference of prefix sums plus its two partial pixels (kept only above
    OpenCV's 1e-3), the 2-tap enlarging kernels are two gathers. Both branches are evaluated
    and the one that applies to N is selected, so the graph has no control flow.
    """
    positions = positions_like(v)
    n = positions[-1:] + 1.0  # (1,)
    last = n - 1.0
    d = torch.arange(size, dtype=torch.float64)  # (S,)
    inv = torch.full_like(n, float(size)) / n
    scale = torch.ones_like(n) / inv
    zero = torch.zeros_like(d)

    # area, shrinking (OpenCV's area table, with its index clamps)
    fsx1 = d * scale
    fsx2 = fsx1 + scale
    cell = torch.minimum(scale, n - fsx1)
    sx2 = torch.minimum(torch.floor(fsx2), last)
    sx1 = torch.minimum(torch.ceil(fsx1), sx2)
    wl = sx1 - fsx1
    wl = torch.where(wl > 1e-3, wl, zero)
    wr = fsx2 - sx2
    wr = torch.where(wr > 1e-3, torch.minimum(torch.minimum(wr, torch.ones_like(wr)), cell), zero)
    prefix = torch.cat([torch.zeros_like(v[..., :1]), torch.cumsum(v, -1)], -1)  # (..., N + 1)
    alpha = (1.0 / cell).float().double()  # OpenCV's per-cell weight of a full pixel (float32)

    full = _take(prefix, torch.clamp(sx2, zero, n).long()) - _take(prefix, torch.clamp(sx1, zero, n).long())
    shrink = (
        full * alpha
        + _take(v, _index(sx1 - 1.0, zero, last)) * (wl / cell).float().double()
        + _take(v, _index(sx2, zero, last)) * (wr / cell).float().double()
    )

    # enlarging: 2 taps with the kernel's coefficients
    if interpolation == "area":
        sx = torch.floor(d * scale)
        fx = ((d + 1.0) - (sx + 1.0) * inv).float().double()
        fx = torch.where(fx <= 0, zero, fx - torch.floor(fx))
    else:
        fx = d * 0.0 + ((d + 0.5) * scale - 0.5)
        sx = torch.floor(fx)
        fx = (fx - sx).float().double()
    left = sx < 0
    fx = torch.where(left, zero, fx)
    sx = torch.where(left, zero, sx)
    right = sx >= last
    fx = torch.where(right, zero, fx)
    sx = torch.where(right, last + zero, sx)
    w0 = (1.0 - fx.float()).double()
    enlarge = _take(v, _index(sx, zero, last)) * w0 + _take(v, _index(sx + 1.0, zero, last)) * fx
    if interpolation != "area" and interpolation != "linear":  # cubic: not in-graph
        enlarge = enlarge * float("nan")
    return torch.where(n >= float(size), shrink, enlarge)
