"""GAF images of a whole dataset in one HDF5 file: ``images`` (N, C, S, S) uint8 + ``clip_ids``."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from .atomic import atomic_path
from .data.readers import read_inertial
from .gaf import constant_channels, gaf_image
from .h5store import LazyH5
from .progress import progress

log = logging.getLogger(__name__)


def gaf_params(gaf_cfg: dict[str, Any], kind: str) -> dict[str, Any]:
    """The settings that determine a GAF file of ``kind``: the ``gaf`` section + kind, without
    ``gadf_convention`` for GASF (changing it must not rebuild GASF images)."""
    params = {**gaf_cfg, "kind": kind}
    if kind != "gadf":
        params.pop("gadf_convention", None)
    return params


def write_gaf_h5(manifest: pd.DataFrame, out_path: str | Path, params: dict[str, Any]) -> int:
    """Encode every usable clip of the manifest; written atomically; returns the image count.

    A selected channel that is constant in a recording (a dead or unplugged axis, all zeros)
    gives a blank image; it is kept (the clip still has its other channels) and logged as a
    warning naming the clip and channel.
    """
    clips = manifest[manifest.status == "ok"]
    if clips.empty:
        raise ValueError("the manifest holds no usable clip")
    size, n_ch = int(params["image_size"]), len(params["channels"])
    convention = params.get("gadf_convention", "matlab")
    blank = 0
    with atomic_path(out_path) as tmp, h5py.File(tmp, "w") as h5:
        images = h5.create_dataset("images", (len(clips), n_ch, size, size), dtype=np.uint8,
                                   chunks=(1, n_ch, size, size))
        h5.create_dataset("clip_ids", data=np.array(clips.clip_id.tolist(), dtype="S"))
        h5.create_dataset("labels", data=clips.label.to_numpy(np.int64))
        for key, value in params.items():
            h5.attrs[key] = value if not isinstance(value, (list, tuple)) else np.array(value, dtype="S")
        rows = zip(clips.clip_id, clips.inertial_path)
        for i, (clip_id, path) in enumerate(progress(rows, "gaf", total=len(clips), unit="clip")):
            inertial = read_inertial(path)
            flat = constant_channels(inertial, params["channels"])
            if flat:
                blank += 1
                log.warning("%s: channel(s) %s constant in %s: blank GAF image channel(s)",
                            clip_id, ", ".join(flat), path)
            images[i] = gaf_image(inertial, params["channels"], params["kind"], size,
                                  params["interpolation"], convention)
    log.info("wrote %d %s images of %dx%d to %s", len(clips), params["kind"], size, size, out_path)
    if blank:
        log.warning("%d of %d clips have at least one blank (constant) channel", blank, len(clips))
    return len(clips)


class GafStore(LazyH5):
    """Read access to the GAF images by clip id."""

    def __init__(self, path: str | Path):
        super().__init__(path)
        with h5py.File(self.path, "r") as h5:
            ids = [c.decode() for c in h5["clip_ids"][()]]
            self.shape = h5["images"].shape[1:]
        self.index = {c: i for i, c in enumerate(ids)}

    def __contains__(self, clip_id: str) -> bool:
        return clip_id in self.index

    def __getitem__(self, clip_id: str) -> np.ndarray:
        return self.h5["images"][self.index[clip_id]]
