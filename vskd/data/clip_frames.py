"""frames.h5 of an adapter dataset (Berkeley-MHAD, MMAct): one entry per (clip, camera) sample.

The file has the layout of :mod:`vskd.frames` (``clips/<key>`` uint8 (T, H, W, 3) RGB; attributes
``height``, ``width``, ``storage``, ``compression``), so :class:`vskd.frames.FrameStore` reads it,
the memory-mapped path for ``storage: raw`` + ``compression: none`` included. Entries are keyed
by sample key (:mod:`vskd.data.clips`): the clip id when the manifest has one camera,
``<clip_id>@<camera>`` when it has several. Each entry records its ``clip_id``, ``camera`` and
``source`` (the video file or the frame folder) as attributes; the file records ``cameras`` and
``keying`` (``clip`` or ``clip@camera``).

Frames are decoded by the adapter: Berkeley-MHAD's Bayer PGM folders demosaiced ('grbg', as the
official sample code), MMAct's MP4 files through OpenCV; then resized to ``frames.width`` x
``frames.height`` (area averaging) before they are stored.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping

import cv2
import h5py
import numpy as np
import pandas as pd

from ..atomic import atomic_path
from ..progress import progress
from .adapters import get_adapter
from .clips import manifest_cameras, manifest_samples
from .readers import DataFileError

log = logging.getLogger(__name__)


def store_frames(group: h5py.Group, key: str, frames: np.ndarray, params: Mapping[str, Any]) -> None:
    """Write one entry in the layouts of :mod:`vskd.frames` (``storage`` + ``compression``).

    The same layouts as ``vskd.frames.write_frames_h5`` (UTD's writer): ``raw`` + ``none``
    contiguous (FrameStore maps it), ``raw`` + ``lzf``/``gzip`` one frame per chunk, ``jpeg``
    encoded frames. (Kept beside UTD's writer rather than shared with it: an edit of
    ``vskd/frames.py`` reruns UTD's frames stage and everything after it.)
    """
    storage, compression = params["storage"], params.get("compression", "none")
    if storage == "raw" and compression == "none":
        group.create_dataset(key, data=frames)                   # contiguous: mapped reads
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


def write_sample_frames_h5(manifest: pd.DataFrame, out_path: str | Path, params: Mapping[str, Any],
                           kind: str) -> int:
    """Decode, resize and store the frames of every (usable clip, camera) sample; atomic; returns
    the frame count. A camera folder or video that cannot be read raises DataFileError naming it,
    before the output exists."""
    adapter = get_adapter(kind)
    cams = manifest_cameras(manifest, kind)
    if not cams:
        raise DataFileError("the manifest has no camera column (video_<camera>): build it with "
                            "modalities [video, ...]")
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
    log.info("wrote %d frames of %d samples (%d clips x cameras %s; %s/%s) to %s", total,
             len(samples), len(samples) // len(cams), ", ".join(cams), params["storage"],
             params.get("compression", "none"), out_path)
    return total
