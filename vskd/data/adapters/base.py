"""What every dataset adapter provides, so that the stages after the manifest never ask which
dataset they work on.

A *clip* is one performance of one action (UTD ``a1_s1_t1``, Berkeley ``s01_a01_r01``, MMAct
``subject01_scene1_session1_carrying``); every later stage is keyed by its clip id. A clip has
files per *modality*: one per named *sensor* (``imu``; ``shimmer01``..``shimmer06``; ``acc_phone``,
``acc_watch``, ``gyro``, ``orientation``) and one per *camera* (a video file, or a folder of image
frames). Sensors are named, not positional, because the datasets disagree on what a column means.

Readers return a :class:`Recording`: values (N, C) with named channels and, where the file has
them, the raw per-sample timestamps (seconds; possibly unordered or duplicated, as MMAct's are).
Turning that into a uniform series is :mod:`vskd.data.conditioning`'s job, not the reader's: the
readers stay faithful to the file.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..readers import DataFileError

SUBSETS = ("train", "test")


@dataclass(frozen=True)
class SensorSpec:
    """A named sensor: its channels, nominal rate and where it is worn.

    ``rate_hz`` is the nominal rate the device was set to; the files may disagree (Berkeley's
    Shimmers deliver in Bluetooth bursts, MMAct's orientation sensor is event driven), which is
    why recordings carry their timestamps when the file has them. ``despike`` says whether the
    isolated-spike rule applies to this sensor by default (only where glitches are known).
    """

    name: str
    channels: tuple[str, ...]
    rate_hz: float
    unit: str
    placement: str
    despike: bool = False


@dataclass
class Recording:
    """One sensor file as read: values (N, C) float64 and optional timestamps (N,) in seconds."""

    sensor: str
    channels: tuple[str, ...]
    values: np.ndarray
    times: np.ndarray | None
    rate_hz: float
    source: str = ""

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float64)
        if self.values.ndim != 2 or self.values.shape[1] != len(self.channels):
            raise ValueError(
                f"{self.source}: values of shape {self.values.shape} do not match the channels {self.channels}"
            )
        if self.times is not None and len(self.times) != len(self.values):
            raise ValueError(f"{self.source}: {len(self.times)} timestamps for {len(self.values)} samples")

    def select(self, channels: Iterable[str]) -> np.ndarray:
        """Columns by channel name, in the order asked; an unknown name is an error naming both."""
        channels = list(channels)
        unknown = [c for c in channels if c not in self.channels]
        if unknown:
            raise ValueError(f"sensor {self.sensor!r} has no channel {unknown}; it has {list(self.channels)}")
        return self.values[:, [self.channels.index(c) for c in channels]]


@dataclass(frozen=True)
class FileRef:
    """What a file name says: the clip, the modality ('sensor' or 'video') and which one."""

    clip_id: str
    modality: str  # "sensor" or "video"
    name: str  # sensor name or camera name


@dataclass(frozen=True)
class PublishedRow:
    """One row of a published split list: a (clip, camera) sample with its frame count and label."""

    clip_id: str
    camera: str
    n_frames: int
    label: int
    raw_action: str = ""


@dataclass
class DatasetAdapter(ABC):
    """A dataset's file names, clip ids, readers, classes, sensors, cameras and protocols.

    Subclasses fill the fields and implement the abstract methods; the registry
    (:func:`vskd.data.adapters.get_adapter`) hands out one instance per ``kind``.
    """

    kind: str
    title: str
    class_names: tuple[str, ...]
    sensors: Mapping[str, SensorSpec]
    cameras: tuple[str, ...]
    protocols: tuple[str, ...]
    default_sensors: tuple[str, ...]
    default_camera: str
    video_fps: float
    #: clip attributes written to the manifest besides clip_id/action/label/subject
    attributes: tuple[str, ...] = ("trial",)
    notes: dict[str, str] = field(default_factory=dict)
    #: official archive per modality ('video', 'inertial'), where the dataset is published as zips
    archives: Mapping[str, str] = field(default_factory=dict)
    #: a clip id, for messages that show what a file of the dataset is called
    example_clip: str = ""

    # ---- ids -------------------------------------------------------------------------------
    @abstractmethod
    def parse_clip_id(self, text: str) -> dict[str, Any]:
        """The clip's fields (action, subject, ...) from a clip id, file name or list path."""

    @abstractmethod
    def format_clip_id(self, fields: Mapping[str, Any]) -> str:
        """The canonical clip id of ``fields`` (inverse of :meth:`parse_clip_id`)."""

    def canonical_id(self, text: str) -> str:
        return self.format_clip_id(self.parse_clip_id(text))

    def sort_key(self, clip_id: str) -> tuple:
        """Natural order of clip ids (never lexical: ``a10`` must follow ``a9``)."""
        f = self.parse_clip_id(clip_id)
        return tuple(f[k] for k in ("action", "subject", *self.attributes))

    def label_of(self, clip_id: str, scheme: str = "default") -> int:
        """0-based class index of a clip (action - 1 for every dataset here)."""
        if scheme != "default":
            raise ValueError(f"{self.title} has only the default label scheme, not {scheme!r}")
        return int(self.parse_clip_id(clip_id)["action"]) - 1

    def class_names_for(self, scheme: str = "default") -> tuple[str, ...]:
        """Class names in label order under a label scheme (only MMAct has a second one)."""
        if scheme != "default":
            raise ValueError(f"{self.title} has only the default label scheme, not {scheme!r}")
        return self.class_names

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    # ---- files -----------------------------------------------------------------------------
    @abstractmethod
    def parse_file(self, path: Path) -> FileRef | None:
        """What a dataset file is (by its name and, where the format needs it, its folders)."""

    @abstractmethod
    def sensor_file(self, clip_id: str, sensor: str) -> str:
        """Relative path of a sensor file in the dataset's official layout."""

    @abstractmethod
    def video_file(self, clip_id: str, camera: str) -> str:
        """Relative path of a camera's video (file or frame folder) in the official layout."""

    def example_sensor_file(self) -> str:
        """What a sensor file of the dataset is called, for messages (its example clip)."""
        return self.sensor_file(self.example_clip, self.default_sensors[0])

    def scan(self, root: str | Path) -> dict[str, dict[tuple[str, str], Path]]:
        """clip id -> {(modality, name): path} for every dataset file (or frame folder) below root."""
        found: dict[str, dict[tuple[str, str], Path]] = {}
        for path in self.iter_candidates(Path(root)):
            ref = self.parse_file(path)
            if ref is None:
                continue
            slot = found.setdefault(ref.clip_id, {})
            key = (ref.modality, ref.name)
            if key in slot and slot[key] != path:
                raise DataFileError(
                    f"{root}: clip {ref.clip_id} has two {ref.name} {ref.modality} files: {slot[key]} and {path}"
                )
            slot[key] = path
        return found

    def iter_candidates(self, root: Path) -> Iterable[Path]:
        """Every file below root (adapters with frame folders override this)."""
        return (p for p in sorted(root.rglob("*")) if p.is_file())

    # ---- readers ---------------------------------------------------------------------------
    @abstractmethod
    def read_sensor_file(self, path: str | Path, sensor: str) -> Recording:
        """One sensor file as a :class:`Recording`; DataFileError naming the file if broken."""

    def read_sensors(self, files: Mapping[str, str | Path]) -> dict[str, Recording]:
        """Named recordings of a clip from {sensor name: path}."""
        return {name: self.read_sensor_file(path, name) for name, path in files.items()}

    @abstractmethod
    def read_video(self, path: str | Path, size: tuple[int, int] | None = None) -> np.ndarray:
        """RGB uint8 frames (T, H, W, 3) of one camera of one clip."""

    @abstractmethod
    def video_frame_count(self, path: str | Path) -> int:
        """Frame count of one camera's video without decoding it all."""

    # ---- protocols -------------------------------------------------------------------------
    @abstractmethod
    def subset_of(self, clip_id: str, protocol: str, camera: str | None = None) -> str:
        """'train' or 'test' for a (clip, camera) sample under a protocol."""

    def camera_dependent(self, protocol: str) -> bool:
        """Whether a protocol splits by camera (then a clip's sensor data lies on both sides)."""
        return False

    def check_protocol(self, protocol: str) -> None:
        if protocol not in self.protocols:
            raise ValueError(f"{self.title} has no protocol {protocol!r}; it has {list(self.protocols)}")

    def parse_published_line(self, line: str) -> PublishedRow:
        """A published list line ``path n_frames label`` -> PublishedRow (camera from the path)."""
        parts = line.split()
        if len(parts) < 3:
            raise ValueError(f"expected 'path n_frames label', got {line!r}")
        path = " ".join(parts[:-2])
        return PublishedRow(
            self.canonical_id(path),
            self.camera_of_path(path),
            int(parts[-2]),
            int(parts[-1]),
            raw_action=self.raw_action_of_path(path),
        )

    def camera_of_path(self, path: str) -> str:
        return self.default_camera

    def raw_action_of_path(self, path: str) -> str:
        return ""

    def sensor_channels(self, sensor: str) -> tuple[str, ...]:
        return self.spec(sensor).channels

    def spec(self, sensor: str) -> SensorSpec:
        if sensor not in self.sensors:
            raise ValueError(f"{self.title} has no sensor {sensor!r}; it has {list(self.sensors)}")
        return self.sensors[sensor]


def path_parts(text: str) -> list[str]:
    """Components of a Windows or POSIX path (published lists use ``D:\\...``)."""
    return [p for p in re.split(r"[\\/]", str(text)) if p]


def read_numeric_text(path: Path, columns: int, what: str) -> np.ndarray:
    """A whitespace-separated numeric table with exactly ``columns`` columns, as float64 (N, columns).

    One ``np.array(str.split())`` instead of ``np.loadtxt``: the 3,948 Berkeley files read ~10x
    faster, and a ragged or non-numeric file is still caught (token count, float conversion).
    """
    if not path.is_file():
        raise DataFileError(f"{path}: {what} file does not exist")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: {what} file cannot be read as text ({exc})") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataFileError(f"{path}: {what} file is empty")
    tokens = text.split()
    bad = next((i for i, ln in enumerate(lines, 1) if len(ln.split()) != columns), None)
    if bad is not None:
        raise DataFileError(f"{path}:{bad}: expected {columns} columns, got {lines[bad - 1]!r}")
    try:
        data = np.array(tokens, dtype=np.float64).reshape(-1, columns)
    except ValueError as exc:
        raise DataFileError(f"{path}: non-numeric value in the {what} file ({exc})") from None
    if not np.isfinite(data).all():
        raise DataFileError(f"{path}: the {what} file holds NaN or infinite values")
    return data
