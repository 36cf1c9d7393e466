"""Loss functions shared by several methods (soft targets, RKD relations), on plain tensors.

References: soft-target KD (Hinton et al. 2015: T^2-scaled KL, batch mean); RKD distance and
angle (Park et al., CVPR 2019: pairwise distances normalised by their batch mean, cosines of all
triplet angles, Huber loss).

Relations are computed in fp32 whatever the autocast precision: distances from
``|a|^2 + |b|^2 - 2ab`` cancel catastrophically in bf16 (a 6x larger distance term measured on a
DASK student, tests/test_compute.py).
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F


@contextlib.contextmanager
def _fp32(device: torch.device):
    """Leave autocast for the enclosed computation (inputs are cast to fp32 by the caller)."""
    with torch.autocast(device.type, enabled=False):
        yield


def soft_target_kl(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """T^2 * KL(softmax(t/T) || softmax(s/T)), averaged over the batch."""
    log_p = F.log_softmax(student_logits / temperature, dim=1)
    q = F.softmax(teacher_logits / temperature, dim=1)
    return F.kl_div(log_p, q, reduction="batchmean") * temperature**2


def pairwise_distances(e: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """(B, B) Euclidean distances in fp32, zero diagonal, differentiable at coincident points
    (their squared distance is clamped at ``eps``, so they sit at 1e-6)."""
    with _fp32(e.device):
        e = e.float()
        sq = e.pow(2).sum(1)
        d = (sq[:, None] + sq[None, :] - 2 * e @ e.t()).clamp_min(eps).sqrt()
        return d * (1 - torch.eye(len(e), device=e.device, dtype=e.dtype))


def normalised_distances(e: torch.Tensor) -> torch.Tensor:
    """Pairwise distances divided by their mean over all off-diagonal pairs, coincident pairs
    included, as the RKD paper, the authors' code and RepDistiller average them (``d[d > 0]``,
    where a coincident pair sits at the clamp, 1e-6 > 0). A single-sample batch has no pair and
    is returned as it is (zeros) instead of dividing by the mean of an empty set."""
    d = pairwise_distances(e)
    n = len(d)
    if n < 2:
        return d
    return d / (d.sum() / (n * (n - 1)))


def rkd_distance(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """RKD distance-wise loss between two batches of vectors (any dimensions)."""
    with torch.no_grad():
        t = normalised_distances(teacher)
    return F.smooth_l1_loss(normalised_distances(student), t)


def triplet_angles(e: torch.Tensor) -> torch.Tensor:
    """Cosines of the angles e_j - e_i, e_k - e_i for all (i, j, k), flattened (in fp32)."""
    with _fp32(e.device):
        e = e.float()
        diff = F.normalize(e[None, :, :] - e[:, None, :], p=2, dim=2)
        return torch.bmm(diff, diff.transpose(1, 2)).flatten()


def rkd_angle(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """RKD angle-wise loss between two batches of vectors (any dimensions)."""
    with torch.no_grad():
        t = triplet_angles(teacher)
    return F.smooth_l1_loss(triplet_angles(student), t)
