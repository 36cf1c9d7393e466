"""The knowledge cache: a frozen teacher's outputs for every training clip, written once and read by
every run that distils from it (``knowledge.h5``, one per teacher model or SPAMFM branch).

Layout: ``clip_ids``, ``labels``; vectors ``logits`` / ``embedding`` / ``pooled`` / ``relation``
(N, V, D) float32 for V views per clip; stage maps ``map0..map3`` (N, Vm, C, H, W) float16 for the
first Vm views; attributes ``views``, ``map_views`` and the teacher's output sizes (``NetSpec``)
plus what the writer adds (config hash, sensor, GSDM's ablation class, ...).

Checksums: ids, labels and vectors are sealed as a whole and verified when the file is opened; the
stage maps (GBs at 224 px) carry one SHA-256 per clip (``map_sha256``, itself sealed), verified on
the clip's first read in a process, as frame clips are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch

from ..distill.base import NetSpec
from ..h5store import REBUILD, DamagedFileError, LazyH5, open_h5, seal, verify
from ..models.outputs import VECTOR_FIELDS, NetOutput


def maps_digest(maps: Sequence[np.ndarray]) -> str:
    """SHA-256 of one clip's stage maps (fp16, every cached view) as stored."""
    h = hashlib.sha256()
    for m in maps:
        h.update(np.ascontiguousarray(m, dtype=np.float16).tobytes())
    return h.hexdigest()


class KnowledgeWriter:
    """Fills one open HDF5 file clip by clip: vectors are gathered in memory (small), stage maps are
    written to the file as they come (large: one chunk per clip and view)."""

    def __init__(self, h5: h5py.File, n_clips: int, views: int, map_views: int):
        self.h5, self.n, self.views, self.map_views = h5, n_clips, views, map_views
        self.vectors: dict[str, np.ndarray] = {}
        self.maps: list[h5py.Dataset] = []
        self.map_digests = [b""] * n_clips

    def add(self, i: int, out: NetOutput) -> None:
        """Outputs of clip ``i`` over its views (leading dimension V; maps for the first Vm views)."""
        for f in VECTOR_FIELDS:
            value = getattr(out, f)
            if value is None:
                continue
            if f not in self.vectors:
                self.vectors[f] = np.zeros((self.n, self.views, value.shape[1]), np.float32)
            self.vectors[f][i] = value.detach().float().cpu().numpy()
        if self.map_views and out.maps:
            if not self.maps:
                self.maps = [
                    self.h5.create_dataset(
                        f"map{k}", (self.n, self.map_views, *m.shape[1:]), np.float16, chunks=(1, 1, *m.shape[1:])
                    )
                    for k, m in enumerate(out.maps)
                ]
            clip_maps = [m[: self.map_views].detach().float().cpu().numpy().astype(np.float16) for m in out.maps]
            for k, m in enumerate(clip_maps):
                self.maps[k][i] = m
            self.map_digests[i] = maps_digest(clip_maps).encode()

    def finish(self, clip_ids: Sequence[str], labels: np.ndarray, spec: NetSpec, **attrs: Any) -> float:
        """Write ids, labels, vectors and attributes; returns the size of the maps in MB."""
        self.h5.create_dataset("clip_ids", data=np.array(list(clip_ids), dtype="S"))
        self.h5.create_dataset("labels", data=np.asarray(labels, np.int64))
        for f, value in self.vectors.items():
            self.h5.create_dataset(f, data=value)
        sealed = ["clip_ids", "labels", *self.vectors]
        if self.maps:  # the maps themselves are GBs: one checksum per clip, checked as a clip is read
            self.h5.create_dataset("map_sha256", data=np.array(self.map_digests, dtype="S64"))
            sealed.append("map_sha256")
        seal(self.h5, sealed)
        self.h5.attrs.update(
            {
                "views": self.views,
                "map_views": self.map_views if self.maps else 0,
                "num_classes": spec.num_classes,
                "embedding_dim": spec.embedding_dim,
                "pooled_dim": spec.pooled_dim,
                "relation_dim": spec.relation_dim or 0,
                "map_channels": np.array(spec.map_channels, np.int64),
                **attrs,
            }
        )
        return sum(d.size for d in self.maps) * 2 / 1e6


class KnowledgeStore(LazyH5):
    """Cached teacher outputs per training clip and view.

    Vectors (``logits`` (N, V, C), ``embedding``, ``pooled``, ``relation``) for every view are
    small and read into memory once; the four stage maps ``map0..map3`` (N, Vm, C, H, W) fp16
    exist for the first Vm = ``map_views`` views and are read from the file per clip.
    """

    what = "knowledge cache"

    def __init__(self, path: str | Path):
        super().__init__(path)
        with open_h5(self.path, self.what) as h5:
            verify(h5, self.path, self.what)
            self.index = {c.decode(): i for i, c in enumerate(h5["clip_ids"][()])}
            self.vectors = {k: h5[k][()] for k in VECTOR_FIELDS if k in h5}
            self.views = self.vectors["logits"].shape[1]
            self.map_views = h5["map0"].shape[1] if "map0" in h5 else 0
            self.map_digests = h5["map_sha256"][()] if "map_sha256" in h5 else None
        self._maps_checked: set[int] = set()

    def __contains__(self, clip_id: str) -> bool:
        return clip_id in self.index

    def read(self, clip_id: str, view: int, fields: Sequence[str]) -> dict[str, np.ndarray]:
        """``fields`` of one clip and view (``maps`` gives map0..map3 as float32)."""
        i = self.index[clip_id]
        out = {}
        for f in fields:
            if f == "maps":
                if view >= self.map_views:
                    raise ValueError(
                        f"{self.path}: teacher maps are cached for {self.map_views} "
                        f"views, view {view} was asked for (knowledge.map_views)"
                    )
                checked = self._check_maps(clip_id, i)  # every view of the clip, on its first read
                for k in range(4):
                    m = checked[k][view] if checked else self.h5[f"map{k}"][i, view]
                    out[f"map{k}"] = m.astype(np.float32)
            else:
                if f not in self.vectors:
                    raise KeyError(f"{self.path} holds no teacher {f!r}; rebuild the knowledge cache")
                out[f] = self.vectors[f][i, view]
        return out

    def _check_maps(self, clip_id: str, i: int) -> list[np.ndarray] | None:
        """A clip's stage maps (every view) checked against their checksum on its first read in
        this process, and returned so that read serves them without reading again; None after."""
        if self.map_digests is None or i in self._maps_checked:
            return None
        maps = [self.h5[f"map{k}"][i] for k in range(4)]
        if maps_digest(maps).encode() != self.map_digests[i]:
            raise DamagedFileError(
                f"{self.path}: the teacher's stage maps of clip {clip_id} changed after this {self.what} "
                f"was written; {REBUILD}"
            )
        self._maps_checked.add(i)
        return maps


def knowledge_spec(path: str) -> NetSpec:
    with open_h5(path, "knowledge cache") as h5:
        a = h5.attrs
        return NetSpec(
            int(a["num_classes"]),
            int(a["embedding_dim"]),
            int(a["pooled_dim"]),
            int(a["relation_dim"]) or None,
            tuple(int(c) for c in a["map_channels"]),
        )


def cached_teacher(batch: Mapping[str, torch.Tensor], j: int) -> NetOutput:
    """Teacher ``j``'s cached outputs of a batch (the ``t{j}_*`` keys of :class:`ClipDataset`),
    on the device the batch is on."""
    maps = [batch[f"t{j}_map{k}"] for k in range(4)] if f"t{j}_map0" in batch else []
    fields = (batch.get(f"t{j}_{key}") for key in ("logits", "embedding", "pooled", "relation"))
    return NetOutput(*fields, maps)
