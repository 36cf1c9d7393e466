"""Video frames of a dataset in one HDF5 file, one entry per (clip, camera) sample, read a few frames
at a time. Frames are decoded by the dataset's adapter (Berkeley-MHAD's Bayer PGM folders
demosaiced, UTD's AVI and MMAct's MP4 through OpenCV) and resized (area averaging) before they
are stored; entries are keyed by sample key (:mod:`vskd.data.manifest`) and record their
``clip_id``, ``camera`` and ``source``.

Layouts (``frames.storage`` + ``frames.compression``):
- ``raw`` + ``none``: ``clips/<id>`` uint8 (T, H, W, 3) RGB stored contiguously, uncompressed.
  The reader maps the file into memory once and takes a clip's sampled frames with one numpy
  index of the clip's bytes (located with the dataset's file offset): one call per clip, no
  per-frame HDF5 selection, and only the pages of the sampled frames are touched. Fastest; the
  file is as large as the pixels;
- ``raw`` + ``lzf`` / ``gzip``: the same array chunked one frame per chunk and compressed, so
  reading the 8 sampled frames of a clip decompresses 8 small chunks (one HDF5 read each);
- ``jpeg``: ``clips/<id>`` a variable-length array of T encoded JPEG frames (smallest, but every
  read pays a JPEG decode).
The choice is measured by ``benchmarks/bench_frames.py`` (docs/benchmarks.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import h5py
import numpy as np
import pandas as pd

from .atomic import atomic_path
from .data.adapters import get_adapter
from .data.manifest import manifest_cameras, manifest_samples
from .data.readers import DataFileError
from .h5store import LazyH5, open_h5, seal_dataset, verify_dataset
from .progress import progress

log = logging.getLogger(__name__)


def store_frames(group: h5py.Group, key: str, frames: np.ndarray, params: Mapping[str, Any]) -> None:
    """Write one entry in the layouts of :mod:`vskd.frames` (``storage`` + ``compression``).

    ``raw`` + ``none`` contiguous (FrameStore maps it), ``raw`` + ``lzf``/``gzip`` one frame per
    chunk, ``jpeg`` encoded frames.
    """
    storage, compression = params["storage"], params.get("compression", "none")
    _store(group, key, frames, storage, compression, params)
    seal_dataset(group[key])  # its checksum: verified on the clip's first read (vskd.h5store)


def _store(group: h5py.Group, key: str, frames: np.ndarray, storage: str, compression: str, params) -> None:
    if storage == "raw" and compression == "none":
        group.create_dataset(key, data=frames)  # contiguous: mapped reads
    elif storage == "raw":
        opts = {"compression": "gzip", "compression_opts": 1} if compression == "gzip" else {"compression": compression}
        group.create_dataset(key, data=frames, chunks=(1, *frames.shape[1:]), **opts)
    elif storage == "jpeg":
        quality = [cv2.IMWRITE_JPEG_QUALITY, int(params.get("jpeg_quality", 90))]
        ds = group.create_dataset(key, (len(frames),), dtype=h5py.vlen_dtype(np.uint8))
        for i, f in enumerate(frames):
            ds[i] = np.frombuffer(cv2.imencode(".jpg", cv2.cvtColor(f, cv2.COLOR_RGB2BGR), quality)[1], np.uint8)
    else:
        raise ValueError(f"unknown frames.storage {storage!r}")


def write_frames_h5(manifest: pd.DataFrame, out_path: str | Path, params: Mapping[str, Any], kind: str) -> int:
    """Decode, resize and store the frames of every (usable clip, camera) sample; atomic; returns
    the frame count. A camera folder or video that cannot be read raises DataFileError naming it,
    before the output exists."""
    adapter = get_adapter(kind)
    cams = manifest_cameras(manifest, kind)
    if not cams:
        raise DataFileError("the manifest has no camera column (video_<camera>): build it with modalities [video, ...]")
    samples = manifest_samples(manifest, kind)
    if not samples:
        raise ValueError("the manifest holds no usable clip")
    paths = {(r["clip_id"], c): r[f"video_{c}"] for r in manifest.to_dict("records") for c in cams}
    size = (int(params["width"]), int(params["height"]))
    total = 0
    with atomic_path(out_path) as tmp, h5py.File(tmp, "w") as h5:
        group = h5.create_group("clips")
        for key in ("height", "width", "storage", "compression"):
            h5.attrs[key] = params[key]
        h5.attrs["cameras"] = np.array(cams, dtype="S")
        h5.attrs["keying"] = "clip@camera" if len(cams) > 1 else "clip"
        for key, clip, cam in progress(samples, "frames", unit="sample"):
            path = paths[(clip, cam)]
            if not isinstance(path, str) or not path:
                raise DataFileError(f"{clip}: the manifest has no {cam} video; rebuild it")
            frames = adapter.read_video(path, size=size)
            store_frames(group, key, frames, params)
            group[key].attrs.update({"source": str(path), "clip_id": clip, "camera": cam})
            total += len(frames)
    log.info(
        "wrote %d frames of %d samples (%d clips x cameras %s; %s/%s) to %s",
        total,
        len(samples),
        len(samples) // len(cams),
        ", ".join(cams),
        params["storage"],
        params.get("compression", "none"),
        out_path,
    )
    return total


class FrameStore(LazyH5):
    """Read sampled frames of a clip.

    Contiguous uncompressed clips are read through a read-only memory map of the file (opened
    lazily, like the HDF5 handle, so a DataLoader worker maps the file itself); others through h5py.
    """

    what = "frames file"

    def __init__(self, path: str | Path):
        super().__init__(path)
        self._map: np.memmap | None = None
        self._verified: set[str] = set()
        #: clip -> (byte offset in the file, (T, H, W, C)) for contiguous uncompressed uint8 clips
        self.mapped: dict[str, tuple[int, tuple[int, ...]]] = {}
        with open_h5(self.path, self.what) as h5:
            self.storage = h5.attrs["storage"]
            self.lengths = {}
            for k, ds in h5["clips"].items():
                self.lengths[k] = int(ds.shape[0])
                offset = ds.id.get_offset() if ds.chunks is None and ds.dtype == np.uint8 else None
                if offset is not None and ds.ndim == 4:
                    self.mapped[k] = (int(offset), tuple(int(n) for n in ds.shape))

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_map"] = None
        return state

    @property
    def map(self) -> np.memmap:
        if self._map is None:
            self._map = np.memmap(self.path, dtype=np.uint8, mode="r")
        return self._map

    def __contains__(self, clip_id: str) -> bool:
        return clip_id in self.lengths

    def num_frames(self, clip_id: str) -> int:
        return self.lengths[clip_id]

    def read(self, clip_id: str, indices: Sequence[int]) -> np.ndarray:
        """RGB uint8 frames (k, H, W, 3) at ``indices`` (any order, repeats allowed). A clip's
        checksum is verified on its first read in this process (``vskd.h5store``)."""
        if clip_id not in self._verified:
            verify_dataset(self.h5["clips"][clip_id], self.path, self.what)
            self._verified.add(clip_id)
        idx = np.asarray(indices, dtype=np.int64)
        if clip_id in self.mapped:
            offset, shape = self.mapped[clip_id]
            if idx.size and (idx.min() < 0 or idx.max() >= shape[0]):
                raise IndexError(f"{clip_id}: frame index out of range 0..{shape[0] - 1}")
            clip = self.map[offset : offset + int(np.prod(shape))].reshape(shape)
            return clip[idx]  # one fancy index: copies k frames
        ds = self.h5["clips"][clip_id]
        if self.storage == "jpeg":
            return np.stack([cv2.cvtColor(cv2.imdecode(ds[i], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB) for i in idx])
        # one direct chunk read per frame: h5py's fancy indexing (ds[[i, j, ...]]) builds a point
        # selection and is ~20x slower for a handful of frames (benchmarks/bench_frames.py)
        out = np.empty((len(idx), *ds.shape[1:]), dtype=ds.dtype)
        for k, i in enumerate(idx):
            ds.read_direct(out, np.s_[int(i)], np.s_[k])
        return out
