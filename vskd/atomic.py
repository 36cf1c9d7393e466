"""Atomic file output: write to a temporary sibling, then rename.

An interrupted job (killed, out of memory, preempted) must never leave a half-written file under
the final name, or Snakemake and the next stage would take it for a finished result.

A job killed with SIGKILL (or by the out-of-memory killer) cannot clean up after itself, so its
temporary file would stay for ever (a frames store is tens of MB). Temporary names therefore carry
their owner, ``.<final name>.tmp.<host>.<pid>.<random><suffix>``, and every writer first removes
the temporaries of dead owners in the folder it writes to: a process on this host that no longer
exists, or a temporary from another host (a cluster node sharing the file system, whose processes
cannot be checked from here) untouched for ``FOREIGN_STALE_S`` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

#: a temporary of another host counts as dead after this long without a write (a live writer
#: keeps writing; no stage of this workflow writes one file for a day without touching it)
FOREIGN_STALE_S = 24 * 3600.0

_TMP_RE = re.compile(r"^\..+\.tmp\.(?P<host>[A-Za-z0-9_-]+)\.(?P<pid>\d+)\.[^.]+")
#: folders already swept by this process (a sweep per written file would rescan big folders)
_swept: set[str] = set()


def _host() -> str:
    """This host's name in a form that cannot contain the separators of a temporary name."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname().split(".")[0]) or "host"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def temp_owner(name: str) -> tuple[str, int] | None:
    """(host, pid) of the process that created a temporary named by ``atomic_path``, else None."""
    m = _TMP_RE.match(name)
    return (m["host"], int(m["pid"])) if m else None


def remove_dead_temporaries(folder: str | os.PathLike, now: float | None = None) -> list[Path]:
    """Delete the temporaries in ``folder`` whose writer is gone; return what was removed.

    Safe to call while other jobs write into the same folder: a temporary of a live process on
    this host, or a recent one of another host, is left alone.
    """
    folder = Path(folder)
    here = _host()
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        owner = temp_owner(entry.name)
        if owner is None or not entry.is_file(follow_symlinks=False):
            continue
        host, pid = owner
        try:
            if host == here:
                dead = not _pid_alive(pid)
            else:
                dead = now - entry.stat(follow_symlinks=False).st_mtime > FOREIGN_STALE_S
            if dead:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
                log.warning("removed %s, left behind by a killed job (pid %d on %s)", entry.path, pid, host)
        except FileNotFoundError:  # another process removed it first
            continue
    return removed


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it onto ``final`` only if the block succeeds.

    The temporary file lives in the same folder so the rename is atomic on POSIX file systems.
    ``suffix`` defaults to the final name's suffix (libraries such as OpenCV pick a format from it).
    Dead owners' temporaries in the folder are removed first (once per folder and process).
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(final.parent)
    if key not in _swept:
        remove_dead_temporaries(final.parent)
        _swept.add(key)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{final.name}.tmp.{_host()}.{os.getpid()}.",
        suffix=final.suffix if suffix is None else suffix,
        dir=final.parent,
    )
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o644)  # mkstemp makes 0600; outputs should be readable like any file
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(final: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``final`` atomically."""
    with atomic_path(final) as tmp:
        tmp.write_text(text)
