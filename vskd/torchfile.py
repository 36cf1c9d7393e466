"""Reading torch files without running code from them.

``torch.load(weights_only=True)`` unpickles tensors and plain containers only; a file that needs
anything else (a pickled object, i.e. code) is refused, naming the file. Every file vskd writes
(models, checkpoints) loads this way. A user who wrote such a file themselves may insist
(``trust=True``, the CLI's ``--trust-model-file``); nothing does so by default.
"""

from __future__ import annotations

import logging
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

log = logging.getLogger(__name__)


class TorchFileError(ValueError):
    """A torch file that cannot be used: missing, damaged, or asking to run code."""


class UnsafeTorchFile(TorchFileError):
    """A torch file whose unpickling needs more than tensors and plain containers."""


def load_torch_file(path: str | Path, *, trust: bool = False, what: str = "torch file") -> Any:
    """The content of ``path``, loaded on the CPU with ``weights_only=True``.

    Raises UnsafeTorchFile when the file needs code to load (unless ``trust``), TorchFileError
    when it is missing or damaged (truncated, not a torch file); both name the file.
    """
    path = Path(path)
    if not path.is_file():
        raise TorchFileError(f"{path}: {what} does not exist")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if trust:
            log.warning("%s: loading with weights_only=False (trusted by the user): it may run code", path)
            return torch.load(path, map_location="cpu", weights_only=False)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnsafeTorchFile(
            f"{path}: refused: this {what} needs code to be loaded ({reason}); files written by vskd never "
            "do. Load it only if you made it yourself (vskd predict --trust-model-file)"
        ) from None
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError) as exc:
        raise TorchFileError(f"{path}: damaged or not a torch {what} ({type(exc).__name__}: {exc})") from None
