"""The clip manifest (``clips.csv``) and the protocol split files.

The manifest is the single list of clips every later stage reads: ids, labels, file paths,
frame and sample counts, and which clips were skipped and why.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

import pandas as pd

from ..progress import progress
from . import utd
from .readers import DataFileError, read_inertial, video_frame_count
from .sources import scan_files

log = logging.getLogger(__name__)

MANIFEST_COLUMNS = ["clip_id", "action", "label", "subject", "trial", "video_path",
                    "inertial_path", "n_frames", "n_samples", "status", "note"]


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
    rows = []
    for clip_id in progress(sorted(found, key=utd.ClipId.parse), "manifest", unit="clip"):
        clip = utd.ClipId.parse(clip_id)
        files = found[clip_id]
        row = {"clip_id": clip_id, "action": clip.action, "label": clip.label,
               "subject": clip.subject, "trial": clip.trial,
               "video_path": str(files.get("video", "")), "inertial_path": str(files.get("inertial", "")),
               "n_frames": 0, "n_samples": 0, "status": "ok", "note": ""}
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
        rows.append(row)
    frame = pd.DataFrame(rows, columns=MANIFEST_COLUMNS)
    n_skip = int((frame.status == "skipped").sum())
    log.info("manifest: %d clips, %d usable, %d skipped", len(frame), len(frame) - n_skip, n_skip)
    return frame


def read_manifest(path: str | Path, usable_only: bool = True) -> pd.DataFrame:
    frame = pd.read_csv(path, keep_default_na=False)
    missing = set(MANIFEST_COLUMNS) - set(frame.columns)
    if missing:
        raise DataFileError(f"{path}: not a clip manifest (missing columns {sorted(missing)})")
    return frame[frame.status == "ok"].reset_index(drop=True) if usable_only else frame


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
