"""From a sensor file as read to a uniform series: sort, de-duplicate, despike, resample.

Why each step (the faults are the real datasets', see ``../shared/notes/datasets.md``):

1. **Sort** by timestamp (stable). MMAct's CSVs step backwards (6 times in the reference
   ``carrying.csv``): the rows are right, their order is not.
2. **De-duplicate** equal timestamps by averaging their samples. MMAct repeats timestamps; two
   readings at one instant are two noisy measurements of one value, and interpolation needs a
   strictly increasing time axis.
3. **Despike** (``despike``):

   - ``range``: a sample with *any* channel beyond the sensor's physical range (``limit`` x
     ``range_margin``; Berkeley's Shimmers read +-2 g) is a corrupted packet and is dropped whole,
     all channels. On the 3,948 real Berkeley files this removes exactly the 16 single-sample
     glitches (one channel 3-61 g while another reads exactly -2.0: the whole row is bad).
     Legitimate saturation at +-2 g (173 files) is inside the margin and kept.
   - ``hampel``: ``range`` plus a Hampel filter for in-range spikes: per channel, a sample further
     than ``hampel_sigmas`` robust standard deviations (1.4826 x MAD over a centred window of
     ``2 * hampel_half_width + 1`` samples) **and** more than ``hampel_floor`` x limit from the
     window median is an outlier; its sample is dropped. A 7-sample window tolerates 1-2-sample
     spikes (the median ignores them) while real movement, which lasts longer, moves the median.
     The absolute floor keeps the rule from firing on sensor noise at rest, where the MAD is ~0.
     On the real Berkeley files it also drops real impact peaks (jumping, clapping), not only
     faults (docs/datasets.md); hence ``auto`` means ``range`` for Berkeley, and ``hampel`` is an
     option for data whose glitches stay inside the range.
   - ``none``: keep everything.

   Dropped samples are not replaced by a value of our own: step 4 interpolates across them from
   their neighbours, like any other gap.
4. **Resample** to ``rate_hz`` on a uniform grid from the first to the last timestamp by linear
   interpolation per channel. Berkeley delivers in Bluetooth bursts (9-120 Hz apparent, gaps up to
   1.2 s), so its sample index is not time. When the input is faster than the target by 1.5x or
   more, a moving average over ``round(input/target)`` samples first stops aliasing. A recording
   without timestamps (UTD-MHAD: 50 Hz by design) at the target rate is returned unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .adapters.base import Recording, SensorSpec
from .readers import DataFileError

log = logging.getLogger(__name__)

DESPIKE_RULES = ("auto", "none", "range", "hampel")
#: physical full-scale range per unit, for the ``range`` rule (Berkeley's Shimmers: +-2 g)
DEFAULT_LIMITS = {"g": 2.0}


@dataclass(frozen=True)
class Conditioning:
    """How a recording becomes a uniform series (see the module docstring for each rule)."""

    rate_hz: float | None = None  # None: the sensor's nominal rate
    despike: str = "auto"  # auto: 'range' for sensors marked despike, else 'none'
    limit: float | None = None  # full scale of the ``range`` rule; None: by unit
    range_margin: float = 1.05
    hampel_half_width: int = 3
    hampel_sigmas: float = 6.0
    hampel_floor: float = 1.0  # fraction of ``limit`` (or absolute if no limit)
    min_samples: int = 2
    #: longest series a GAF image is made of (its field holds N x N values per channel: ~72 N^2 bytes
    #: while it is computed); a longer one, or a time span that would resample to more, is an error
    #: naming the file before any large array exists. None: no bound
    max_samples: int | None = 6000

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any] | None) -> Conditioning:
        cfg = dict(cfg or {})
        out = cls(**{k: cfg[k] for k in cls.__dataclass_fields__ if k in cfg and cfg[k] is not None})
        if out.despike not in DESPIKE_RULES:
            raise ValueError(f"unknown despike rule {out.despike!r}; expected one of {DESPIKE_RULES}")
        return out

    def rule_for(self, spec: SensorSpec | None) -> str:
        if self.despike != "auto":
            return self.despike
        return "range" if spec is not None and spec.despike else "none"


@dataclass
class Report:
    """What conditioning did to one recording (logged and counted by the GAF stage)."""

    n_in: int = 0
    n_out: int = 0
    reordered: int = 0
    duplicates: int = 0
    spikes: int = 0
    rate_in_hz: float = 0.0


def sort_and_dedupe(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Stable sort by time, average samples sharing a timestamp; returns (t, v, backward steps, dups)."""
    backwards = int((np.diff(times) < 0).sum())
    order = np.argsort(times, kind="stable")
    t, v = times[order], values[order]
    uniq, inverse, counts = np.unique(t, return_inverse=True, return_counts=True)
    dups = int(len(t) - len(uniq))
    if dups:
        sums = np.zeros((len(uniq), v.shape[1]))
        np.add.at(sums, inverse, v)
        v = sums / counts[:, None]
    return uniq, v, backwards, dups


def spike_mask(values: np.ndarray, rule: str, limit: float | None, cfg: Conditioning) -> np.ndarray:
    """True for samples to drop under ``rule`` (``none``, ``range`` or ``hampel``)."""
    bad = np.zeros(len(values), bool)
    if rule == "none":
        return bad
    if limit is not None:
        bad |= (np.abs(values) > limit * cfg.range_margin).any(axis=1)
    if rule == "hampel":
        from scipy.ndimage import median_filter  # here: every job would pay scipy.ndimage's import

        w = 2 * cfg.hampel_half_width + 1
        if len(values) >= w:
            good = values.copy()
            good[bad] = np.nan
            med = median_filter(np.where(bad[:, None], np.nanmedian(good, axis=0), values), size=(w, 1), mode="nearest")
            dev = np.abs(values - med)
            mad = median_filter(dev, size=(w, 1), mode="nearest")
            floor = cfg.hampel_floor * (limit if limit is not None else 1.0)
            bad |= ((dev > cfg.hampel_sigmas * 1.4826 * mad) & (dev > floor)).any(axis=1)
    elif rule != "range":
        raise ValueError(f"unknown despike rule {rule!r}")
    return bad


def resample(times: np.ndarray, values: np.ndarray, rate_hz: float) -> np.ndarray:
    """Linear interpolation onto ``t0 + k / rate_hz`` for every k up to the last timestamp,
    after a moving average where the input is 1.5x faster than the target (anti-aliasing)."""
    span = float(times[-1] - times[0])
    n_out = int(np.floor(span * rate_hz + 1e-9)) + 1
    rate_in = (len(times) - 1) / span if span > 0 else rate_hz
    if rate_in >= 1.5 * rate_hz:
        width = int(round(rate_in / rate_hz))
        kernel = np.ones(width) / width
        pad = ((width // 2, width - 1 - width // 2), (0, 0))
        padded = np.pad(values, pad, mode="edge")
        values = np.stack([np.convolve(padded[:, c], kernel, "valid") for c in range(values.shape[1])], 1)
    grid = times[0] + np.arange(n_out) / rate_hz
    return np.stack([np.interp(grid, times, values[:, c]) for c in range(values.shape[1])], 1)


def condition(rec: Recording, cfg: Conditioning, spec: SensorSpec | None = None) -> tuple[np.ndarray, Report]:
    """A recording -> (uniform (N, C) float64 series at the configured rate, what was done).

    Raises DataFileError naming the file when fewer than ``cfg.min_samples`` usable samples or no
    time span remain (an empty or degenerate recording cannot make a GAF image).
    """
    rate = float(cfg.rate_hz or (spec.rate_hz if spec is not None else rec.rate_hz))
    rep = Report(n_in=len(rec.values))
    if rec.times is None:
        times = np.arange(len(rec.values)) / rec.rate_hz
        values = rec.values
    else:
        times, values, rep.reordered, rep.duplicates = sort_and_dedupe(np.asarray(rec.times, np.float64), rec.values)
    unit = spec.unit if spec is not None else ""
    limit = cfg.limit if cfg.limit is not None else DEFAULT_LIMITS.get(unit)
    bad = spike_mask(values, cfg.rule_for(spec), limit, cfg)
    rep.spikes = int(bad.sum())
    if rep.spikes:
        times, values = times[~bad], values[~bad]
    if len(times) < cfg.min_samples or times[-1] <= times[0]:
        raise DataFileError(
            f"{rec.source}: {len(times)} usable sample(s) spanning "
            f"{(times[-1] - times[0]) if len(times) else 0:.3f} s after conditioning; "
            f"a uniform series needs {cfg.min_samples} over a positive time span"
        )
    rep.rate_in_hz = (len(times) - 1) / float(times[-1] - times[0])
    uniform = rec.times is None and abs(rate - rec.rate_hz) < 1e-9 and not rep.spikes
    n_out = len(values) if uniform else int(np.floor(float(times[-1] - times[0]) * rate + 1e-9)) + 1
    if cfg.max_samples is not None and n_out > cfg.max_samples:
        raise DataFileError(
            f"{rec.source}: {n_out} samples at {rate:g} Hz ({float(times[-1] - times[0]):.1f} s from its first to "
            f"its last timestamp) exceed gaf.max_samples = {cfg.max_samples} (a GAF image of N samples computes "
            f"an N x N field per channel, ~{72 * n_out**2 / 1e9:.1f} GB here); if the recording is right, add its "
            "clip to skip_clips, lower gaf.resample_hz or raise gaf.max_samples; a wrong timestamp makes such a "
            "span out of a short file"
        )
    out = values if uniform else resample(times, values, rate)
    rep.n_out = len(out)
    return out, rep


def conditioned(rec: Recording, cfg: Conditioning, spec: SensorSpec | None = None) -> Recording:
    """The conditioned recording as a uniform :class:`Recording` (no timestamps)."""
    out, _ = condition(rec, cfg, spec)
    rate = float(cfg.rate_hz or (spec.rate_hz if spec is not None else rec.rate_hz))
    return replace(rec, values=out, times=None, rate_hz=rate)
