"""Progress bars and logging set-up shared by the workflow scripts."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], desc: str, total: int | None = None, unit: str = "it") -> Iterator[T]:
    """tqdm on stderr; refreshes rarely when stderr is a log file rather than a terminal."""
    interactive = sys.stderr.isatty()
    return iter(
        tqdm(
            items,
            desc=desc,
            total=total,
            unit=unit,
            file=sys.stderr,
            mininterval=0.5 if interactive else 10.0,
            dynamic_ncols=interactive,
        )
    )


def setup_logging(log_file: str | Path | None = None, level: int = logging.INFO) -> None:
    """Log to stderr and, when given, to the rule's log file (Snakemake ``log:``).

    Also routes uncaught exceptions through logging, so the traceback of a failing script lands
    in the rule's log file: on a cluster the job's stderr may go to a file the user never finds,
    while ``results/logs/...`` is where Snakemake points them.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="a"))
    logging.basicConfig(
        level=level, handlers=handlers, force=True, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    sys.excepthook = _log_uncaught


def _log_uncaught(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """sys.excepthook: the traceback goes to every logging handler (stderr and the log file)."""
    if issubclass(exc_type, KeyboardInterrupt):
        logging.getLogger("vskd").error("interrupted (%s)", exc_type.__name__)
        return
    logging.getLogger("vskd").critical("the job failed: %s: %s", exc_type.__name__, exc, exc_info=(exc_type, exc, tb))


def run_jobs(fn: Callable[[T], object], jobs: Sequence[T], workers: int, desc: str, unit: str = "it") -> None:
    """Run ``fn`` on every job with a progress bar: in ``workers`` processes when more than one
    (jobs are pickled: ``fn`` must be a module-level function), else in this process."""
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for _ in progress(pool.map(fn, jobs, chunksize=4), desc, total=len(jobs), unit=unit):
                pass
    else:
        for job in progress(jobs, desc, unit=unit):
            fn(job)
