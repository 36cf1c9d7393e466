"""GAF images of a dataset in one HDF5 file: ``images`` (N, C, S, S) uint8, ``clip_ids`` (sample
keys), ``labels``, ``channel_names``; written for any adapter from the selected sensors' channels.

Each selected sensor is read, conditioned (:mod:`vskd.data.conditioning`: sorted, de-duplicated,
despiked, resampled to ``gaf.resample_hz``) and encoded channel by channel
(:func:`vskd.gaf.series_image`); the channels of all sensors are stacked into one image
(``len(sensors) x channels`` planes). A clip with several cameras gets its image once per sample
key (:mod:`vskd.data.manifest`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from .atomic import atomic_path
from .data.adapters import DatasetAdapter, get_adapter
from .data.conditioning import Conditioning, condition
from .data.manifest import manifest_samples, selected_sensors
from .data.readers import DataFileError
from .gaf import series_image
from .h5store import LazyH5, open_h5, seal, verify
from .progress import progress

log = logging.getLogger(__name__)


def gaf_params(gaf_cfg: dict[str, Any], kind: str) -> dict[str, Any]:
    """The settings that determine a GAF file of ``kind``: the ``gaf`` section + kind, without
    ``gadf_convention`` for GASF (changing it must not rebuild GASF images)."""
    params = {**gaf_cfg, "kind": kind}
    if kind != "gadf":
        params.pop("gadf_convention", None)
    return params


def _one_sample_dominates(x: np.ndarray, path: str, channel: str) -> bool:
    """Whether a channel's range is set by a few extreme samples, so that min-max scaling leaves
    every other sample on one grey level (the image is blank but for them). A range beyond the
    float range is an error naming the file."""
    span = float(np.max(x)) - float(np.min(x))
    if not np.isfinite(span):
        raise DataFileError(
            f"{path}: channel {channel} spans more than the float range (values up to {np.max(np.abs(x)):.3g})"
        )
    if span == 0:
        return False
    spread = float(np.percentile(x, 99) - np.percentile(x, 1))
    return spread < 1e-3 * span


def sensor_channels(
    adapter: DatasetAdapter, sensors: Sequence[str], channels: Sequence[str]
) -> list[tuple[str, list[str]]]:
    """(sensor, its channels among ``channels``) per sensor; a sensor with none is an error."""
    out = []
    for s in sensors:
        have = [c for c in channels if c in adapter.spec(s).channels]
        if not have:
            raise ValueError(
                f"gaf.channels {list(channels)} name no channel of sensor {s!r} "
                f"(it has {list(adapter.spec(s).channels)})"
            )
        out.append((s, have))
    return out


def write_gaf_h5(manifest: pd.DataFrame, out_path: str | Path, params: Mapping[str, Any], kind: str) -> int:
    """GAF images of the selected sensors of every usable clip, stacked, one row per sample key
    (module doc: a clip with several cameras gets its image once per camera); atomic; returns the
    number of rows.

    ``params``: the ``gaf`` section (+ ``kind``): ``sensors`` (None: the dataset's default),
    ``channels``, ``image_size``, ``interpolation``, ``gadf_convention``, ``resample_hz`` and
    ``despike`` (see :mod:`vskd.data.conditioning`).
    """
    adapter = get_adapter(kind)
    clips = manifest[manifest.status == "ok"]
    if clips.empty:
        raise ValueError("the manifest holds no usable clip")
    samples: dict[str, list[str]] = {}
    for key, clip, _ in manifest_samples(manifest, kind):
        samples.setdefault(clip, []).append(key)
    keys = [k for ks in samples.values() for k in ks]
    plan = sensor_channels(adapter, selected_sensors(adapter, params.get("sensors")), params["channels"])
    cond = Conditioning.from_config(
        {
            "rate_hz": params.get("resample_hz"),
            "despike": params.get("despike", "auto"),
            "max_samples": params.get("max_samples"),
        }
    )
    size = int(params["image_size"])
    n_ch = sum(len(c) for _, c in plan)
    spikes = reordered = dups = blank = 0
    with atomic_path(out_path) as tmp, h5py.File(tmp, "w") as h5:
        images = h5.create_dataset(
            "images", (len(keys), n_ch, size, size), dtype=np.uint8, chunks=(1, n_ch, size, size)
        )
        h5.create_dataset("clip_ids", data=np.array(keys, dtype="S"))  # sample keys
        h5.create_dataset(
            "labels", data=np.repeat(clips.label.to_numpy(np.int64), [len(samples[c]) for c in clips.clip_id])
        )
        h5.create_dataset("channel_names", data=np.array([f"{s}.{c}" for s, cs in plan for c in cs], dtype="S"))
        for key, value in params.items():
            if value is None:
                continue
            h5.attrs[key] = value if not isinstance(value, (list, tuple)) else np.array(value, dtype="S")
        i = 0
        for row in progress(clips.to_dict("records"), "gaf", total=len(clips), unit="clip"):
            planes = []
            for sensor, chans in plan:
                path = row.get(f"sensor_{sensor}") or (row["inertial_path"] if sensor == plan[0][0] else "")
                if not path:
                    raise DataFileError(
                        f"{row['clip_id']}: the manifest has no {sensor} file; rebuild it with this sensor selected"
                    )
                rec = adapter.read_sensor_file(path, sensor)
                series, rep = condition(rec, cond, adapter.spec(sensor))
                spikes, reordered, dups = spikes + rep.spikes, reordered + rep.reordered, dups + rep.duplicates
                sel = [rec.channels.index(c) for c in chans]
                with np.errstate(over="ignore", invalid="ignore"):  # extreme values are named below
                    flat = [c for c, j in zip(chans, sel) if np.ptp(series[:, j]) == 0]
                    flat += [
                        c for c, j in zip(chans, sel) if c not in flat and _one_sample_dominates(series[:, j], path, c)
                    ]
                if flat:
                    blank += 1
                    log.warning(
                        "%s: channel(s) %s constant (or one extreme sample spans their whole range) in %s: "
                        "blank GAF image channel(s)",
                        row["clip_id"],
                        ", ".join(flat),
                        path,
                    )
                planes.append(
                    series_image(
                        series[:, sel].T,
                        params["kind"],
                        size,
                        params.get("interpolation", "area"),
                        params.get("gadf_convention", "matlab"),
                    )
                )
            image = np.concatenate(planes)
            for _ in samples[row["clip_id"]]:  # once per (clip, camera) sample key
                images[i] = image
                i += 1
        h5.attrs["despiked_samples"] = spikes
        h5.attrs["backward_steps"] = reordered
        h5.attrs["duplicate_timestamps"] = dups
        seal(h5, ["images", "clip_ids", "labels"])
    log.info(
        "wrote %d %s images (%d planes: %s) of %dx%d to %s; conditioning dropped %d spike "
        "samples, sorted %d backward steps, merged %d repeated timestamps",
        len(keys),
        params["kind"],
        n_ch,
        ", ".join(s for s, _ in plan),
        size,
        size,
        out_path,
        spikes,
        reordered,
        dups,
    )
    if blank:
        log.warning("%d of %d clips have at least one blank (constant) channel", blank, len(clips))
    return len(keys)


class GafStore(LazyH5):
    """Read access to the GAF images by clip id."""

    what = "GAF image file"

    def __init__(self, path: str | Path):
        super().__init__(path)
        with open_h5(self.path, self.what) as h5:
            verify(h5, self.path, self.what)  # a few MB: read once per process
            ids = [c.decode() for c in h5["clip_ids"][()]]
            self.shape = h5["images"].shape[1:]
        self.index = {c: i for i, c in enumerate(ids)}

    def __contains__(self, clip_id: str) -> bool:
        return clip_id in self.index

    def __getitem__(self, clip_id: str) -> np.ndarray:
        return self.h5["images"][self.index[clip_id]]
