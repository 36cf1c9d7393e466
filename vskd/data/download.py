"""Streamed, resumable, checksum-verified download of dataset archives.

The UTD-MHAD host is known to cut large transfers silently (RGB.zip is 1.1 GB), so a transfer is
streamed into ``<dest>.part`` and an interrupted one resumes with an HTTP Range request. The
archive only reaches its final name after its sha256 is verified; a mismatching file is moved aside
to ``<dest>.bad`` and never passed on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

from ..atomic import write_text_atomic

log = logging.getLogger(__name__)
CHUNK = 1 << 20
#: longest wait between two attempts
MAX_BACKOFF_S = 60.0


class DownloadError(RuntimeError):
    """The archive could not be fetched completely or failed verification."""


class TransientHTTPError(DownloadError):
    """A server-side failure (5xx, 429) that is worth another attempt, unlike a 404 or 403."""


def sha256_of(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _fetch_once(url: str, part: Path, timeout: float) -> tuple[bool, int | None]:
    """Append the rest of ``url`` to ``part``. Returns (complete, total size if known)."""
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"User-Agent": "vskd-download/1"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # range not satisfiable: we already have everything
            return True, have
        if exc.code >= 500 or exc.code == 429:  # overloaded or restarting: try again later
            raise TransientHTTPError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    with resp:
        if have and resp.status != 206:
            log.warning("%s: server ignored the Range request; restarting from byte 0", url)
            have = 0
            part.unlink(missing_ok=True)
        length = resp.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        mode = "ab" if have else "wb"
        with open(part, mode) as f:
            try:
                while True:
                    block = resp.read(CHUNK)
                    if not block:
                        break
                    f.write(block)
            except (OSError, urllib.error.URLError) as exc:  # connection reset mid-transfer
                log.warning("%s: transfer interrupted at %d bytes (%s)", url, f.tell(), exc)
                return False, total
    size = part.stat().st_size
    if total is not None and size < total:
        log.warning("%s: transfer ended early at %d of %d bytes", url, size, total)
        return False, total
    return True, total


def download(
    url: str, dest: str | Path, sha256: str | None = None, retries: int = 5, timeout: float = 60.0, backoff: float = 1.0
) -> str:
    """Download ``url`` to ``dest`` (resuming ``dest.part``), verify, and return the sha256.

    With ``sha256`` given, a mismatch raises DownloadError and the file is kept as ``dest.bad``.
    Without it, the computed digest is written to ``dest.sha256`` and logged, so the next run
    (and the user) can pin it. Connection failures, interrupted transfers and server errors
    (HTTP 5xx, 429) are retried ``retries`` times, waiting ``backoff``, 2x, 4x ... seconds (at
    most ``MAX_BACKOFF_S``); client errors such as 404 fail at once.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    last = "no attempt"
    for attempt in range(1, retries + 1):
        try:
            complete, _ = _fetch_once(url, part, timeout)
            last = "the transfer ended early"
        except TransientHTTPError as exc:
            complete, last = False, str(exc)
            log.warning("attempt %d of %d failed: %s", attempt, retries, exc)
        except DownloadError:
            raise
        except (urllib.error.URLError, OSError) as exc:  # refused, reset, timed out
            complete, last = False, f"{url}: {exc}"
            log.warning("%s: attempt %d of %d failed: %s", url, attempt, retries, exc)
        if complete:
            break
        if attempt < retries:
            time.sleep(min(backoff * 2 ** (attempt - 1), MAX_BACKOFF_S))
    else:
        have = part.stat().st_size if part.exists() else 0
        raise DownloadError(
            f"{url}: incomplete after {retries} attempts ({have} bytes in {part}; "
            f"last failure: {last}); rerun to resume"
        )
    digest = sha256_of(part)
    if sha256 is not None and digest != sha256.lower():
        bad = dest.with_name(dest.name + ".bad")
        shutil.move(part, bad)
        raise DownloadError(
            f"{url}: sha256 mismatch for {dest.name}: expected {sha256}, got "
            f"{digest}; the file was kept as {bad} and not used"
        )
    os.replace(part, dest)
    if sha256 is None:
        write_text_atomic(dest.with_name(dest.name + ".sha256"), f"{digest}  {dest.name}\n")
        log.info("%s: no sha256 configured; computed %s (written to %s.sha256)", dest, digest, dest.name)
    else:
        log.info("%s: sha256 verified (%s)", dest, digest)
    return digest
