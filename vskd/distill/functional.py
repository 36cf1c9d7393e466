"""Loss functions shared by several methods (soft targets, RKD relations), on plain tensors.

References: soft-target KD (Hinton et al. 2015: T^2-scaled KL, batch mean); RKD distance and
angle (Park et al., CVPR 2019: pairwise distances normalised by their batch mean, cosines of all
triplet angles, Huber loss).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def soft_target_kl(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """T^2 * KL(softmax(t/T) || softmax(s/T)), averaged over the batch."""
    log_p = F.log_softmax(student_logits / temperature, dim=1)
    q = F.softmax(teacher_logits / temperature, dim=1)
    return F.kl_div(log_p, q, reduction="batchmean") * temperature**2


def pairwise_distances(e: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """(B, B) Euclidean distances, zero diagonal, differentiable at coincident points."""
    sq = e.pow(2).sum(1)
    d = (sq[:, None] + sq[None, :] - 2 * e @ e.t()).clamp_min(eps).sqrt()
    return d * (1 - torch.eye(len(e), device=e.device, dtype=e.dtype))


def normalised_distances(e: torch.Tensor) -> torch.Tensor:
    """Pairwise distances divided by the mean of the positive ones.

    When every distance is zero (a batch of identical embeddings, e.g. a collapsed or constant
    network) there is nothing to normalise by: the distances are returned as they are (zeros)
    instead of dividing by the mean of an empty set, which is NaN.
    """
    d = pairwise_distances(e)
    positive = d > 1e-6
    if not bool(positive.any()):
        return d
    return d / d[positive].mean()


def rkd_distance(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """RKD distance-wise loss between two batches of vectors (any dimensions)."""
    with torch.no_grad():
        t = normalised_distances(teacher)
    return F.smooth_l1_loss(normalised_distances(student), t)


def triplet_angles(e: torch.Tensor) -> torch.Tensor:
    """Cosines of the angles e_j - e_i, e_k - e_i for all (i, j, k), flattened."""
    diff = F.normalize(e[None, :, :] - e[:, None, :], p=2, dim=2)
    return torch.bmm(diff, diff.transpose(1, 2)).flatten()


def rkd_angle(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """RKD angle-wise loss between two batches of vectors (any dimensions)."""
    with torch.no_grad():
        t = triplet_angles(teacher)
    return F.smooth_l1_loss(triplet_angles(student), t)
