"""Base of the HDF5 readers: one lazily opened handle per process, and a damaged file named.

h5py handles must not cross a fork: a DataLoader worker receives the store pickled without its
handle and opens its own on first read. A truncated or damaged intermediate (a full disk, a killed
copy) stays a finished output for Snakemake, so rerunning alone would fail for ever: the error
names the file and says to delete it, which makes the same command rebuild it.

Intermediates also carry a content checksum (``seal`` at write time, ``verify`` when a consumer
opens them): a file overwritten in place after it was written (same size, same name — Snakemake
sees nothing) is refused with the same message instead of being read without a word. The
checksum covers what consumers read as a whole (GAF images, knowledge vectors); frame clips carry
one each, checked on a clip's first read in a process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import h5py
import numpy as np

#: attribute holding {"datasets": [...], "sha256": ...} of a sealed file or dataset
DIGEST_ATTR = "content_sha256"
#: how to rebuild a damaged intermediate (Snakemake rebuilds a missing output)
REBUILD = "delete it and rerun the same snakemake command to rebuild it"


class DamagedFileError(OSError):
    """An intermediate HDF5 file that cannot be read."""


def open_h5(path: str | Path, what: str = "HDF5 file") -> h5py.File:
    """``h5py.File(path, "r")``, with an error naming the file and the way to rebuild it."""
    try:
        return h5py.File(path, "r")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise DamagedFileError(f"{path}: damaged or truncated {what} ({exc}); {REBUILD}") from None


def array_digest(data: np.ndarray | h5py.Dataset, block: int = 256) -> str:
    """SHA-256 of an array's dtype, shape and bytes, read ``block`` rows at a time (bounded memory)."""
    h = hashlib.sha256(f"{data.dtype.str}{tuple(data.shape)}".encode())
    if data.dtype.kind == "O":  # variable-length rows (JPEG frames): their bytes one by one
        for row in data[()] if isinstance(data, h5py.Dataset) else data:
            h.update(np.ascontiguousarray(row).tobytes())
        return h.hexdigest()
    n = data.shape[0] if data.ndim else 1
    for start in range(0, n, block):
        h.update(np.ascontiguousarray(data[start : start + block] if data.ndim else data[()]).tobytes())
    return h.hexdigest()


def _file_digest(h5: h5py.File, names: Sequence[str]) -> str:
    return hashlib.sha256("".join(f"{n}:{array_digest(h5[n])}" for n in names).encode()).hexdigest()


def seal(h5: h5py.File, names: Sequence[str]) -> None:
    """Record the content checksum of datasets ``names`` of a file being written."""
    h5.attrs[DIGEST_ATTR] = json.dumps({"datasets": list(names), "sha256": _file_digest(h5, names)})


def verify(h5: h5py.File, path: str | Path, what: str) -> None:
    """Check a sealed file's checksum (a file written before checksums existed passes)."""
    if DIGEST_ATTR not in h5.attrs:
        return
    record = json.loads(h5.attrs[DIGEST_ATTR])
    if _file_digest(h5, record["datasets"]) != record["sha256"]:
        raise DamagedFileError(
            f"{path}: this {what} changed after it was written (checksum of {', '.join(record['datasets'])} "
            f"does not match); {REBUILD}"
        )


def seal_dataset(ds: h5py.Dataset) -> None:
    ds.attrs[DIGEST_ATTR] = array_digest(ds)


def verify_dataset(ds: h5py.Dataset, path: str | Path, what: str) -> None:
    if DIGEST_ATTR in ds.attrs and array_digest(ds) != ds.attrs[DIGEST_ATTR]:
        raise DamagedFileError(f"{path}: {ds.name} of this {what} changed after it was written; {REBUILD}")


class LazyH5:
    #: what the file holds, for error messages
    what = "HDF5 file"

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._h5: h5py.File | None = None

    @property
    def h5(self) -> h5py.File:
        if self._h5 is None:
            self._h5 = open_h5(self.path, self.what)
        return self._h5

    def __contains__(self, clip_id: str) -> bool:
        raise NotImplementedError

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_h5"] = None
        return state
