"""One dataset for every stage: a clip's frames, GAF image, label and cached teacher knowledge.

Teacher and student inputs of a batch therefore always come from the SAME clip (the released VSKD
script zipped two independently shuffled loaders, pairing different clips). Randomness (segment
offsets, crops, teacher view) comes from a generator seeded by (seed, epoch, index), so an epoch
is reproducible whatever happened before it: a resumed run sees the same batches.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import cv2
import h5py
import numpy as np
import torch
from torch.utils.data import Dataset

from ..frames import FrameStore
from ..gaf_store import GafStore
from ..h5store import LazyH5
from .sampling import DEFAULT_CROP_SCALES, crop_box, segment_indices


class KnowledgeStore(LazyH5):
    """Cached teacher outputs: ``logits`` (N, V, C) and ``embeddings`` (N, V, D) per clip and view."""

    def __init__(self, path: str | Path):
        super().__init__(path)
        with h5py.File(self.path, "r") as h5:
            self.index = {c.decode(): i for i, c in enumerate(h5["clip_ids"][()])}
            self.views = h5["logits"].shape[1]

    def __contains__(self, clip_id: str) -> bool:
        return clip_id in self.index

    def read(self, clip_id: str, view: int) -> tuple[np.ndarray, np.ndarray]:
        i = self.index[clip_id]
        return self.h5["logits"][i, view], self.h5["embeddings"][i, view]


class ClipDataset(Dataset):
    def __init__(self, clip_ids: Sequence[str], labels: Sequence[int], *, seed: int, train: bool,
                 gaf: GafStore | None = None, frames: FrameStore | None = None,
                 knowledge: KnowledgeStore | None = None, num_segments: int = 3,
                 crop: tuple[int, int] = (64, 64), crop_scales: Sequence[float] = DEFAULT_CROP_SCALES):
        self.clip_ids = list(clip_ids)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.gaf, self.frames, self.knowledge = gaf, frames, knowledge
        self.seed, self.train, self.epoch = seed, train, 0
        self.num_segments, self.crop, self.crop_scales = num_segments, crop, tuple(crop_scales)
        for store, name in ((gaf, "GAF"), (frames, "frames"), (knowledge, "teacher knowledge")):
            if store is not None:
                missing = [c for c in self.clip_ids if c not in store]
                if missing:
                    raise KeyError(f"{len(missing)} clips of the split are missing from the {name} "
                                   f"file {store.path} (e.g. {missing[:3]})")

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.clip_ids)

    def _rng(self, index: int, view: int = 0) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch, index, view])

    def sample_frames(self, index: int, train: bool, view: int = 0) -> torch.Tensor:
        """(n_segments, 3, crop_h, crop_w) float 0-255 RGB."""
        clip = self.clip_ids[index]
        rng = self._rng(index, view) if train else None
        idx = segment_indices(self.frames.num_frames(clip), self.num_segments, train, rng)
        frames = self.frames.read(clip, idx)
        h, w = frames.shape[1:3]
        top, left, ch, cw = crop_box(h, w, self.crop[0], self.crop[1], train, rng, self.crop_scales)
        out = np.stack([cv2.resize(f[top:top + ch, left:left + cw], (self.crop[1], self.crop[0]),
                                   interpolation=cv2.INTER_AREA) for f in frames])
        return torch.from_numpy(out).permute(0, 3, 1, 2).float()

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        clip = self.clip_ids[index]
        item = {"index": torch.tensor(index), "label": torch.tensor(self.labels[index])}
        if self.gaf is not None:
            item["gaf"] = torch.from_numpy(self.gaf[clip].astype(np.float32))
        if self.frames is not None:
            item["frames"] = self.sample_frames(index, self.train)
        if self.knowledge is not None:
            view = int(self._rng(index, 10_000).integers(self.knowledge.views)) if self.train else 0
            logits, emb = self.knowledge.read(clip, view)
            item["t_logits"] = torch.from_numpy(np.asarray(logits, np.float32))
            item["t_embedding"] = torch.from_numpy(np.asarray(emb, np.float32))
        return item
