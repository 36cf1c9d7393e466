"""GSDM: Graph-guided Semantically Discriminative Mapping (SAKDN), on plain tensors.

Graph-guided ablation analysis (GGAA) weighs a network's stage maps by how much its prediction moves
on the class-name semantic graph when the input is ablated: with E the (classes, D) class-name
embeddings, c(x) the predicted class of a clip and c(0) the prediction for an all-zero (ablated)
input, the weight of clip i is

- ``norm`` (default): w_i = ||E[c(x_i)] - E[c(0)]|| / ||E[c(x_i)]||, the relative semantic change;
- ``elementwise`` (the released code): w_i = mean_d (E[c(x_i)]_d - E[c(0)]_d) / E[c(x_i)]_d, which
  divides by single embedding coordinates and is unbounded when one is near 0 (|x| < 1e-6 is
  replaced by +-1e-6 here).

The ablation-CAM of a (B, C, H, W) stage map A is ReLU(w_i * sum_k A_ik), min-max normalised over
the batch. A teacher's CAM and the student's CAM at paired depths are compared by

- ``similarity`` (default: GSDM "preserves the interrelations of the original data"): each CAM
  flattened per clip, batch Gram G = a a^T with L2-normalised rows, loss = mean (G_s - G_t)^2
  (similarity-preserving form, Tung & Mori 2019). It compares B x B relations, so a GAF teacher's
  time x time grid and a video student's x x y grid need no spatial correspondence;
- ``code`` (the released script's ``Gram_loss`` on its CAMs): both CAMs pooled to the common grid,
  L2-normalised along their first spatial axis, mean squared difference. The released script
  computes the CAMs in numpy and resizes them with ``np.resize`` (which repeats or truncates the
  buffer rather than interpolating), so its GSDM term carries NO gradient to the student; here the
  formula keeps its gradient and average pooling replaces ``np.resize``.

Weights and predictions carry no gradient (argmax); teacher maps are constants; only the student's
maps receive gradient.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

ABLATION_WEIGHTS = ("norm", "elementwise")
PAIRINGS = ("similarity", "code")


def ablation_weights(
    pred: torch.Tensor,
    ablated: torch.Tensor | int,
    class_embeddings: torch.Tensor,
    mode: str = "norm",
    eps: float = 1e-6,
) -> torch.Tensor:
    """(B,) graph-guided ablation weight of each clip from predicted classes (no gradient)."""
    with torch.no_grad():
        e = class_embeddings.to(torch.float32)
        s = e[pred.long()]
        s0 = e[torch.as_tensor(ablated, device=e.device).long()].expand_as(s)
        if mode == "norm":
            return (s - s0).norm(dim=1) / s.norm(dim=1).clamp_min(eps)
        if mode == "elementwise":
            denom = torch.where(s.abs() < eps, torch.full_like(s, eps) * torch.where(s < 0, -1.0, 1.0), s)
            return ((s - s0) / denom).mean(dim=1)
        raise ValueError(f"unknown ablation weight {mode!r}; expected one of {ABLATION_WEIGHTS}")


def ablation_cam(maps: torch.Tensor, weights: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """(B, H, W) CAM: ReLU(w_i * channel sum), then min-max over the whole batch (as the code).

    A batch whose CAM is constant is returned shifted to 0 (nothing to scale by)."""
    cam = torch.relu(weights.to(maps.dtype).view(-1, 1, 1) * maps.sum(dim=1))
    cam = cam - cam.min()
    top = cam.max()
    return cam / top if float(top.detach()) > eps else cam


def similarity_loss(s_cam: torch.Tensor, t_cam: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of the row-normalised batch Grams of two (B, ...) CAMs."""

    def gram(a: torch.Tensor) -> torch.Tensor:
        flat = a.flatten(1)
        return F.normalize(flat @ flat.t(), p=2, dim=1)

    return F.mse_loss(gram(s_cam), gram(t_cam).to(s_cam.dtype))


def code_loss(s_cam: torch.Tensor, t_cam: torch.Tensor) -> torch.Tensor:
    """The released ``Gram_loss`` on CAMs pooled to their common grid: MSE of dim-1 L2-normalised maps."""
    size = (min(s_cam.shape[1], t_cam.shape[1]), min(s_cam.shape[2], t_cam.shape[2]))
    s = F.adaptive_avg_pool2d(s_cam.unsqueeze(1), size).squeeze(1)
    t = F.adaptive_avg_pool2d(t_cam.unsqueeze(1).to(s_cam.dtype), size).squeeze(1)
    return F.mse_loss(F.normalize(s, p=2, dim=1), F.normalize(t, p=2, dim=1))


def gsdm_loss(
    student_maps: list[torch.Tensor],
    student_weights: torch.Tensor,
    teacher_maps: list[list[torch.Tensor]],
    teacher_weights: list[torch.Tensor],
    pairing: str = "similarity",
) -> torch.Tensor:
    """GSDM over stage pairs and teachers: mean of the pair losses (the code sums 10 pairs / 10).

    ``teacher_maps[j][k]`` is teacher j's map at the depth paired with ``student_maps[k]``.
    """
    if pairing not in PAIRINGS:
        raise ValueError(f"unknown GSDM pairing {pairing!r}; expected one of {PAIRINGS}")
    pair = similarity_loss if pairing == "similarity" else code_loss
    losses = []
    s_cams = [ablation_cam(m, student_weights) for m in student_maps]
    for maps, w in zip(teacher_maps, teacher_weights):
        if len(maps) != len(student_maps):
            raise ValueError(f"GSDM pairs stage maps one to one: student {len(student_maps)}, teacher {len(maps)}")
        with torch.no_grad():
            t_cams = [ablation_cam(m.to(student_maps[0].dtype), w) for m in maps]
        losses += [pair(s, t) for s, t in zip(s_cams, t_cams)]
    return torch.stack(losses).mean()
