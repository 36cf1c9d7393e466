"""Where a dataset's raw files come from: archives (synthetic, downloaded, local) or a folder.

``source:`` in a dataset entry is ``synthetic``, ``download`` or a local path. A local path may hold
the dataset's official archives (the adapter's ``archives``, e.g. UTD-MHAD's ``RGB.zip`` /
``Inertial.zip``) or files already unpacked; files are recognised by the adapter (by name, and by
folder where the format needs it) anywhere below it, since folder prefixes inside archives vary.
"""

from __future__ import annotations

import logging
import shutil
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..atomic import atomic_path
from .adapters import get_adapter
from .download import sha256_of
from .readers import DataFileError

log = logging.getLogger(__name__)

#: checksum list (``sha256sum`` format) honoured in a local source folder or the folder above it
SUMS_NAME = "SHA256SUMS"
#: what rebuilds an archive that turns out damaged, by the source kind that produced it
ARCHIVE_REMEDY = {
    "synthetic": "it was written by rule synthesize: delete {archive} and rerun to write it again",
    "download": "it was fetched by rule download_archive: delete {archive} and rerun to download it again",
    "archives": "it is a file of your source folder: replace it with a complete copy (compare its "
    "sha256 with the published one)",
}
#: the adapters' file modality ('sensor' / 'video') per config modality
FILE_MODALITY = {"inertial": "sensor", "video": "video"}


def download_key(archive: str) -> str:
    """The ``download`` config key of an archive's URL (``RGB.zip`` -> ``rgb_url``)."""
    return f"{Path(archive).stem.lower()}_url"


def source_origin(kind: str, source: str) -> str:
    """Where a source's files come from: 'synthetic', 'download', 'archives' (a local folder with the
    dataset's zips) or 'folder' (unpacked files)."""
    if source in ("synthetic", "download"):
        return source
    path = Path(source)
    if not path.is_dir():
        raise DataFileError(f"dataset source {source}: not 'synthetic', 'download' or an existing folder")
    archives = get_adapter(kind).archives
    if any((path / name).is_file() for name in archives.values()):
        return "archives"
    return "folder"


def source_problem(
    kind: str, source: str, modalities: Iterable[str], download: dict[str, Any] | None = None
) -> tuple[str, str] | None:
    """Why a dataset's ``source`` cannot deliver its modalities, as (config key, message), or None.

    Used while the config is validated, so that the problem is reported before any job runs.
    Cheap: a local folder is scanned only until a first dataset file turns up.
    """
    adapter = get_adapter(kind)
    modalities = list(modalities)
    if source == "synthetic":
        return None
    if source == "download":
        if not adapter.archives:
            return "source", (
                f"{adapter.title} has no download source (its official site is gone or "
                "needs a request form); unpack the archives you hold and give the folder as source"
            )
        for modality in modalities:
            key = download_key(adapter.archives[modality])
            if not (download or {}).get(key):
                return f"download.{key}", (
                    f"source: download with modality {modality} needs the URL of {adapter.archives[modality]}"
                )
        return None
    path = Path(source)
    if not path.is_dir():
        what = "is a file, not a folder" if path.exists() else "does not exist"
        zips = " / ".join(adapter.archives.values())
        return "source", (
            f"{source} {what} (resolved: {path.resolve()}); expected 'synthetic', "
            + (
                "'download' or a folder holding " + zips + " or the unpacked files"
                if zips
                else "or a folder of the unpacked files"
            )
        )
    if source_origin(kind, source) == "archives":
        missing = [adapter.archives[m] for m in modalities if not (path / adapter.archives[m]).is_file()]
        if missing:
            return "source", f"{source} holds archives but not {', '.join(missing)} (modalities {modalities})"
        return None
    wanted = {FILE_MODALITY[m] for m in modalities}
    for candidate in adapter.iter_candidates(path):
        ref = adapter.parse_file(candidate)
        if ref is not None and ref.modality in wanted:
            return None
    return "source", (
        f"{source} holds no {adapter.title} file of modalities {modalities} "
        f"(e.g. {adapter.example_sensor_file()}, anywhere below it)" + (" and no archive" if adapter.archives else "")
    )


def source_files(kind: str, source: str) -> list[str]:
    """The files of a local source that the workflow reads: every sensor file below an unpacked
    folder plus its SHA256SUMS, or the archives and their SHA256SUMS.

    The workflow lists them as inputs, so Snakemake reruns the manifest when one is edited in
    place (the folder's own timestamp does not change when a file inside it does). Camera files
    are not listed (frame folders hold hundreds of thousands). Empty for ``synthetic`` and
    ``download``, whose files the workflow makes itself.
    """
    if source in ("synthetic", "download") or not Path(source).is_dir():
        return []
    adapter, root = get_adapter(kind), Path(source)
    if source_origin(kind, source) == "archives":
        files = [root / name for name in adapter.archives.values() if (root / name).is_file()]
    else:
        files = [
            p
            for p in adapter.iter_candidates(root)
            if p.is_file() and (ref := adapter.parse_file(p)) is not None and ref.modality == "sensor"
        ]
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
            raise DataFileError(
                f"{path}: sha256 {digest} differs from {want} pinned in {sums}: the "
                "file is damaged or was edited; restore it (or update that line)"
            )
        checked += 1
    log.info("%d files match %s", checked, sums)
    return checked


#: largest member an archive may unpack to (the largest file of the datasets is a few hundred MB)
MAX_MEMBER_BYTES = 8 << 30


def _check_room(archive: Path, members: Iterable[zipfile.ZipInfo], out_dir: Path) -> None:
    """Before writing anything: no member larger than MAX_MEMBER_BYTES, and room on the disk for
    all of them (a small archive can declare gigabytes)."""
    members = list(members)
    big = next((m for m in members if m.file_size > MAX_MEMBER_BYTES), None)
    if big is not None:
        raise DataFileError(
            f"{archive}: member {big.filename} unpacks to {big.file_size / 2**30:.1f} GiB, more than any file "
            f"of the dataset ({MAX_MEMBER_BYTES / 2**30:.0f} GiB); the archive is not the published one"
        )
    need = sum(m.file_size for m in members)
    out_dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(out_dir).free
    if need > free:
        raise DataFileError(
            f"{archive}: unpacking needs {need / 2**30:.2f} GiB, {free / 2**30:.2f} GiB are free on {out_dir}; "
            "free some space and rerun"
        )


def unpack_archive(
    archive: str | Path, out_dir: str | Path, modality: str, kind: str, origin: str | None = None
) -> int:
    """Extract the dataset files of one modality from ``archive`` into ``out_dir``, each at the
    relative path of the dataset's official layout (the adapter's ``sensor_file``/``video_file``).

    Members are recognised by the adapter from their name; the path written is formatted from the
    parsed clip id (never the member's own path: no zip-slip), atomically; returns the number of
    files extracted. A corrupt or truncated archive raises DataFileError saying what to do: the
    archive stays a finished output for Snakemake, so rerunning alone would fail again. ``origin``
    is the source kind that produced the archive (``synthetic``, ``download`` or ``archives``).
    An archive listed in a SHA256SUMS beside it is verified first.
    """
    adapter = get_adapter(kind)
    archive = Path(archive)
    remedy = ARCHIVE_REMEDY.get(origin or "", "delete or replace {archive} and rerun").format(archive=archive)
    if origin == "archives":
        sums = find_sha256sums(archive.parent)
        if sums is not None and archive.resolve() in read_sha256sums(sums, archive.parent):
            check_against_sha256sums({str(archive): sha256_of(archive)}, archive.parent)
    wanted = FILE_MODALITY[modality]
    count = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            members: dict[str, zipfile.ZipInfo] = {}
            for info in zf.infolist():
                ref = None if info.is_dir() else adapter.parse_file(Path(info.filename.replace("\\", "/")))
                if ref is None or ref.modality != wanted:
                    continue
                rel = (
                    adapter.sensor_file(ref.clip_id, ref.name)
                    if wanted == "sensor"
                    else adapter.video_file(ref.clip_id, ref.name)
                )
                if rel in members:
                    raise DataFileError(
                        f"{archive}: members {members[rel].filename} and {info.filename} are the same dataset "
                        f"file ({rel}); the archive is not the published one"
                    )
                members[rel] = info
            _check_room(archive, members.values(), Path(out_dir))
            for rel, info in members.items():
                dest = Path(out_dir) / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, atomic_path(dest) as tmp, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                count += 1
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DataFileError(f"{archive}: truncated or corrupt zip archive ({exc}); {remedy}") from None
    if count == 0:
        raise DataFileError(
            f"{archive}: holds no {adapter.title} {modality} file (e.g. {adapter.example_sensor_file()})"
            if modality == "inertial"
            else f"{archive}: holds no {adapter.title} {modality} file (e.g. "
            f"{adapter.video_file(adapter.example_clip, adapter.default_camera)})"
        )
    log.info("unpacked %d %s files from %s", count, modality, archive)
    return count


def missing_pinned_files(root: str | Path, kind: str, sensors: Iterable[str], skip: Iterable[str] = ()) -> list[Path]:
    """The files a SHA256SUMS of a local source pins that are gone: sensor files of the selected
    ``sensors`` whose clip is not in ``skip`` (a deleted pinned file would otherwise just make the
    dataset smaller without a word)."""
    sums = find_sha256sums(root)
    if sums is None:
        return []
    adapter, wanted, skip = get_adapter(kind), set(sensors), set(skip)
    missing = []
    for path in read_sha256sums(sums, root):
        if path.exists():
            continue
        ref = adapter.parse_file(path)
        if ref is not None and ref.modality == "sensor" and ref.name in wanted and ref.clip_id not in skip:
            missing.append(path)
    return sorted(missing)
