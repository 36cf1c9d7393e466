"""Where a dataset's raw files come from: archives (synthetic, downloaded, local) or a folder.

``source:`` in the config is ``synthetic``, ``download`` or a local path. A local path may hold the
archives (``RGB.zip`` / ``Inertial.zip``) or files already unpacked; files are matched by name
(``a1_s1_t1_color.avi``, ``a1_s1_t1_inertial.mat``) anywhere below it, since the folder prefix
inside the official archives is not documented.
"""
from __future__ import annotations

import logging
import shutil
import zipfile
from pathlib import Path

from ..atomic import atomic_path
from .readers import DataFileError
from .utd import parse_file_name

log = logging.getLogger(__name__)

#: archive file name per modality, as published on the UTD-MHAD site
ARCHIVES = {"video": "RGB.zip", "inertial": "Inertial.zip"}
#: folder per modality inside an unpacked dataset
FOLDERS = {"video": "RGB", "inertial": "Inertial"}


def source_kind(source: str) -> str:
    """'synthetic', 'download', 'archives' (a local folder with the zips) or 'folder'."""
    if source in ("synthetic", "download"):
        return source
    path = Path(source)
    if not path.is_dir():
        raise DataFileError(f"dataset source {source}: not 'synthetic', 'download' or an existing folder")
    if any((path / name).is_file() for name in ARCHIVES.values()):
        return "archives"
    return "folder"


def unpack_archive(archive: str | Path, out_dir: str | Path, modality: str) -> int:
    """Extract the dataset files of one modality from ``archive`` into ``out_dir/<Folder>/``.

    Members are matched on their file name alone (never their path: no zip-slip), written
    atomically; returns the number of files extracted. A corrupt archive raises DataFileError.
    """
    archive = Path(archive)
    dest = Path(out_dir) / FOLDERS[modality]
    dest.mkdir(parents=True, exist_ok=True)
    count = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                name = Path(info.filename.replace("\\", "/")).name
                parsed = parse_file_name(name)
                if info.is_dir() or parsed is None or parsed[1] != modality:
                    continue
                with zf.open(info) as src, atomic_path(dest / name) as tmp, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                count += 1
    except zipfile.BadZipFile as exc:
        raise DataFileError(f"{archive}: not a valid zip archive ({exc})") from None
    if count == 0:
        raise DataFileError(f"{archive}: holds no UTD-MHAD {modality} file (*{'_color.avi' if modality == 'video' else '_inertial.mat'})")
    log.info("unpacked %d %s files from %s", count, modality, archive)
    return count


def scan_files(root: str | Path) -> dict[str, dict[str, Path]]:
    """Map clip id -> {modality: path} for every dataset file below ``root``."""
    found: dict[str, dict[str, Path]] = {}
    for path in sorted(Path(root).rglob("*")):
        parsed = parse_file_name(path.name)
        if parsed is None or not path.is_file():
            continue
        clip, modality = parsed
        slot = found.setdefault(str(clip), {})
        if modality in slot:
            raise DataFileError(f"{root}: clip {clip} has two {modality} files: {slot[modality]} and {path}")
        slot[modality] = path
    return found
