"""Video frames of a dataset in one HDF5 file, one entry per clip, read a few frames at a time.

Two layouts (``frames.storage``):
- ``raw``: ``clips/<id>`` uint8 (T, H, W, 3) RGB, chunked one frame per chunk and compressed
  (lzf by default), so reading the 8 sampled frames of a clip touches 8 small chunks;
- ``jpeg``: ``clips/<id>`` a variable-length array of T encoded JPEG frames (smaller, but every
  read pays a JPEG decode).
The default was chosen by ``benchmarks/bench_frames.py`` (see README).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import cv2
import h5py
import numpy as np
import pandas as pd

from .atomic import atomic_path
from .data.readers import read_video
from .h5store import LazyH5
from .progress import progress

log = logging.getLogger(__name__)


def _compression(name: str) -> dict[str, Any]:
    if name == "none":
        return {}
    if name == "gzip":
        return {"compression": "gzip", "compression_opts": 1}
    return {"compression": name}


def write_frames_h5(manifest: pd.DataFrame, out_path: str | Path, params: dict[str, Any]) -> int:
    """Decode, resize and store every usable clip's frames; atomic; returns the frame count.

    A truncated or unreadable video raises DataFileError naming the file, before the output
    exists (the temporary file is removed).
    """
    clips = manifest[manifest.status == "ok"]
    size = (int(params["width"]), int(params["height"]))
    storage = params["storage"]
    total = 0
    with atomic_path(out_path) as tmp, h5py.File(tmp, "w") as h5:
        group = h5.create_group("clips")
        for key in ("height", "width", "storage", "compression"):
            h5.attrs[key] = params[key]
        for row in progress(clips.itertuples(), "frames", total=len(clips), unit="clip"):
            frames = read_video(row.video_path, size=size, expected_frames=int(row.n_frames))
            if storage == "raw":
                group.create_dataset(row.clip_id, data=frames, chunks=(1, *frames.shape[1:]),
                                     **_compression(params["compression"]))
            elif storage == "jpeg":
                quality = [cv2.IMWRITE_JPEG_QUALITY, int(params.get("jpeg_quality", 90))]
                encoded = [np.frombuffer(cv2.imencode(".jpg", cv2.cvtColor(f, cv2.COLOR_RGB2BGR),
                                                      quality)[1], np.uint8) for f in frames]
                ds = group.create_dataset(row.clip_id, (len(encoded),),
                                          dtype=h5py.vlen_dtype(np.uint8))
                for i, buf in enumerate(encoded):
                    ds[i] = buf
            else:
                raise ValueError(f"unknown frames.storage {storage!r}")
            group[row.clip_id].attrs["source"] = str(row.video_path)
            total += len(frames)
    log.info("wrote %d frames of %d clips (%s) to %s", total, len(clips), storage, out_path)
    return total


class FrameStore(LazyH5):
    """Read sampled frames of a clip."""

    def __init__(self, path: str | Path):
        super().__init__(path)
        with h5py.File(self.path, "r") as h5:
            self.storage = h5.attrs["storage"]
            self.lengths = {k: int(v.shape[0]) for k, v in h5["clips"].items()}

    def __contains__(self, clip_id: str) -> bool:
        return clip_id in self.lengths

    def num_frames(self, clip_id: str) -> int:
        return self.lengths[clip_id]

    def read(self, clip_id: str, indices: Sequence[int]) -> np.ndarray:
        """RGB uint8 frames (k, H, W, 3) at ``indices`` (any order, repeats allowed)."""
        ds = self.h5["clips"][clip_id]
        idx = np.asarray(indices, dtype=np.int64)
        if self.storage == "jpeg":
            return np.stack([cv2.cvtColor(cv2.imdecode(ds[i], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
                             for i in idx])
        # one direct chunk read per frame: h5py's fancy indexing (ds[[i, j, ...]]) builds a point
        # selection and is ~20x slower for a handful of frames (benchmarks/bench_frames.py)
        out = np.empty((len(idx), *ds.shape[1:]), dtype=ds.dtype)
        for k, i in enumerate(idx):
            ds.read_direct(out, np.s_[int(i)], np.s_[k])
        return out
