"""One dataset for every stage: a clip's frames, GAF image, label and cached teacher knowledge.

Teacher and student inputs of a batch therefore always come from the SAME clip (the released VSKD
script zipped two independently shuffled loaders, pairing different clips). Randomness (segment
offsets, crops, teacher view) comes from a generator seeded by (seed, epoch, index), so an epoch
is reproducible whatever happened before it: a resumed run sees the same batches. Training loaders
index with ``(epoch, index)`` keys (``vskd.training.loop.EpochBatchSampler``), so worker processes
that live across epochs need no epoch state; a plain index reads epoch 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..frames import FrameStore
from ..gaf_store import GafStore
from .knowledge import KnowledgeStore
from .sampling import DEFAULT_CROP_SCALES, crop_box, segment_indices


class ClipDataset(Dataset):
    def __init__(
        self,
        clip_ids: Sequence[str],
        labels: Sequence[int],
        *,
        seed: int,
        train: bool,
        gaf: GafStore | None = None,
        frames: FrameStore | None = None,
        knowledge: Sequence[KnowledgeStore] = (),
        knowledge_fields: Sequence[str] = ("logits", "embedding"),
        knowledge_of: Sequence[str] | None = None,
        num_segments: int = 3,
        crop: tuple[int, int] = (64, 64),
        crop_scales: Sequence[float] = DEFAULT_CROP_SCALES,
        test_crop_scale: float = 1.0,
    ):
        """``knowledge``: the caches of the run's teachers; ``knowledge_fields``: the outputs to yield
        from each (teacher j's as ``t{j}_<field>``, maps as ``t{j}_map0..3``; read back with
        :func:`vskd.training.knowledge.cached_teacher`). ``knowledge_of``: per clip, the clip whose
        knowledge it gets (default itself; the shuffled-teacher control passes a permutation)."""
        self.clip_ids = list(clip_ids)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.gaf, self.frames, self.knowledge = gaf, frames, list(knowledge)
        self.seed, self.train = seed, train
        self.num_segments, self.crop, self.crop_scales = num_segments, crop, tuple(crop_scales)
        self.test_crop_scale = float(test_crop_scale)
        self.knowledge_fields = tuple(knowledge_fields)
        self.knowledge_of = list(knowledge_of) if knowledge_of is not None else self.clip_ids
        if len(self.knowledge_of) != len(self.clip_ids):
            raise ValueError("knowledge_of must name one clip per clip")
        stores = [(gaf, "GAF"), (frames, "frames"), *((k, "teacher knowledge") for k in self.knowledge)]
        for store, name in stores:
            if store is not None:
                missing = [c for c in self.clip_ids if c not in store]
                if missing:
                    raise KeyError(
                        f"{len(missing)} clips of the split are missing from the {name} "
                        f"file {store.path} (e.g. {missing[:3]})"
                    )

    def __len__(self) -> int:
        return len(self.clip_ids)

    def _rng(self, epoch: int, index: int, view: int = 0) -> np.random.Generator:
        return np.random.default_rng([self.seed, epoch, index, view])

    def sample_frames(self, index: int, train: bool, view: int = 0, epoch: int = 0) -> torch.Tensor:
        """(n_segments, 3, crop_h, crop_w) float 0-255 RGB."""
        clip = self.clip_ids[index]
        rng = self._rng(epoch, index, view) if train else None
        idx = segment_indices(self.frames.num_frames(clip), self.num_segments, train, rng)
        frames = self.frames.read(clip, idx)
        h, w = frames.shape[1:3]
        top, left, ch, cw = crop_box(
            h, w, self.crop[0], self.crop[1], train, rng, self.crop_scales, self.test_crop_scale
        )
        out = np.stack(
            [
                cv2.resize(
                    f[top : top + ch, left : left + cw], (self.crop[1], self.crop[0]), interpolation=cv2.INTER_AREA
                )
                for f in frames
            ]
        )
        return torch.from_numpy(out).permute(0, 3, 1, 2).float()

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, torch.Tensor]:
        epoch, index = key if isinstance(key, tuple) else (0, key)
        clip = self.clip_ids[index]
        item = {"index": torch.tensor(index), "label": torch.tensor(self.labels[index])}
        if self.gaf is not None:
            item["gaf"] = torch.from_numpy(self.gaf[clip].astype(np.float32))
        if self.frames is not None:
            item["frames"] = self.sample_frames(index, self.train, epoch=epoch)
        for j, store in enumerate(self.knowledge):
            views = store.map_views if "maps" in self.knowledge_fields else store.views
            view = int(self._rng(epoch, index, 10_000 + j).integers(views)) if self.train else 0
            for key, value in store.read(self.knowledge_of[index], view, self.knowledge_fields).items():
                item[f"t{j}_{key}"] = torch.from_numpy(np.asarray(value, np.float32))
        return item
