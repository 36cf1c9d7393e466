"""Base of the HDF5 readers: one lazily opened handle per process, and a damaged file named.

h5py handles must not cross a fork: a DataLoader worker receives the store pickled without its
handle and opens its own on first read. A truncated or damaged intermediate (a full disk, a killed
copy) stays a finished output for Snakemake, so rerunning alone would fail for ever: the error
names the file and says to delete it, which makes the same command rebuild it.
"""

from __future__ import annotations

from pathlib import Path

import h5py


class DamagedFileError(OSError):
    """An intermediate HDF5 file that cannot be read."""


def open_h5(path: str | Path, what: str = "HDF5 file") -> h5py.File:
    """``h5py.File(path, "r")``, with an error naming the file and the way to rebuild it."""
    try:
        return h5py.File(path, "r")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise DamagedFileError(
            f"{path}: damaged or truncated {what} ({exc}); delete it and rerun the same snakemake command to rebuild it"
        ) from None


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
