"""Base of the HDF5 readers: one lazily opened handle per process.

h5py handles must not cross a fork: a DataLoader worker receives the store pickled without its
handle and opens its own on first read.
"""

from __future__ import annotations

from pathlib import Path

import h5py


class LazyH5:
    def __init__(self, path: str | Path):
        self.path = str(path)
        self._h5: h5py.File | None = None

    @property
    def h5(self) -> h5py.File:
        if self._h5 is None:
            self._h5 = h5py.File(self.path, "r")
        return self._h5

    def __contains__(self, clip_id: str) -> bool:
        raise NotImplementedError

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_h5"] = None
        return state
