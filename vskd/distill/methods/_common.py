"""Helpers shared by the methods of this package: parameter checks and stage-map pairing.

Stage maps (FitNet, AT, NST, VID): student and teacher maps come from different inputs (a GAF
image, whose axes are time x time, and video frames, x x y) at different resolutions, so their
grids differ and are only known at forward time. As in RepDistiller, the larger map is
average-pooled to the smaller grid (per axis, so non-square maps work too); channel counts are
left to each method (connectors or channel-free statistics).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ...models.outputs import NetOutput


def match_grids(s: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Both (B, C, H, W) maps adaptively average-pooled to the common (min H, min W) grid; the
    teacher's in the student's dtype (cached teacher maps may be stored in float16)."""
    if s.dim() != 4 or t.dim() != 4:
        raise ValueError(f"stage maps must be (B, C, H, W), got {tuple(s.shape)} and {tuple(t.shape)}")
    t = as_dtype_of(t, s)
    size = (min(s.shape[2], t.shape[2]), min(s.shape[3], t.shape[3]))
    if tuple(s.shape[2:]) != size:
        s = F.adaptive_avg_pool2d(s, size)
    if tuple(t.shape[2:]) != size:
        t = F.adaptive_avg_pool2d(t, size)
    return s, t


def as_dtype_of(t: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """``t`` in the dtype of ``ref`` (a float16 teacher cache meets a float32 student)."""
    return t if t.dtype == ref.dtype else t.to(ref.dtype)


def stage_pairs(
    method: str, student: NetOutput, teacher: NetOutput, stages: int | None = None
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(student, teacher) map pairs stage by stage, on a common grid; an error when maps are missing."""
    s_maps, t_maps = list(student.maps), list(teacher.maps)
    if not s_maps or not t_maps:
        raise ValueError(
            f"method {method!r} needs stage maps of the student and the teacher "
            f"(got {len(s_maps)} and {len(t_maps)}): run the networks with maps"
        )
    if len(s_maps) != len(t_maps) or (stages is not None and len(s_maps) != stages):
        raise ValueError(
            f"method {method!r}: student has {len(s_maps)} stage maps, teacher "
            f"{len(t_maps)}" + (f", expected {stages}" if stages is not None else "")
        )
    return [match_grids(s, t) for s, t in zip(s_maps, t_maps)]


def map_channels(method: str, ctx_student, ctx_teacher) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Stage channel counts of both networks from their ``NetSpec``; an error if unknown or unequal."""
    s, t = tuple(ctx_student.map_channels), tuple(ctx_teacher.map_channels)
    if not s or not t or len(s) != len(t):
        raise ValueError(
            f"method {method!r} builds connectors from the stage channel counts: "
            f"student {s}, teacher {t} (both needed, as many stages each)"
        )
    return s, t


def int_param(method: str, name: str, value, minimum: int) -> int:
    """An integer parameter (a run sheet may give 2.0 for 2) of at least ``minimum``."""
    ok = (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and float(value).is_integer()
        and value >= minimum
    )
    if not ok:
        raise ValueError(f"method {method!r}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def positive_param(method: str, name: str, value) -> float:
    """A strictly positive real parameter."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"method {method!r}: {name} must be a positive number, got {value!r}")
    return float(value)
