"""The GAF encoder of :mod:`vskd.gaf` as a torch module, so it can live inside an exported graph.

``GafEncoder`` maps raw samples (B, C, T) to the images the student was trained on (B, C, S, S),
float in 0..255, for any T (ONNX: a dynamic axis). It computes what ``vskd.gaf.gaf_image`` computes
(min-max to [-1, 1], GASF/GADF, ``mat2gray``, OpenCV resize, ``round(255 g)``) in another order:

- the series-level steps (min-max, sqrt(1 - x^2)) are the numpy formulas, evaluated in float64, so
  the field's minimum and maximum (``mat2gray``'s range) are the same numbers as numpy's;
- GASF = x x^T - s s^T and GADF = x s^T - s x^T (MATLAB convention; pyts: the negative) are rank 2,
  and resizing is a linear map ``A G A^T`` (:mod:`vskd.export.resize`). So the resized, min-max
  scaled image is ``((Ax)(Ax)^T - (As)(As)^T - min * (A1)(A1)^T) / (max - min)``: S x S work instead
  of resizing a T x T image (``Ax`` in O(T) by prefix sums). Only the field's minimum still needs
  the T x T products (one float32 matmul with inner size 2 and a reduction; its maximum is known).

Result: the same image as ``gaf_image`` up to float rounding (~1e-7 before quantisation). After
``round(255 g)`` a pixel whose value lies within that rounding of a .5 step can land on the other
level, never more than one (tests/test_export.py bounds how often).
"""

from __future__ import annotations

import torch
from torch import nn

from .resize import check_interpolation, resize_vectors

KINDS = ("gasf", "gadf")
GADF_CONVENTIONS = ("matlab", "pyts")


class GafEncoder(nn.Module):
    """(B, C, T) raw samples -> (B, C, S, S) GAF images, float 0..255 (rounded when ``quantize``)."""

    def __init__(
        self,
        kind: str = "gasf",
        image_size: int = 64,
        interpolation: str = "area",
        gadf_convention: str = "matlab",
        quantize: bool = True,
    ):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown GAF kind {kind!r}; expected one of {KINDS}")
        if gadf_convention not in GADF_CONVENTIONS:
            raise ValueError(f"unknown GADF convention {gadf_convention!r}; expected one of {GADF_CONVENTIONS}")
        self.kind = kind
        self.image_size = int(image_size)
        self.interpolation = interpolation
        # GADF: matlab x_i s_j - s_i x_j; pyts s_i x_j - x_i s_j (its negative)
        self.sign = 1.0 if gadf_convention == "matlab" else -1.0
        self.quantize = quantize
        check_interpolation(interpolation)

    def _field(self, a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        """a_i b_j - c_i d_j over the last axis: (..., N) x 4 -> (..., N, N)."""
        return a.unsqueeze(-1) * b.unsqueeze(-2) - c.unsqueeze(-1) * d.unsqueeze(-2)

    def gaf(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """The field of (x, s) as vskd.gaf writes it (GASF x x' - s s'; GADF per convention)."""
        if self.kind == "gasf":
            return self._field(x, x, s, s)
        if self.sign > 0:
            return self._field(x, s, s, x)
        return self._field(s, x, x, s)

    def field_min(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """min over i, j of the T x T field, (B, C, 1, 1): one float32 matmul with inner size 2."""
        if self.kind == "gasf":
            left, right = torch.stack([x, s], -1), torch.stack([x, -s], -1)
        elif self.sign > 0:
            left, right = torch.stack([x, -s], -1), torch.stack([s, x], -1)
        else:
            left, right = torch.stack([s, -x], -1), torch.stack([x, s], -1)
        field = torch.matmul(left.float(), right.float().transpose(-1, -2))  # (B, C, T, T)
        return field.flatten(-2).amin(-1).double().unsqueeze(-1).unsqueeze(-1)

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        series = raw.to(torch.float64)
        mx = series.amax(-1, keepdim=True)
        mn = series.amin(-1, keepdim=True)
        span = mx - mn
        ok = span > 0
        safe = torch.where(ok, span, torch.ones_like(span))
        x = torch.where(ok, (2 * series - mx - mn) / safe, torch.zeros_like(series)).clamp(-1.0, 1.0)
        s = torch.sqrt(torch.clamp(1.0 - x * x, 0.0, 1.0))
        # mat2gray's range of the T x T field: its minimum needs every pair; its maximum is known:
        # GASF peaks at exactly 1 (x = 1, s = 0 at the series' maximum; -1 everywhere for a
        # constant series), GADF is antisymmetric (max = -min)
        gmin = self.field_min(x, s)
        if self.kind == "gasf":
            gmax = torch.where(ok, torch.ones_like(span), -torch.ones_like(span)).unsqueeze(-1)
        else:
            gmax = -gmin
        gspan = gmax - gmin
        gok = gspan > 0
        # one resize of x, s and 1 together: A x, A s and the row sums of A, each (B, C, S)
        resized_vectors = resize_vectors(torch.stack([x, s, torch.ones_like(x)]), self.image_size, self.interpolation)
        ax, as_, a1 = resized_vectors[0], resized_vectors[1], resized_vectors[2]
        resized = self.gaf(ax, as_) - gmin * (a1.unsqueeze(-1) * a1.unsqueeze(-2))
        gray = torch.where(gok, resized / torch.where(gok, gspan, torch.ones_like(gspan)), torch.zeros_like(resized))
        gray = gray.to(torch.float32).clamp(0.0, 1.0)
        img = 255.0 * gray
        if self.quantize:
            img = torch.round(img)
        return img
