"""The clip manifest (``clips.csv``) and the protocol split files.

The manifest is the single list of clips every later stage reads: ids, labels, file paths,
frame and sample counts, and which clips were skipped and why. It also records a fingerprint
(size, mtime, sha256) of every raw file it read: Snakemake cannot see a file edited in place inside
an unpacked folder, so the stages that read raw files check the fingerprints
(``verify_raw_files``) instead of silently building from a file the manifest never saw.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterable

import pandas as pd

from ..progress import progress
from . import utd
from .download import sha256_of
from .readers import DataFileError, read_inertial, video_frame_count
from .sources import check_against_sha256sums, scan_files

log = logging.getLogger(__name__)

#: the manifest column holding each modality's file
PATH_COLUMNS = {"video": "video_path", "inertial": "inertial_path"}
#: fingerprint columns per modality (empty / 0 where the modality is not used)
FINGERPRINT = ("size", "mtime_ns", "sha256")
MANIFEST_COLUMNS = ["clip_id", "action", "label", "subject", "trial", "video_path",
                    "inertial_path", "n_frames", "n_samples", "status", "note",
                    *(f"{m}_{f}" for m in PATH_COLUMNS for f in FINGERPRINT)]


class RawFileChanged(DataFileError):
    """A raw file differs from what the manifest recorded: outputs built from it would be stale."""


def fingerprint(path: str | Path) -> dict[str, object]:
    """size (bytes), mtime (ns) and sha256 of a file, as recorded in the manifest."""
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256_of(path)}


def build_manifest(root: str | Path, modalities: Iterable[str],
                   skip_clips: Iterable[str] = ()) -> pd.DataFrame:
    """Scan ``root`` and describe every clip; validates each file it counts.

    A clip that has one required modality but not another is an error naming the missing file,
    unless the clip is listed in ``skip_clips`` (then it is kept as a ``skipped`` row).
    """
    modalities = list(modalities)
    skip = set(skip_clips)
    found = scan_files(root)
    if not found:
        raise DataFileError(f"{root}: no UTD-MHAD files (a*_s*_t*_color.avi / _inertial.mat) found")
    for clip_id in sorted(skip - set(found)):
        log.warning("skip_clips lists %s, but %s holds no file of that clip (a typo?)", clip_id, root)
    rows = []
    for clip_id in progress(sorted(found, key=utd.ClipId.parse), "manifest", unit="clip"):
        clip = utd.ClipId.parse(clip_id)
        files = found[clip_id]
        row = {"clip_id": clip_id, "action": clip.action, "label": clip.label,
               "subject": clip.subject, "trial": clip.trial,
               "video_path": str(files.get("video", "")), "inertial_path": str(files.get("inertial", "")),
               "n_frames": 0, "n_samples": 0, "status": "ok", "note": "",
               **{f"{m}_{f}": (0 if f != "sha256" else "") for m in PATH_COLUMNS for f in FINGERPRINT}}
        if clip_id in skip:
            row.update(status="skipped", note="listed in skip_clips")
            log.info("skipping %s (listed in skip_clips)", clip_id)
            rows.append(row)
            continue
        for modality in modalities:
            if modality not in files:
                have = ", ".join(str(p) for p in files.values())
                expected = utd.video_name(clip) if modality == "video" else utd.inertial_name(clip)
                raise DataFileError(f"{root}: {expected} is missing (the clip has {have}); add "
                                    f"{clip_id} to skip_clips to leave it out")
        if "video" in modalities:
            row["n_frames"] = video_frame_count(files["video"])
            if row["n_frames"] <= 0:
                raise DataFileError(f"{files['video']}: the video reports no frames")
        if "inertial" in modalities:
            row["n_samples"] = read_inertial(files["inertial"]).shape[0]
        for modality in modalities:
            row.update({f"{modality}_{k}": v for k, v in fingerprint(files[modality]).items()})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=MANIFEST_COLUMNS)
    check_against_sha256sums({r[f"{m}_path"]: r[f"{m}_sha256"] for r in rows for m in modalities
                              if r[f"{m}_sha256"]}, root)
    n_skip = int((frame.status == "skipped").sum())
    log.info("manifest: %d clips, %d usable, %d skipped", len(frame), len(frame) - n_skip, n_skip)
    return frame


def read_manifest(path: str | Path, usable_only: bool = True) -> pd.DataFrame:
    """Read ``clips.csv`` (only the usable clips unless ``usable_only=False``)."""
    frame = pd.read_csv(path, keep_default_na=False, dtype={f"{m}_sha256": str for m in PATH_COLUMNS})
    missing = set(MANIFEST_COLUMNS) - set(frame.columns)
    if missing:
        raise DataFileError(f"{path}: not a clip manifest of this vskd version (missing columns "
                            f"{sorted(missing)}); rebuild it: snakemake -R build_manifest <target>")
    frame = frame[frame.status == "ok"].reset_index(drop=True) if usable_only else frame
    frame.attrs["path"] = str(path)
    return frame


def raw_file_changes(manifest: pd.DataFrame, modalities: Iterable[str] | None = None,
                     content: bool = True) -> list[tuple[str, str]]:
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
        for path, size, mtime_ns, digest in zip(usable[column], usable[f"{modality}_size"],
                                                usable[f"{modality}_mtime_ns"],
                                                usable[f"{modality}_sha256"]):
            try:
                st = os.stat(path)
            except FileNotFoundError:
                changes.append((path, "the file no longer exists"))
                continue
            if not content and st.st_size == int(size) and st.st_mtime_ns == int(mtime_ns):
                continue
            now = sha256_of(path)
            if now != digest:
                changes.append((path, f"size {int(size)} -> {st.st_size} bytes, sha256 "
                                      f"{digest[:12]}... -> {now[:12]}..."))
    return changes


def verify_raw_files(manifest: pd.DataFrame | str | Path, modalities: Iterable[str] | None = None,
                     content: bool = True) -> pd.DataFrame:
    """Check that the raw files a stage is about to read are those the manifest was built from.

    Raises RawFileChanged naming the changed files and what to rerun; returns the manifest (read
    from disk when given a path), so a stage can write ``verify_raw_files(read_manifest(p))``.
    """
    frame = manifest if isinstance(manifest, pd.DataFrame) else read_manifest(manifest)
    changes = raw_file_changes(frame, modalities, content=content)
    if changes:
        raise RawFileChanged(describe_changes(changes, frame.attrs.get("path", "clips.csv")))
    return frame


def describe_changes(changes: list[tuple[str, str]], manifest_path: str | Path) -> str:
    """The error message for changed raw files: which, how, and what to do about it."""
    manifest_path = Path(manifest_path)
    listed = "; ".join(f"{path} ({what})" for path, what in changes[:5])
    more = f" and {len(changes) - 5} more" if len(changes) > 5 else ""
    raw_dir = manifest_path.parent / "raw"
    unpacked = all(Path(p).resolve().is_relative_to(raw_dir.resolve()) for p, _ in changes)
    if unpacked:
        todo = (f"these files are unpacked from the dataset's archives and must not be edited: "
                f"delete {raw_dir} and rerun (rule unpack_archives unpacks them again when a stage "
                "needs them); to work on edited files, point the dataset's source: at a folder "
                "of your own")
    else:
        todo = ("if the edit is intended, rebuild the manifest and what depends on it with "
                "`snakemake -R build_manifest <target>` (same arguments); otherwise restore the file")
    return (f"{len(changes)} raw file(s) changed after {manifest_path} was built: {listed}{more}. "
            f"Outputs made from them would be stale; {todo}.")


def check_unpacked_files(manifest_path: str | Path) -> None:
    """Fail if a file unpacked below ``<dataset>/raw/`` changed after the manifest recorded it.

    Meant for start-up (the Snakefile): Snakemake sees the ``raw`` folder as one output and would
    report "Nothing to be done" after an edit inside it. Cheap: one stat per file; a file is
    hashed only when its size or mtime moved. Files of a local source folder are skipped, since
    they are Snakemake inputs and an edit there reruns the manifest by itself.
    """
    manifest_path = Path(manifest_path)
    raw_dir = manifest_path.parent / "raw"
    if not manifest_path.is_file() or not raw_dir.is_dir():
        return
    try:
        frame = read_manifest(manifest_path)
    except DataFileError:
        return  # an old-format manifest is rebuilt anyway (its code input changed)
    root = raw_dir.resolve()
    for column in PATH_COLUMNS.values():
        frame = frame.assign(**{column: [p if p and Path(p).resolve().is_relative_to(root) else ""
                                         for p in frame[column]]})
    for modality, column in PATH_COLUMNS.items():
        frame.loc[frame[column] == "", f"{modality}_sha256"] = ""
    changes = raw_file_changes(frame, content=False)
    if changes:
        raise RawFileChanged(describe_changes(changes, manifest_path))


def make_split(manifest: pd.DataFrame, protocol: str) -> pd.DataFrame:
    """clip_id, label, subset (train/test) for the usable clips under ``protocol``."""
    usable = manifest[manifest.status == "ok"]
    subsets = [utd.subset_of(utd.ClipId.parse(c), protocol) for c in usable.clip_id]
    return pd.DataFrame({"clip_id": usable.clip_id.values, "label": usable.label.values,
                         "subset": subsets})


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
        rows.append({"clip_id": str(utd.ClipId.parse(" ".join(parts[:-2]))),
                     "n_frames": int(parts[-2]), "label": int(parts[-1])})
    return pd.DataFrame(rows)
