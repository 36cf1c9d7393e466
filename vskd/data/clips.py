"""The data stages for any adapter: clip manifest, protocol splits and GAF images of named sensors.

The outputs have the layout the UTD-only stages write (``clips.csv`` with ``MANIFEST_COLUMNS``,
split files ``clip_id,label,subset``, ``gaf_*.h5`` with ``images``/``clip_ids``/``labels``), so the
training stages read every dataset alike. What is dataset specific comes from the adapter:

- ``clips.csv`` gains a column per selected sensor (``sensor_<name>``) and camera
  (``video_<camera>``), plus the adapter's clip attributes (``repetition``; ``scene``,
  ``session``). ``inertial_path``/``video_path`` hold the first selected sensor/camera, and their
  fingerprint columns that file (a camera frame folder has none), which is what the robustness
  checks of the later stages verify. Every sensor file read is checked against a SHA256SUMS in
  the source folder, when there is one.
- A clip missing a selected sensor or camera is an error naming the file, unless it is in
  ``skip_clips`` or ``on_missing: skip`` is set (MMAct: not every sensor exists for every clip),
  then it is a ``skipped`` row saying what was missing. ``n_samples`` is the length after
  conditioning of the first selected sensor.
- GAF: each selected sensor is read, conditioned (:mod:`vskd.data.conditioning`: sorted,
  de-duplicated, despiked, resampled to ``gaf.resample_hz``) and encoded channel by channel as
  :func:`vskd.gaf.gaf_image` does; the channels of all sensors are stacked into one image
  (``len(sensors) x channels`` planes): one sensor, or several fused at the input.

Samples and their keys. What the later stages iterate over is a *sample*: one camera's view of a
clip with the clip's sensors. Its key is used alike by the split files, the rows of ``gaf_*.h5``,
the entries of ``frames.h5`` and the teacher-knowledge cache:

- at most one camera in the manifest (sensor-only, or ``dataset.cameras`` names one): the clip
  id (``s01_a01_r01``), so a sample is a clip, as for UTD-MHAD;
- several cameras: ``<clip_id>@<camera>`` (``s01_a01_r01@cluster01_cam01``), one sample per
  (clip, camera), as the published Berkeley/MMAct lists count them. Every split file then has one
  row per sample and the GAF file the clip's image once per sample key (the same pixels), so a
  run pairs each camera's view with its clip's sensors.

MMAct ``cross_view`` (cam1-3 train / cam4 test) is the one protocol that splits the cameras of a
clip; it needs several cameras and is written per sample by :func:`make_sample_split`. The sensor
recording of a clip is then on both sides of the split: a student's cross-view test accuracy is
measured on sensor images it was trained on (only the teacher's view is new).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import h5py
import numpy as np
import pandas as pd

from ..atomic import atomic_path
from ..gaf import series_image
from ..progress import progress
from .adapters import DatasetAdapter, get_adapter
from .conditioning import Conditioning, condition
from .manifest import FINGERPRINT, MANIFEST_COLUMNS, PATH_COLUMNS, fingerprint
from .readers import DataFileError
from .sources import check_against_sha256sums

log = logging.getLogger(__name__)


def selected_sensors(adapter: DatasetAdapter, sensors: Sequence[str] | None) -> list[str]:
    """The sensors a run uses (``None``: the adapter's default), each checked to exist."""
    names = list(sensors) if sensors else list(adapter.default_sensors)
    for name in names:
        adapter.spec(name)
    return names


def selected_cameras(adapter: DatasetAdapter, cameras: Sequence[str] | None) -> list[str]:
    names = list(cameras) if cameras else [adapter.default_camera]
    unknown = [c for c in names if c not in adapter.cameras]
    if unknown:
        raise ValueError(f"{adapter.title} has no camera {unknown}; it has {list(adapter.cameras)}")
    return names


def build_clip_manifest(root: str | Path, kind: str, modalities: Iterable[str],
                        sensors: Sequence[str] | None = None, cameras: Sequence[str] | None = None,
                        skip_clips: Iterable[str] = (), on_missing: str = "error",
                        label_scheme: str = "default",
                        conditioning: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Scan ``root`` with the adapter of ``kind`` and describe every clip (see module docstring)."""
    adapter = get_adapter(kind)
    modalities = list(modalities)
    sensor_names = selected_sensors(adapter, sensors) if "inertial" in modalities else []
    camera_names = selected_cameras(adapter, cameras) if "video" in modalities else []
    cond = Conditioning.from_config(conditioning)
    skip = {adapter.canonical_id(c) for c in skip_clips}
    found = adapter.scan(root)
    if not found:
        raise DataFileError(f"{root}: no {adapter.title} file found (expected e.g. "
                            f"{adapter.sensor_file(_example(adapter), adapter.default_sensors[0])})")
    for clip_id in sorted(skip - set(found)):
        log.warning("skip_clips lists %s, but %s holds no file of that clip (a typo?)", clip_id, root)
    extra = [*adapter.attributes, *(f"sensor_{s}" for s in sensor_names),
             *(f"video_{c}" for c in camera_names)]
    columns = MANIFEST_COLUMNS + [c for c in extra if c not in MANIFEST_COLUMNS]
    rows, sums = [], {}
    for clip_id in progress(sorted(found, key=adapter.sort_key), "manifest", unit="clip"):
        fields = adapter.parse_clip_id(clip_id)
        files = found[clip_id]
        label = (adapter.label_of(clip_id, label_scheme) if label_scheme != "default"
                 else adapter.label_of(clip_id))
        row: dict[str, Any] = {
            "clip_id": clip_id, "action": fields["action"], "label": label,
            "subject": fields["subject"], "trial": fields.get("trial", fields.get(adapter.attributes[-1], 0)),
            **{a: fields[a] for a in adapter.attributes},
            "n_frames": 0, "n_samples": 0, "status": "ok", "note": "",
            **{f"{m}_{f}": (0 if f != "sha256" else "") for m in PATH_COLUMNS for f in FINGERPRINT}}
        for s in sensor_names:
            row[f"sensor_{s}"] = str(files.get(("sensor", s), ""))
        for c in camera_names:
            row[f"video_{c}"] = str(files.get(("video", c), ""))
        row["inertial_path"] = row[f"sensor_{sensor_names[0]}"] if sensor_names else ""
        row["video_path"] = row[f"video_{camera_names[0]}"] if camera_names else ""
        missing = ([adapter.sensor_file(clip_id, s) for s in sensor_names if ("sensor", s) not in files]
                   + [adapter.video_file(clip_id, c) for c in camera_names if ("video", c) not in files])
        if clip_id in skip or (missing and on_missing == "skip"):
            note = "listed in skip_clips" if clip_id in skip else "missing " + ", ".join(missing)
            row.update(status="skipped", note=note)
            log.info("skipping %s (%s)", clip_id, note)
            rows.append(row)
            continue
        if missing:
            have = ", ".join(str(p) for p in files.values())
            raise DataFileError(f"{root}: {missing[0]} is missing (the clip has {have}); add "
                                f"{clip_id} to skip_clips (or set on_missing: skip) to leave it out")
        if camera_names:
            counts = [adapter.video_frame_count(files[("video", c)]) for c in camera_names]
            if min(counts) <= 0:
                raise DataFileError(f"{files[('video', camera_names[0])]}: the video reports no frames")
            row["n_frames"] = counts[0]
            path = files[("video", camera_names[0])]
            if path.is_file():
                row.update({f"video_{k}": v for k, v in fingerprint(path).items()})
        for i, s in enumerate(sensor_names):
            path = files[("sensor", s)]
            rec = adapter.read_sensor_file(path, s)
            out, _ = condition(rec, cond, adapter.spec(s))     # a broken file fails here, named
            fp = fingerprint(path)
            sums[str(path)] = fp["sha256"]
            if i == 0:
                row["n_samples"] = len(out)
                row.update({f"inertial_{k}": v for k, v in fp.items()})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=columns)
    check_against_sha256sums(sums, root)
    n_skip = int((frame.status == "skipped").sum())
    log.info("manifest (%s): %d clips, %d usable, %d skipped", adapter.title, len(frame),
             len(frame) - n_skip, n_skip)
    return frame


def _example(adapter: DatasetAdapter) -> str:
    return {"utd_mhad": "a1_s1_t1", "berkeley_mhad": "s01_a01_r01"}.get(
        adapter.kind, "subject01_scene1_session1_carrying")


def make_clip_split(manifest: pd.DataFrame, kind: str, protocol: str) -> pd.DataFrame:
    """clip_id, label, subset (train/test) of the usable clips under one of the adapter's protocols.

    Camera-dependent protocols (MMAct cross_view) have no per-clip split: the same sensor
    recording lies on both sides. They are refused here rather than written wrong.
    """
    adapter = get_adapter(kind)
    adapter.check_protocol(protocol)
    if adapter.camera_dependent(protocol):
        raise ValueError(f"{adapter.title} {protocol} splits the cameras of each clip; a per-clip "
                         "split file cannot express it (its sensor data would be on both sides)")
    usable = manifest[manifest.status == "ok"]
    subsets = [adapter.subset_of(c, protocol) for c in usable.clip_id]
    return pd.DataFrame({"clip_id": usable.clip_id.values, "label": usable.label.values,
                         "subset": subsets})


SAMPLE_SEP = "@"


def manifest_cameras(manifest: pd.DataFrame, kind: str) -> list[str]:
    """The cameras of a manifest (its ``video_<camera>`` columns), in ``dataset.cameras`` order."""
    cams = get_adapter(kind).cameras
    return [c[len("video_"):] for c in manifest.columns
            if c.startswith("video_") and c[len("video_"):] in cams]


def sample_key(clip_id: str, camera: str | None, per_camera: bool) -> str:
    """The key of a (clip, camera) sample: the clip id, or ``<clip_id>@<camera>`` (see module doc)."""
    return f"{clip_id}{SAMPLE_SEP}{camera}" if per_camera else clip_id


def clip_of_sample(key: str) -> tuple[str, str | None]:
    """(clip id, camera or None) of a sample key."""
    clip, _, camera = key.partition(SAMPLE_SEP)
    return clip, camera or None


def manifest_samples(manifest: pd.DataFrame, kind: str) -> list[tuple[str, str, str | None]]:
    """(key, clip id, camera) of every sample of the usable clips, clip by clip, cameras in order."""
    cams = manifest_cameras(manifest, kind)
    per_camera = len(cams) > 1
    usable = manifest[manifest.status == "ok"].clip_id
    return [(sample_key(c, cam, per_camera), c, cam) for c in usable for cam in (cams or [None])]


def make_sample_split(manifest: pd.DataFrame, kind: str, protocol: str) -> pd.DataFrame:
    """key (as ``clip_id``), label, subset of every sample under a protocol (see module doc).

    With at most one camera this is :func:`make_clip_split`. A camera-dependent protocol (MMAct
    cross_view) needs several cameras, covering both sides; otherwise a ValueError says what to
    configure.
    """
    adapter = get_adapter(kind)
    adapter.check_protocol(protocol)
    cams = manifest_cameras(manifest, kind)
    dependent = adapter.camera_dependent(protocol)
    if len(cams) <= 1 and not dependent:
        return make_clip_split(manifest, kind, protocol)
    if dependent and len(cams) <= 1:
        raise ValueError(
            f"{adapter.title} {protocol} splits the cameras of each clip (train on some cameras, "
            f"test on others): it needs modalities [video, inertial] and several cameras in "
            f"dataset.cameras, e.g. {list(adapter.cameras)} (this manifest has "
            f"{cams or 'no camera'}); a sensor-only run has no {protocol} split, its sensor data "
            "would be on both sides")
    labels = dict(zip(manifest.clip_id, manifest.label))
    rows = [(key, labels[clip], adapter.subset_of(clip, protocol, cam))
            for key, clip, cam in manifest_samples(manifest, kind)]
    split = pd.DataFrame(rows, columns=["clip_id", "label", "subset"])
    sides = set(split.subset)
    if dependent and sides != {"train", "test"}:
        side = "test" if "test" not in sides else "train"
        raise ValueError(f"{adapter.title} {protocol}: the cameras {cams} give no {side} sample; "
                         f"dataset.cameras must include cameras of both sides, e.g. {list(adapter.cameras)}")
    if dependent:
        log.warning("%s %s: every clip's sensor recording lies on both sides of the split (%d train, "
                    "%d test samples); a student's test accuracy is measured on sensor images it "
                    "was trained on", adapter.title, protocol, (split.subset == "train").sum(),
                    (split.subset == "test").sum())
    return split


def clip_protocols(kind: str) -> list[str]:
    """The protocols a per-clip split file can be written for."""
    adapter = get_adapter(kind)
    return [p for p in adapter.protocols if not adapter.camera_dependent(p)]


# ---- GAF of named sensors -------------------------------------------------------------------
def series_gaf(series: np.ndarray, kind: str = "gasf", image_size: int | None = None,
               interpolation: str = "area", gadf_convention: str = "matlab") -> np.ndarray:
    """(C, N) series -> (C, S, S) uint8: :func:`vskd.gaf.series_image`, the steps of ``gaf_image``
    on a sensor's own channels (``gaf_image`` indexes UTD's six fixed columns)."""
    return series_image(series, kind, image_size, interpolation, gadf_convention)


def sensor_channels(adapter: DatasetAdapter, sensors: Sequence[str], channels: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(sensor, its channels among ``channels``) per sensor; a sensor with none is an error."""
    out = []
    for s in sensors:
        have = [c for c in channels if c in adapter.spec(s).channels]
        if not have:
            raise ValueError(f"gaf.channels {list(channels)} name no channel of sensor {s!r} "
                             f"(it has {list(adapter.spec(s).channels)})")
        out.append((s, have))
    return out


def write_sensor_gaf_h5(manifest: pd.DataFrame, out_path: str | Path, params: Mapping[str, Any],
                        kind: str) -> int:
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
    cond = Conditioning.from_config({"rate_hz": params.get("resample_hz"),
                                     "despike": params.get("despike", "auto")})
    size = int(params["image_size"])
    n_ch = sum(len(c) for _, c in plan)
    spikes = reordered = dups = 0
    with atomic_path(out_path) as tmp, h5py.File(tmp, "w") as h5:
        images = h5.create_dataset("images", (len(keys), n_ch, size, size), dtype=np.uint8,
                                   chunks=(1, n_ch, size, size))
        h5.create_dataset("clip_ids", data=np.array(keys, dtype="S"))    # sample keys
        h5.create_dataset("labels", data=np.repeat(clips.label.to_numpy(np.int64),
                                                   [len(samples[c]) for c in clips.clip_id]))
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
                    raise DataFileError(f"{row['clip_id']}: the manifest has no {sensor} file; rebuild "
                                        "it with this sensor selected")
                rec = adapter.read_sensor_file(path, sensor)
                series, rep = condition(rec, cond, adapter.spec(sensor))
                spikes, reordered, dups = spikes + rep.spikes, reordered + rep.reordered, dups + rep.duplicates
                sel = [rec.channels.index(c) for c in chans]
                planes.append(series_gaf(series[:, sel].T, params["kind"], size,
                                         params.get("interpolation", "area"),
                                         params.get("gadf_convention", "matlab")))
            image = np.concatenate(planes)
            for _ in samples[row["clip_id"]]:            # once per (clip, camera) sample key
                images[i] = image
                i += 1
        h5.attrs["despiked_samples"] = spikes
        h5.attrs["backward_steps"] = reordered
        h5.attrs["duplicate_timestamps"] = dups
    log.info("wrote %d %s images (%d planes: %s) of %dx%d to %s; conditioning dropped %d spike "
             "samples, sorted %d backward steps, merged %d repeated timestamps", len(keys),
             params["kind"], n_ch, ", ".join(s for s, _ in plan), size, size, out_path, spikes,
             reordered, dups)
    return len(keys)


def source_problem(kind: str, source: str) -> str | None:
    """Why a local source folder cannot deliver this dataset, or None (cheap: stops at a first file)."""
    adapter = get_adapter(kind)
    if source == "synthetic":
        return None
    if source == "download":
        return (f"{adapter.title} has no download source (its official site is gone or needs a "
                "request form); unpack the archives you hold and give the folder as source")
    path = Path(source)
    if not path.is_dir():
        what = "is a file, not a folder" if path.exists() else "does not exist"
        return f"{source} {what} (resolved: {path.resolve()}); expected 'synthetic' or a folder"
    for candidate in adapter.iter_candidates(path):
        if adapter.parse_file(candidate) is not None:
            return None
    return f"{source} holds no {adapter.title} file (e.g. {adapter.sensor_file(_example(adapter), adapter.default_sensors[0])})"


def source_files(kind: str, source: str, modalities: Iterable[str] = ("inertial",)) -> list[str]:
    """The sensor files (and SHA256SUMS) of a local source folder, as rule inputs so that an edit
    in place reruns the manifest; camera frame folders are not listed (hundreds of thousands)."""
    if source == "synthetic" or not Path(source).is_dir():
        return []
    adapter = get_adapter(kind)
    out = [str(p) for p in adapter.iter_candidates(Path(source))
           if p.is_file() and (ref := adapter.parse_file(p)) is not None and ref.modality == "sensor"]
    sums = [str(p) for p in (Path(source) / "SHA256SUMS", Path(source).parent / "SHA256SUMS") if p.is_file()]
    return sorted(out) + sums[:1]
