"""Recordings for ``vskd predict``: read any file the dataset adapters read, make it the model's input.

:func:`read_recording` dispatches on the file: a file named as in a dataset's official layout goes
to that dataset's adapter (UTD-MHAD ``a1_s1_t1_inertial.mat``, Berkeley-MHAD ``acc_h01_*.txt``, MMAct
``<sensor>_clip/.../*.csv``); any other file by its suffix (``.mat``: UTD ``d_iner``; ``.txt``:
Berkeley ``ax ay az t``; ``.csv``: MMAct ``timestamp,x,y,z``, read as the model's sensor;
``.npy``: an (N, C) array). :func:`model_input` conditions it as the training data was (timestamps
sorted, de-duplicated, despiked, resampled to the model's rate), picks the model's channels by name
and checks what the graph needs. Every error is a ``DataFileError`` naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..data.readers import DataFileError

#: suffixes a folder scan picks up
SUFFIXES = (".mat", ".txt", ".csv", ".npy")
#: the adapter reading files of a suffix whose name says nothing (and that adapter's sensor)
BY_SUFFIX = {".mat": ("utd_mhad", "imu"), ".txt": ("berkeley_mhad", "shimmer01"), ".csv": ("mmact", "acc_watch")}


def _adapters():
    try:
        from ..data.adapters import available_kinds, get_adapter
    except ImportError:  # an older checkout without the adapters: UTD .mat only
        return []
    return [get_adapter(k) for k in available_kinds()]


#: sensor name of a recording read from a plain array (no channel names, no rate)
ARRAY = "array"


def _generic(path: Path, values: np.ndarray):
    from ..data.adapters.base import Recording

    values = np.asarray(values, dtype=np.float64)
    return Recording(
        ARRAY, tuple(f"column{i}" for i in range(values.shape[1])), values, None, float("nan"), str(path)
    ), None


def read_recording(path: str | Path, sensor_hint: str | None = None):
    """(Recording, SensorSpec or None) of one sensor file; DataFileError naming it if it is bad."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: file does not exist")
    if not path.is_file():
        raise DataFileError(f"{path}: not a file")
    adapters = _adapters()
    try:
        for adapter in adapters:
            ref = adapter.parse_file(path)
            if ref is not None and ref.modality == "sensor":
                return adapter.read_sensor_file(path, ref.name), adapter.spec(ref.name)
        suffix = path.suffix.lower()
        if suffix == ".npy":
            try:
                arr = np.load(path, allow_pickle=False)
            except Exception as exc:
                raise DataFileError(f"{path}: not a readable .npy array ({exc})") from None
            if arr.ndim != 2:
                raise DataFileError(f"{path}: array of shape {arr.shape}, expected (samples, channels)")
            if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
                raise DataFileError(f"{path}: array of {arr.dtype}, expected real numbers")
            return _generic(path, arr)
        if suffix not in BY_SUFFIX:
            raise DataFileError(
                f"{path}: unknown recording format {suffix or '(no suffix)'!r}; expected one of {list(SUFFIXES)}"
            )
        kind, default_sensor = BY_SUFFIX[suffix]
        adapter = next((a for a in adapters if a.kind == kind), None)
        if adapter is None:
            if suffix == ".mat":
                from ..data.adapters.base import Recording
                from ..data.readers import read_inertial
                from ..gaf import CHANNELS

                return Recording("imu", CHANNELS, read_inertial(path), None, 50.0, str(path)), None
            raise DataFileError(f"{path}: no reader for {suffix} files in this installation")
        sensor = sensor_hint if sensor_hint in adapter.sensors else default_sensor
        return adapter.read_sensor_file(path, sensor), adapter.spec(sensor)
    except DataFileError:
        raise
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot be read as a recording ({exc})") from None


def model_input(rec, spec, meta: dict[str, Any]) -> tuple[np.ndarray, list[str]]:
    """(channels x T float32 for the graph, notes) of a recording, per the model's sidecar ``meta``.

    Conditioning as in training: a timestamped recording (Berkeley, MMAct) is sorted,
    de-duplicated, despiked and resampled to the model's rate; an untimed one at the model's rate
    (UTD-MHAD) is used as it is. Channels are taken by name; a file without names (``.npy``) must
    have exactly the model's channel count.
    """
    from dataclasses import replace

    inp = meta["input"]
    path = rec.source
    want = list(inp["channels"])
    rate = inp.get("sampling_rate_hz")
    notes: list[str] = []
    if not np.isfinite(rec.values).all():
        bad = int((~np.isfinite(rec.values)).any(axis=1).sum())
        raise DataFileError(f"{path}: {bad} sample(s) hold NaN or infinite values")
    if rec.sensor == ARRAY:
        if len(rec.channels) != len(want):
            raise DataFileError(
                f"{path}: {len(rec.channels)} channels, the model needs {len(want)} ({', '.join(want)})"
            )
        rec = replace(rec, channels=tuple(want), rate_hz=float(rate or 0) or 1.0)
        notes.append(f"columns taken as {', '.join(want)} in order")
    missing = [c for c in want if c not in rec.channels]
    if missing:
        raise DataFileError(
            f"{path}: wrong channels: the model needs {want}, this "
            f"{rec.sensor} recording has {list(rec.channels)} (missing {missing})"
        )
    needs_conditioning = rec.times is not None or (rate and abs(rec.rate_hz - rate) > 1e-9)
    if needs_conditioning:
        from ..data.conditioning import Conditioning, condition

        cond = Conditioning.from_config(inp.get("conditioning") or {"rate_hz": rate})
        series, rep = condition(rec, cond, spec)
        if rec.times is None:
            notes.append(f"resampled {rec.rate_hz:g} -> {rate:g} Hz")
        elif rep.spikes or rep.reordered or rep.duplicates:
            notes.append(
                f"conditioned: {rep.spikes} spike samples dropped, {rep.reordered} backward "
                f"steps sorted, {rep.duplicates} repeated timestamps merged"
            )
        values = series
    else:
        values = rec.values
    x = np.ascontiguousarray(values[:, [rec.channels.index(c) for c in want]].T, dtype=np.float32)
    n = x.shape[1]
    if n < inp["t_min"]:
        raise DataFileError(
            f"{path}: too short: {n} samples, the model needs at least {inp['t_min']}"
            + (f" ({inp['t_min'] / rate:.2f} s at {rate:g} Hz)" if rate else "")
        )
    if n > inp["t_max"]:
        raise DataFileError(
            f"{path}: too long: {n} samples, the model takes at most {inp['t_max']}; cut the recording into windows"
        )
    if not np.isfinite(x).all():
        raise DataFileError(f"{path}: values overflow float32")
    flat = [c for c, row in zip(want, x) if row.max() == row.min()]
    if flat:
        notes.append(f"constant channel(s) {', '.join(flat)}: blank GAF image")
    return x, notes


def scan_folder(folder: str | Path) -> list[Path]:
    """Recording files below a folder (sorted), by suffix."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
