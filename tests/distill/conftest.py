"""Shared pieces of the method tests: tiny network specs and outputs, and the contract checks
every method must pass (gradients reach the student and the method's own parts, never the
teacher; a weight of 0 removes its term; unknown parameters are errors naming the known ones).

Helpers are served through the ``zoo`` fixture (a namespace), so that the test modules need no
package ``__init__``.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from vskd.distill import DistillContext, NetSpec, build_method, get_method
from vskd.models.outputs import NetOutput

CLASSES = 3
# tiny stand-ins: four stages with unequal channels and grids (student 4x4..1x1 as a 64 px GAF
# image shrunk, teacher grids sometimes larger, sometimes smaller)
S_CH, T_CH = (2, 3, 4, 5), (3, 2, 5, 6)
S_HW, T_HW = ((4, 4), (2, 2), (4, 4), (1, 1)), ((2, 2), (4, 4), (2, 2), (2, 2))
S_DIMS = dict(embedding_dim=5, pooled_dim=6)
T_DIMS = dict(embedding_dim=7, pooled_dim=8, relation_dim=4)


def context(num_train: int = 0, class_embeddings=None) -> DistillContext:
    return DistillContext(
        NetSpec(CLASSES, map_channels=S_CH, **S_DIMS),
        NetSpec(CLASSES, map_channels=T_CH, **T_DIMS),
        num_train=num_train,
        class_embeddings=class_embeddings,
    )


def outputs(
    batch: int = 4, seed: int = 0, student_maps: bool = True, teacher_maps: bool = True
) -> tuple[NetOutput, NetOutput]:
    """Random student and teacher outputs, every tensor a leaf with requires_grad=True."""
    g = torch.Generator().manual_seed(seed)
    r = lambda *shape: torch.randn(*shape, generator=g).requires_grad_()  # noqa: E731
    # non-negative maps, as after a ReLU
    m = lambda ch, hw: [
        torch.rand(batch, c, *s, generator=g).requires_grad_()  # noqa: E731
        for c, s in zip(ch, hw)
    ]
    s = NetOutput(
        r(batch, CLASSES),
        r(batch, S_DIMS["embedding_dim"]),
        r(batch, S_DIMS["pooled_dim"]),
        None,
        m(S_CH, S_HW) if student_maps else [],
    )
    t = NetOutput(
        r(batch, CLASSES),
        r(batch, T_DIMS["embedding_dim"]),
        r(batch, T_DIMS["pooled_dim"]),
        r(batch, T_DIMS["relation_dim"]),
        m(T_CH, T_HW) if teacher_maps else [],
    )
    return s, t


def labels(batch: int = 4) -> torch.Tensor:
    return torch.arange(batch) % CLASSES


def tensors(out: NetOutput) -> list[torch.Tensor]:
    return [x for x in (out.logits, out.embedding, out.pooled, out.relation, *out.maps) if x is not None]


def np_(x: torch.Tensor) -> np.ndarray:
    return x.detach().double().numpy()


def np_ce(logits: np.ndarray, y: np.ndarray) -> float:
    z = logits - logits.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def np_block_mean(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(B, C, H, W) averaged over equal blocks to ``size`` (H, W divisible by it)."""
    b, c, h, w = x.shape
    return x.reshape(b, c, size[0], h // size[0], size[1], w // size[1]).mean((3, 5))


def np_common_grid(s: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    size = (min(s.shape[2], t.shape[2]), min(s.shape[3], t.shape[3]))
    return np_block_mean(s, size), np_block_mean(t, size)


def np_huber(a, b):
    """Smooth L1 (Huber, delta 1), mean."""
    d = np.abs(a - b)
    return np.where(d < 1, 0.5 * d * d, d - 0.5).mean()


def np_rkd_distances(e):
    """Pairwise distances over their off-diagonal mean."""
    d = np.sqrt(((e[:, None, :] - e[None, :, :]) ** 2).sum(-1))
    return d / d[~np.eye(len(e), dtype=bool)].mean()


def np_rkd_angles(e):
    """Cosine of the angle at e_i between e_j and e_k, for all (i, j, k)."""
    n = len(e)
    out = np.zeros((n, n, n))
    for i, j, k in itertools.product(range(n), repeat=3):
        u, v = e[j] - e[i], e[k] - e[i]
        nu, nv = np.linalg.norm(u), np.linalg.norm(v)
        out[i, j, k] = 0.0 if nu == 0 or nv == 0 else u @ v / (nu * nv)
    return out.ravel()


def check_gradients(
    method, student: NetOutput, teacher: NetOutput, used: list[torch.Tensor], index=None, batch: int | None = None
) -> tuple[torch.Tensor, dict]:
    """Backward through the total: ``used`` student tensors and every trainable parameter of the
    method get a finite, non-zero gradient; no teacher tensor gets any."""
    batch = batch or len(student.logits)
    total, parts = method(student, teacher, labels(batch), index)
    assert torch.isfinite(total)
    total.backward()
    for i, x in enumerate(used):
        ok = x.grad is not None and bool(torch.isfinite(x.grad).all()) and x.grad.abs().sum() > 0
        assert ok, f"used student tensor {i} {tuple(x.shape)} gets no (finite, non-zero) gradient"
    for name, p in method.named_parameters():
        assert p.grad is not None, f"connector {name} gets no gradient"
        assert torch.isfinite(p.grad).all()
    if teacher is not None:
        for x in tensors(teacher):
            assert x.grad is None
    expected = sum(method.weight(k) * v for k, v in parts.items())
    assert torch.allclose(total, expected)
    return total, parts


def check_unknown_parameter(name: str, ctx: DistillContext | None = None) -> None:
    ctx = ctx or context(num_train=8)
    with pytest.raises(ValueError) as err:
        build_method(name, {"no_such_weight": 1.0}, ctx)
    message = str(err.value)
    assert "no_such_weight" in message and "known" in message
    for known in ("ce", *get_method(name).defaults):
        assert repr(known) in message


def check_weight_zero(
    name: str, term: str, params: dict | None = None, index=None, ctx: DistillContext | None = None
) -> None:
    """With its weight 0 the term is not computed and the total is what remains."""
    ctx = ctx or context(num_train=8)
    method = build_method(name, {**(params or {}), term: 0.0}, ctx)
    s, t = outputs()
    total, parts = method(s, t, labels(), index)
    assert term not in parts
    assert torch.allclose(total, sum(method.weight(k) * v for k, v in parts.items()))


@pytest.fixture
def zoo() -> SimpleNamespace:
    return SimpleNamespace(
        context=context,
        outputs=outputs,
        labels=labels,
        tensors=tensors,
        np=np_,
        np_ce=np_ce,
        block_mean=np_block_mean,
        huber=np_huber,
        rkd_distances=np_rkd_distances,
        rkd_angles=np_rkd_angles,
        common_grid=np_common_grid,
        check_gradients=check_gradients,
        check_unknown_parameter=check_unknown_parameter,
        check_weight_zero=check_weight_zero,
        S_CH=S_CH,
        T_CH=T_CH,
        S_HW=S_HW,
        T_HW=T_HW,
    )
