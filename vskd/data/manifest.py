"""The clip manifest (``clips.csv``) and the protocol split files, for every dataset kind.

The manifest is the single list of clips every later stage reads: ids, labels, file paths,
frame and sample counts, and which clips were skipped and why. It records a fingerprint (size,
mtime, sha256) of every raw file it read: Snakemake cannot see a file edited in place inside an
unpacked folder, so the stages that read raw files check the fingerprints (``verify_raw_files``)
instead of silently building from a file the manifest never saw.

What is dataset specific comes from the dataset's adapter (:mod:`vskd.data.adapters`):

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
clip; it needs several cameras and is written per sample by :func:`make_split`. The sensor
recording of a clip is then on both sides of the split: a student's cross-view test accuracy is
measured on sensor images it was trained on (only the teacher's view is new).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..progress import progress
from . import utd
from .adapters import DatasetAdapter, get_adapter
from .conditioning import Conditioning, condition
from .download import sha256_of
from .readers import DataFileError
from .sources import check_against_sha256sums, missing_pinned_files

log = logging.getLogger(__name__)

#: the manifest column holding each modality's file
PATH_COLUMNS = {"video": "video_path", "inertial": "inertial_path"}
#: fingerprint columns per modality (empty / 0 where the modality is not used)
FINGERPRINT = ("size", "mtime_ns", "sha256")
MANIFEST_COLUMNS = [
    "clip_id",
    "action",
    "label",
    "subject",
    "trial",
    "video_path",
    "inertial_path",
    "n_frames",
    "n_samples",
    "status",
    "note",
    *(f"{m}_{f}" for m in PATH_COLUMNS for f in FINGERPRINT),
]


class RawFileChanged(DataFileError):
    """A raw file differs from what the manifest recorded: outputs built from it would be stale."""


def fingerprint(path: str | Path) -> dict[str, object]:
    """size (bytes), mtime (ns) and sha256 of a file, as recorded in the manifest."""
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256_of(path)}


def read_manifest(path: str | Path, usable_only: bool = True) -> pd.DataFrame:
    """Read ``clips.csv`` (only the usable clips unless ``usable_only=False``)."""
    frame = pd.read_csv(path, keep_default_na=False, dtype={f"{m}_sha256": str for m in PATH_COLUMNS})
    missing = set(MANIFEST_COLUMNS) - set(frame.columns)
    if missing:
        raise DataFileError(
            f"{path}: not a clip manifest of this vskd version (missing columns "
            f"{sorted(missing)}); rebuild it: snakemake -R build_manifest <target>"
        )
    frame = frame[frame.status == "ok"].reset_index(drop=True) if usable_only else frame
    frame.attrs["path"] = str(path)
    return frame


def raw_file_changes(
    manifest: pd.DataFrame, modalities: Iterable[str] | None = None, content: bool = True
) -> list[tuple[str, str]]:
    """(path, what changed) for each recorded raw file of a usable clip that differs from the
    manifest's fingerprint.

    ``content=True`` hashes every file (catches edits that keep size and mtime, e.g. ``cp -p``);
    ``content=False`` hashes only files whose size or mtime changed (a cheap check: a file merely
    touched still counts as unchanged).
    """
    changes = []
    for modality in modalities or PATH_COLUMNS:
        column = PATH_COLUMNS[modality]
        usable = manifest[(manifest.status == "ok") & (manifest[f"{modality}_sha256"] != "")]
        for path, size, mtime_ns, digest in zip(
            usable[column], usable[f"{modality}_size"], usable[f"{modality}_mtime_ns"], usable[f"{modality}_sha256"]
        ):
            try:
                st = os.stat(path)
            except FileNotFoundError:
                changes.append((path, "the file no longer exists"))
                continue
            if not content and st.st_size == int(size) and st.st_mtime_ns == int(mtime_ns):
                continue
            now = sha256_of(path)
            if now != digest:
                changes.append(
                    (path, f"size {int(size)} -> {st.st_size} bytes, sha256 {digest[:12]}... -> {now[:12]}...")
                )
    return changes


def verify_raw_files(
    manifest: pd.DataFrame | str | Path, modalities: Iterable[str] | None = None, content: bool = True
) -> pd.DataFrame:
    """Check that the raw files a stage is about to read are those the manifest was built from.

    Raises RawFileChanged naming the changed files and what to rerun; returns the manifest (read
    from disk when given a path), so a stage can write ``verify_raw_files(read_manifest(p))``.
    """
    frame = manifest if isinstance(manifest, pd.DataFrame) else read_manifest(manifest)
    changes = raw_file_changes(frame, modalities, content=content)
    if changes:
        raise RawFileChanged(describe_changes(changes, frame.attrs.get("path", "clips.csv")))
    return frame


def describe_changes(
    changes: list[tuple[str, str]], manifest_path: str | Path, raw_dir: str | Path | None = None
) -> str:
    """The error message for changed raw files: which, how, and what to do about it. ``raw_dir``:
    the folder the workflow itself writes the raw files into (default ``<dataset>/raw``)."""
    manifest_path = Path(manifest_path)
    listed = "; ".join(f"{path} ({what})" for path, what in changes[:5])
    more = f" and {len(changes) - 5} more" if len(changes) > 5 else ""
    raw_dir = Path(raw_dir) if raw_dir is not None else manifest_path.parent / "raw"
    unpacked = all(Path(p).resolve().is_relative_to(raw_dir.resolve()) for p, _ in changes)
    if unpacked:
        todo = (
            f"these files were written by the workflow (unpacked or synthesized) and must not be edited: "
            f"delete {raw_dir} and rerun (the workflow writes them again when a stage "
            "needs them); to work on edited files, point the dataset's source: at a folder "
            "of your own"
        )
    else:
        todo = (
            "if the edit is intended, rebuild the manifest and what depends on it with "
            "`snakemake -R build_manifest <target>` (same arguments); otherwise restore the file"
        )
    return (
        f"{len(changes)} raw file(s) changed after {manifest_path} was built: {listed}{more}. "
        f"Outputs made from them would be stale; {todo}."
    )


def check_unpacked_files(manifest_path: str | Path, raw_dir: str | Path | None = None, kind: str | None = None) -> None:
    """Fail if a file the workflow wrote below ``raw_dir`` (unpacked or synthesized; default
    ``<dataset>/raw/``) changed after the manifest recorded it, or (given the dataset ``kind``) a
    sensor file of a selected sensor was added there: it would join silently at the next rebuild.

    Meant for start-up (the Snakefile): Snakemake sees the ``raw`` folder as one output and would
    report "Nothing to be done" after an edit inside it. Cheap: one stat per file; a file is
    hashed only when its size or mtime moved. Files of a local source folder are skipped, since
    they are Snakemake inputs and an edit there reruns the manifest by itself.
    """
    manifest_path = Path(manifest_path)
    raw_dir = Path(raw_dir) if raw_dir is not None else manifest_path.parent / "raw"
    if not manifest_path.is_file() or not raw_dir.is_dir():
        return
    try:  # every row: a skipped clip's file is known, not added (fingerprints are checked for usable rows)
        frame = read_manifest(manifest_path, usable_only=False)
    except DataFileError:
        return  # an old-format manifest is rebuilt anyway (its code input changed)
    added = _added_sensor_files(frame, raw_dir, kind) if kind is not None else []
    root = raw_dir.resolve()
    for column in PATH_COLUMNS.values():
        frame = frame.assign(
            **{column: [p if p and Path(p).resolve().is_relative_to(root) else "" for p in frame[column]]}
        )
    for modality, column in PATH_COLUMNS.items():
        frame.loc[frame[column] == "", f"{modality}_sha256"] = ""
    changes = raw_file_changes(frame, content=False)
    changes += [(str(p), "added after the manifest was built") for p in added]
    if changes:
        raise RawFileChanged(describe_changes(changes, manifest_path, raw_dir))


def _added_sensor_files(frame: pd.DataFrame, raw_dir: Path, kind: str) -> list[Path]:
    """Sensor files of the manifest's sensors (its ``sensor_<name>`` columns) below ``raw_dir`` that
    no row of the manifest records."""
    adapter = get_adapter(kind)
    sensors = {c.removeprefix("sensor_") for c in frame.columns if c.startswith("sensor_")}
    known = {Path(p).resolve() for c in frame.columns if c.startswith("sensor_") for p in frame[c] if p}
    out = []
    for path in adapter.iter_candidates(raw_dir):
        ref = adapter.parse_file(path)
        if ref is not None and ref.modality == "sensor" and ref.name in sensors and path.resolve() not in known:
            out.append(path)
    return sorted(out)


def read_split(path: str | Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    if set(frame.columns) != {"clip_id", "label", "subset"}:
        raise DataFileError(f"{path}: not a split file (columns {list(frame.columns)})")
    return frame


def read_published_list(path: str | Path) -> pd.DataFrame:
    """A VSKD/SAKDN list (``path n_frames label`` per line) -> clip_id, n_frames, label."""
    rows = []
    for lineno, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) < 3:
            raise DataFileError(f"{path}:{lineno}: expected 'path n_frames label', got {line!r}")
        rows.append(
            {
                "clip_id": str(utd.ClipId.parse(" ".join(parts[:-2]))),
                "n_frames": int(parts[-2]),
                "label": int(parts[-1]),
            }
        )
    return pd.DataFrame(rows)


# ---- building the manifest and the splits ------------------------------------------------
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


def build_manifest(
    root: str | Path,
    kind: str,
    modalities: Iterable[str],
    sensors: Sequence[str] | None = None,
    cameras: Sequence[str] | None = None,
    skip_clips: Iterable[str] = (),
    on_missing: str = "error",
    label_scheme: str = "default",
    conditioning: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Scan ``root`` with the adapter of ``kind`` and describe every clip (see module docstring)."""
    adapter = get_adapter(kind)
    modalities = list(modalities)
    sensor_names = selected_sensors(adapter, sensors) if "inertial" in modalities else []
    camera_names = selected_cameras(adapter, cameras) if "video" in modalities else []
    cond = Conditioning.from_config(conditioning)
    skip = set()
    for clip in skip_clips:
        try:
            skip.add(adapter.canonical_id(clip))
        except ValueError:  # no clip id of this dataset: reported below as matching no file
            skip.add(clip)
    found = adapter.scan(root)
    if not found:
        raise DataFileError(f"{root}: no {adapter.title} file found (expected e.g. {adapter.example_sensor_file()})")
    for clip_id in sorted(skip - set(found)):
        log.warning("skip_clips lists %s, but %s holds no file of that clip (a typo?)", clip_id, root)
    extra = [*adapter.attributes, *(f"sensor_{s}" for s in sensor_names), *(f"video_{c}" for c in camera_names)]
    columns = MANIFEST_COLUMNS + [c for c in extra if c not in MANIFEST_COLUMNS]
    rows, sums = [], {}
    for clip_id in progress(sorted(found, key=adapter.sort_key), "manifest", unit="clip"):
        fields = adapter.parse_clip_id(clip_id)
        files = found[clip_id]
        label = adapter.label_of(clip_id, label_scheme) if label_scheme != "default" else adapter.label_of(clip_id)
        row: dict[str, Any] = {
            "clip_id": clip_id,
            "action": fields["action"],
            "label": label,
            "subject": fields["subject"],
            "trial": fields.get("trial", fields.get(adapter.attributes[-1], 0)),
            **{a: fields[a] for a in adapter.attributes},
            "n_frames": 0,
            "n_samples": 0,
            "status": "ok",
            "note": "",
            **{f"{m}_{f}": (0 if f != "sha256" else "") for m in PATH_COLUMNS for f in FINGERPRINT},
        }
        for s in sensor_names:
            row[f"sensor_{s}"] = str(files.get(("sensor", s), ""))
        for c in camera_names:
            row[f"video_{c}"] = str(files.get(("video", c), ""))
        row["inertial_path"] = row[f"sensor_{sensor_names[0]}"] if sensor_names else ""
        row["video_path"] = row[f"video_{camera_names[0]}"] if camera_names else ""
        missing = [adapter.sensor_file(clip_id, s) for s in sensor_names if ("sensor", s) not in files] + [
            adapter.video_file(clip_id, c) for c in camera_names if ("video", c) not in files
        ]
        if clip_id in skip or (missing and on_missing == "skip"):
            note = "listed in skip_clips" if clip_id in skip else "missing " + ", ".join(missing)
            row.update(status="skipped", note=note)
            log.info("skipping %s (%s)", clip_id, note)
            rows.append(row)
            continue
        if missing:
            have = ", ".join(str(p) for p in files.values())
            raise DataFileError(
                f"{root}: {missing[0]} is missing (the clip has {have}); add "
                f"{clip_id} to skip_clips (or set on_missing: skip) to leave it out"
            )
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
            out, _ = condition(rec, cond, adapter.spec(s))  # a broken file fails here, named
            fp = fingerprint(path)
            sums[str(path)] = fp["sha256"]
            if i == 0:
                row["n_samples"] = len(out)
                row.update({f"inertial_{k}": v for k, v in fp.items()})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=columns)
    check_against_sha256sums(sums, root)
    gone = missing_pinned_files(root, kind, sensor_names, skip)
    if gone:
        raise DataFileError(
            f"{gone[0]} is pinned in the SHA256SUMS of {root} but missing ({len(gone)} such file(s)); restore "
            f"it, or add its clip to skip_clips to leave it out"
        )
    n_skip = int((frame.status == "skipped").sum())
    log.info("manifest (%s): %d clips, %d usable, %d skipped", adapter.title, len(frame), len(frame) - n_skip, n_skip)
    return frame


def _clip_split(manifest: pd.DataFrame, kind: str, protocol: str) -> pd.DataFrame:
    """clip_id, label, subset (train/test) of the usable clips under one of the adapter's protocols.

    Camera-dependent protocols (MMAct cross_view) have no per-clip split: the same sensor
    recording lies on both sides. They are refused here rather than written wrong.
    """
    adapter = get_adapter(kind)
    adapter.check_protocol(protocol)
    if adapter.camera_dependent(protocol):
        raise ValueError(
            f"{adapter.title} {protocol} splits the cameras of each clip; a per-clip "
            "split file cannot express it (its sensor data would be on both sides)"
        )
    usable = manifest[manifest.status == "ok"]
    subsets = [adapter.subset_of(c, protocol) for c in usable.clip_id]
    return pd.DataFrame({"clip_id": usable.clip_id.values, "label": usable.label.values, "subset": subsets})


SAMPLE_SEP = "@"


def manifest_cameras(manifest: pd.DataFrame, kind: str) -> list[str]:
    """The cameras of a manifest (its ``video_<camera>`` columns), in ``dataset.cameras`` order."""
    cams = get_adapter(kind).cameras
    return [c[len("video_") :] for c in manifest.columns if c.startswith("video_") and c[len("video_") :] in cams]


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


def make_split(manifest: pd.DataFrame, kind: str, protocol: str) -> pd.DataFrame:
    """key (as ``clip_id``), label, subset of every sample under a protocol (see module doc).

    With at most one camera, one row per clip. A camera-dependent protocol (MMAct
    cross_view) needs several cameras, covering both sides; otherwise a ValueError says what to
    configure.
    """
    adapter = get_adapter(kind)
    adapter.check_protocol(protocol)
    cams = manifest_cameras(manifest, kind)
    dependent = adapter.camera_dependent(protocol)
    if len(cams) <= 1 and not dependent:
        return _clip_split(manifest, kind, protocol)
    if dependent and len(cams) <= 1:
        raise ValueError(
            f"{adapter.title} {protocol} splits the cameras of each clip (train on some cameras, "
            f"test on others): it needs modalities [video, inertial] and several cameras in "
            f"dataset.cameras, e.g. {list(adapter.cameras)} (this manifest has "
            f"{cams or 'no camera'}); a sensor-only run has no {protocol} split, its sensor data "
            "would be on both sides"
        )
    labels = dict(zip(manifest.clip_id, manifest.label))
    rows = [
        (key, labels[clip], adapter.subset_of(clip, protocol, cam))
        for key, clip, cam in manifest_samples(manifest, kind)
    ]
    split = pd.DataFrame(rows, columns=["clip_id", "label", "subset"])
    sides = set(split.subset)
    if dependent and sides != {"train", "test"}:
        side = "test" if "test" not in sides else "train"
        raise ValueError(
            f"{adapter.title} {protocol}: the cameras {cams} give no {side} sample; "
            f"dataset.cameras must include cameras of both sides, e.g. {list(adapter.cameras)}"
        )
    if dependent:
        log.warning(
            "%s %s: every clip's sensor recording lies on both sides of the split (%d train, "
            "%d test samples); a student's test accuracy is measured on sensor images it "
            "was trained on",
            adapter.title,
            protocol,
            (split.subset == "train").sum(),
            (split.subset == "test").sum(),
        )
    return split


def clip_protocols(kind: str) -> list[str]:
    """The protocols a per-clip split file can be written for."""
    adapter = get_adapter(kind)
    return [p for p in adapter.protocols if not adapter.camera_dependent(p)]
