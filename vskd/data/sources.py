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
import zlib
from pathlib import Path
from typing import Any, Iterable

from ..atomic import atomic_path
from .download import sha256_of
from .readers import DataFileError
from .utd import parse_file_name

log = logging.getLogger(__name__)

#: archive file name per modality, as published on the UTD-MHAD site
ARCHIVES = {"video": "RGB.zip", "inertial": "Inertial.zip"}
#: folder per modality inside an unpacked dataset
FOLDERS = {"video": "RGB", "inertial": "Inertial"}
#: checksum list (``sha256sum`` format) honoured in a local source folder or the folder above it
SUMS_NAME = "SHA256SUMS"
#: what rebuilds an archive that turns out damaged, by the source kind that produced it
ARCHIVE_REMEDY = {
    "synthetic": "it was written by rule synthesize_dataset: delete {archive} and rerun to write it again",
    "download": "it was fetched by rule download_archive: delete {archive} and rerun to download it again",
    "archives": "it is a file of your source folder: replace it with a complete copy (compare its "
                "sha256 with the published one)",
}


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


def source_problem(source: str, modalities: Iterable[str],
                   download: dict[str, Any] | None = None) -> tuple[str, str] | None:
    """Why a dataset's ``source`` cannot deliver its modalities, as (config key, message), or None.

    Used while the config is validated, so that the problem is reported before any job runs.
    Cheap: a local folder is scanned only until a first dataset file turns up.
    """
    modalities = list(modalities)
    if source == "synthetic":
        return None
    if source == "download":
        for modality in modalities:
            key = f"{FOLDERS[modality].lower()}_url"
            if not (download or {}).get(key):
                return f"download.{key}", f"source: download with modality {modality} needs the URL of {ARCHIVES[modality]}"
        return None
    path = Path(source)
    if not path.is_dir():
        what = "is a file, not a folder" if path.exists() else "does not exist"
        return "source", (f"{source} {what} (resolved: {path.resolve()}); expected 'synthetic', "
                          "'download' or a folder holding RGB.zip / Inertial.zip or the unpacked files")
    if source_kind(source) == "archives":
        missing = [ARCHIVES[m] for m in modalities if not (path / ARCHIVES[m]).is_file()]
        if missing:
            return "source", f"{source} holds archives but not {', '.join(missing)} (modalities {modalities})"
        return None
    wanted = set(modalities)
    for found in path.rglob("*"):
        parsed = parse_file_name(found.name)
        if parsed is not None and parsed[1] in wanted:
            return None
    return "source", (f"{source} holds no UTD-MHAD file of modalities {modalities} "
                      "(a*_s*_t*_color.avi / a*_s*_t*_inertial.mat, anywhere below it) and no archive")


def source_files(source: str) -> list[str]:
    """The files of a local source that the workflow reads: every dataset file below an unpacked
    folder plus its SHA256SUMS, or the archives and their SHA256SUMS.

    The workflow lists them as inputs, so Snakemake reruns the manifest when one is edited in
    place (the folder's own timestamp does not change when a file inside it does). Empty for
    ``synthetic`` and ``download``, whose files the workflow makes itself.
    """
    if source in ("synthetic", "download") or not Path(source).is_dir():
        return []
    root = Path(source)
    if source_kind(source) == "archives":
        files = [root / name for name in ARCHIVES.values() if (root / name).is_file()]
    else:
        files = [p for p in root.rglob("*") if parse_file_name(p.name) is not None and p.is_file()]
    sums = find_sha256sums(root)
    if sums is not None:
        files.append(sums)
    return sorted(str(p) for p in files)


def find_sha256sums(root: str | Path) -> Path | None:
    """The SHA256SUMS that covers a source folder: in it, or in the folder above it (a data
    folder often pins ``Inertial/...`` from its parent)."""
    root = Path(root)
    for candidate in (root / SUMS_NAME, root.parent / SUMS_NAME):
        if candidate.is_file():
            return candidate
    return None


def read_sha256sums(sums: str | Path, root: str | Path) -> dict[Path, str]:
    """``sha256sum`` lines -> {resolved path: digest} for the entries that lie below ``root``."""
    sums, root = Path(sums), Path(root).resolve()
    out: dict[Path, str] = {}
    for lineno, line in enumerate(sums.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise DataFileError(f"{sums}:{lineno}: not a sha256sum line: {line!r}")
        path = (sums.parent / parts[1].lstrip("*").strip()).resolve()
        if path == root or root in path.parents:
            out[path] = parts[0].lower()
    return out


def check_against_sha256sums(files: dict[str, str], root: str | Path) -> int:
    """Compare {path: sha256} of files read from a local source with its SHA256SUMS, if any.

    A mismatch is an error naming the file (a damaged or edited copy of a pinned dataset); a file
    the list does not know is only logged. Returns the number of files checked.
    """
    sums = find_sha256sums(root)
    if sums is None:
        return 0
    pinned = read_sha256sums(sums, root)
    checked = 0
    for path, digest in files.items():
        want = pinned.get(Path(path).resolve())
        if want is None:
            log.warning("%s is not listed in %s", path, sums)
            continue
        if digest != want:
            raise DataFileError(f"{path}: sha256 {digest} differs from {want} pinned in {sums}: the "
                                "file is damaged or was edited; restore it (or update that line)")
        checked += 1
    log.info("%d files match %s", checked, sums)
    return checked


def unpack_archive(archive: str | Path, out_dir: str | Path, modality: str,
                   origin: str | None = None) -> int:
    """Extract the dataset files of one modality from ``archive`` into ``out_dir/<Folder>/``.

    Members are matched on their file name alone (never their path: no zip-slip), written
    atomically; returns the number of files extracted. A corrupt or truncated archive raises
    DataFileError saying what to do: the archive stays a finished output for Snakemake, so
    rerunning alone would fail again. ``origin`` is the source kind that produced the archive
    (``synthetic``, ``download`` or ``archives``). An archive listed in a SHA256SUMS beside it
    is verified first.
    """
    archive = Path(archive)
    remedy = ARCHIVE_REMEDY.get(origin or "", "delete or replace {archive} and rerun").format(archive=archive)
    if origin == "archives":
        sums = find_sha256sums(archive.parent)
        if sums is not None and archive.resolve() in read_sha256sums(sums, archive.parent):
            check_against_sha256sums({str(archive): sha256_of(archive)}, archive.parent)
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
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DataFileError(f"{archive}: truncated or corrupt zip archive ({exc}); {remedy}") from None
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
