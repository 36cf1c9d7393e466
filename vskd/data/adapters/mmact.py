"""MMAct (Kong et al., ICCV 2019), trimmed release: 20 subjects, 4 scenes, 5 sessions, 4 cameras.

MMAct's terms forbid redistribution: no MMAct file ever enters this repository; the reader is
tested on the one real CSV in ``../shared/data/reference/`` (in place) and on generated files.

Files:

- sensors ``<sensor>_clip/subjectN/sceneN/sessionN/<action>.csv`` with ``<sensor>`` one of
  ``acc_phone`` (phone in the right trouser pocket, 100 Hz, m/s^2), ``acc_watch`` (watch on the
  right wrist, 100 Hz, m/s^2), ``gyro`` (phone, 50 Hz), ``orientation`` (phone, azimuth/pitch/roll,
  event driven). No header; rows ``YYYYMMDD_HH:MM:SS.ffffff,x,y,z`` in local time; the fraction is
  sometimes missing; timestamps step backwards and repeat (sorted and de-duplicated later by
  :mod:`vskd.data.conditioning`, never here). Empty and broken files exist: DataFileError.
- video ``subjectN/camN/sceneN/sessionN/<action>.mp4`` per surveillance camera ``cam1..cam4``.

One sensor file serves all four cameras, so the clip id has no camera:
``subject01_scene1_session1_carrying``. Action names are matched case-insensitively (the release has
``Carrying_light``; SAKDN's lists label that folder 35 instead of 2 - see ``label_of``).

Classes: the released data hold **35** actions (``classes/mmact.json`` ``folders``; label = index,
the default). The paper says 37; SAKDN's ``MMAct.txt`` has 36 names whose label 14 ("object
transfering") never occurs - ``label_scheme='sakdn36'`` reproduces that indexing, only for
comparisons with SAKDN/VSKD numbers.

Protocols (SAKDN's lists, used by VSKD): cross_subject (subjects 1-16 / 17-20), cross_view
(cam1-3 / cam4), cross_scene (scenes 1, 3, 4 / scene 2), cross_session (sessions 1-4 / 5).
Cross-view splits the *cameras* of a clip: its sensor recording is on both sides, so it is a
protocol for the video teacher, not for a sensor-only student.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import readers
from ..readers import DataFileError
from .base import DatasetAdapter, FileRef, Recording, SensorSpec, path_parts
from .registry import load_class_json, register_adapter

NUM_SUBJECTS, NUM_SCENES, NUM_SESSIONS = 20, 4, 5
CAMERAS = ("cam1", "cam2", "cam3", "cam4")
VIDEO_FPS = 29.97
SENSORS = {
    "acc_phone": SensorSpec("acc_phone", ("acc_x", "acc_y", "acc_z"), 100.0, "m/s^2", "phone, right trouser pocket"),
    "acc_watch": SensorSpec("acc_watch", ("acc_x", "acc_y", "acc_z"), 100.0, "m/s^2", "watch, right wrist"),
    "gyro": SensorSpec("gyro", ("gyro_x", "gyro_y", "gyro_z"), 50.0, "rad/s", "phone, right trouser pocket"),
    "orientation": SensorSpec(
        "orientation",
        ("azimuth", "pitch", "roll"),
        50.0,
        "degrees",
        "phone, right trouser pocket (event driven, irregular)",
    ),
}
#: folder of each sensor in the trimmed release
SENSOR_FOLDERS = {name: f"{name}_clip" for name in SENSORS}
_FOLDER_SENSOR = {v: k for k, v in SENSOR_FOLDERS.items()}
PROTOCOL_TEST = {
    "cross_subject": ("subject", frozenset(range(17, 21))),
    "cross_view": ("camera", frozenset({"cam4"})),
    "cross_scene": ("scene", frozenset({2})),
    "cross_session": ("session", frozenset({5})),
}

_ID_RE = re.compile(r"^subject(\d+)_scene(\d+)_session(\d+)_([a-z_]+)$")
_TIME_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})_(\d{1,2}):(\d{2}):(\d{2}(?:\.\d*)?)$")


def _num(part: str, prefix: str) -> int | None:
    m = re.fullmatch(prefix + r"(\d+)", part, re.IGNORECASE)
    return int(m.group(1)) if m else None


def parse_timestamp(text: str) -> tuple[int, float]:
    """``20181016_13:37:28.612000`` -> (proleptic day number, seconds of the day); the fraction may
    be absent (``20181016_13:37:28``)."""
    m = _TIME_RE.match(text.strip())
    if not m:
        raise ValueError(f"not an MMAct timestamp (YYYYMMDD_HH:MM:SS[.ffffff]): {text!r}")
    y, mo, d, h, mi = (int(x) for x in m.groups()[:5])
    day = _dt.date(y, mo, d).toordinal()
    return day, h * 3600 + mi * 60 + float(m.group(6))


class MMActAdapter(DatasetAdapter):
    def __init__(self) -> None:
        meta = load_class_json("mmact")
        self.folders: tuple[str, ...] = tuple(meta["folders"])
        self.sakdn36_names: tuple[str, ...] = tuple(meta["sakdn36_names"])
        self.sakdn36_unused = int(meta["sakdn36_unused_label"])
        super().__init__(
            kind="mmact",
            title="MMAct",
            class_names=tuple(meta["names"]),
            sensors=SENSORS,
            cameras=CAMERAS,
            protocols=tuple(PROTOCOL_TEST),
            default_sensors=("acc_watch",),
            default_camera="cam1",
            video_fps=VIDEO_FPS,
            attributes=("scene", "session"),
            example_clip="subject01_scene1_session1_carrying",
        )

    # ---- ids -------------------------------------------------------------------------------
    def action_index(self, name: str) -> int:
        """1-based action of a file/folder name, case-insensitive (``Carrying_light`` -> 3)."""
        key = name.strip().lower().replace(" ", "_")
        if key.endswith((".csv", ".mp4")):
            key = key[:-4]
        try:
            return self.folders.index(key) + 1
        except ValueError:
            raise ValueError(f"unknown MMAct action {name!r}") from None

    def parse_clip_id(self, text: str) -> dict[str, Any]:
        parts = path_parts(text)
        if not parts:
            raise ValueError(f"no MMAct clip id in {text!r}")
        m = _ID_RE.match(parts[-1].lower())
        if m:
            subject, scene, session = (int(x) for x in m.groups()[:3])
            action = self.action_index(m.group(4))
        else:
            # .../subjectN/[camN/]sceneN/sessionN/<action>[.csv|.mp4]
            if len(parts) < 4:
                raise ValueError(f"no MMAct clip id (subjectN/sceneN/sessionN/<action>) in {text!r}")
            session, scene = _num(parts[-2], "session"), _num(parts[-3], "scene")
            subject = _num(parts[-4], "subject")
            if subject is None and len(parts) >= 5 and _num(parts[-4], "cam") is not None:
                subject = _num(parts[-5], "subject")
            if None in (session, scene, subject):
                raise ValueError(f"no MMAct clip id (subjectN/sceneN/sessionN/<action>) in {text!r}")
            action = self.action_index(parts[-1])
        if not (1 <= subject <= NUM_SUBJECTS and 1 <= scene <= NUM_SCENES and 1 <= session <= NUM_SESSIONS):
            raise ValueError(f"MMAct clip id out of range in {text!r}")
        return {"action": action, "subject": subject, "scene": scene, "session": session}

    def format_clip_id(self, fields: Mapping[str, Any]) -> str:
        return (
            f"subject{int(fields['subject']):02d}_scene{int(fields['scene'])}_"
            f"session{int(fields['session'])}_{self.folders[int(fields['action']) - 1]}"
        )

    def label_of(self, clip_id: str, scheme: str = "default") -> int:
        """0-based label: 35-way by default; ``sakdn36`` skips SAKDN's unused label 14."""
        idx = int(self.parse_clip_id(clip_id)["action"]) - 1
        if scheme == "default":
            return idx
        if scheme == "sakdn36":
            return idx if idx < self.sakdn36_unused else idx + 1
        raise ValueError(f"unknown MMAct label scheme {scheme!r}; expected 'default' or 'sakdn36'")

    def class_names_for(self, scheme: str = "default") -> tuple[str, ...]:
        return self.class_names if scheme == "default" else self.sakdn36_names

    # ---- files -----------------------------------------------------------------------------
    def parse_file(self, path: Path) -> FileRef | None:
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".mp4"):
            return None
        parts = path.parts
        try:
            fields = self.parse_clip_id(str(path))
        except ValueError:
            return None
        clip_id = self.format_clip_id(fields)
        if suffix == ".mp4":
            cam = parts[-4].lower() if len(parts) >= 5 else ""
            return FileRef(clip_id, "video", cam) if cam in CAMERAS else None
        sensor = _FOLDER_SENSOR.get(parts[-5].lower()) if len(parts) >= 5 else None
        return FileRef(clip_id, "sensor", sensor) if sensor else None

    def _folders(self, clip_id: str) -> tuple[dict[str, Any], str]:
        f = self.parse_clip_id(clip_id)
        return f, f"scene{f['scene']}/session{f['session']}/{self.folders[f['action'] - 1]}"

    def sensor_file(self, clip_id: str, sensor: str) -> str:
        self.spec(sensor)
        f, tail = self._folders(clip_id)
        scene_session, action = tail.rsplit("/", 1)
        return f"{SENSOR_FOLDERS[sensor]}/subject{f['subject']}/{scene_session}/{action}.csv"

    def video_file(self, clip_id: str, camera: str) -> str:
        if camera not in CAMERAS:
            raise ValueError(f"unknown MMAct camera {camera!r}; known: {CAMERAS}")
        f, tail = self._folders(clip_id)
        return f"video/subject{f['subject']}/{camera}/{tail}.mp4"

    # ---- readers ---------------------------------------------------------------------------
    def read_sensor_file(self, path: str | Path, sensor: str = "acc_phone") -> Recording:
        """Values and timestamps (seconds since midnight of the first row's day) as in the file.

        Out-of-order and repeated timestamps are kept: the file is reported as it is, and
        conditioning decides what to do with them.
        """
        path = Path(path)
        spec = self.spec(sensor)
        if not path.is_file():
            raise DataFileError(f"{path}: MMAct {sensor} file does not exist")
        try:
            lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            raise DataFileError(f"{path}: MMAct {sensor} file cannot be read as text ({exc})") from None
        if not lines:
            raise DataFileError(f"{path}: MMAct {sensor} file is empty")
        days = np.empty(len(lines), np.int64)
        secs = np.empty(len(lines))
        values = np.empty((len(lines), 3))
        for i, line in enumerate(lines):
            fields = line.split(",")
            if len(fields) != 4:
                raise DataFileError(f"{path}:{i + 1}: expected 'timestamp,x,y,z', got {line!r}")
            try:
                days[i], secs[i] = parse_timestamp(fields[0])
                values[i] = [float(v) for v in fields[1:]]
            except ValueError as exc:
                raise DataFileError(f"{path}:{i + 1}: {exc}") from None
        if not np.isfinite(values).all():
            raise DataFileError(f"{path}: the MMAct {sensor} file holds NaN or infinite values")
        if len(lines) < 2:
            raise DataFileError(f"{path}: only 1 sample in the MMAct {sensor} file, need at least 2")
        times = (days - days.min()) * 86400.0 + secs
        return Recording(sensor, spec.channels, values, times, spec.rate_hz, str(path))

    def read_video(self, path: str | Path, size: tuple[int, int] | None = None) -> np.ndarray:
        return readers.read_video(path, size=size)

    def video_frame_count(self, path: str | Path) -> int:
        return readers.video_frame_count(path)

    # ---- protocols -------------------------------------------------------------------------
    def camera_dependent(self, protocol: str) -> bool:
        return PROTOCOL_TEST.get(protocol, ("",))[0] == "camera"

    def subset_of(self, clip_id: str, protocol: str, camera: str | None = None) -> str:
        self.check_protocol(protocol)
        key, test = PROTOCOL_TEST[protocol]
        if key == "camera":
            if camera is None:
                raise ValueError(
                    "cross_view splits the cameras of a clip: name the camera (a "
                    "sensor-only run has no cross-view split; its sensor data would "
                    "be on both sides)"
                )
            value: Any = camera
        else:
            value = self.parse_clip_id(clip_id)[key]
        return "test" if value in test else "train"

    def camera_of_path(self, path: str) -> str:
        parts = path_parts(path)
        cam = parts[-4].lower() if len(parts) >= 5 else ""
        if cam not in CAMERAS:
            raise ValueError(f"no camN folder in {path!r}")
        return cam

    def raw_action_of_path(self, path: str) -> str:
        return path_parts(path)[-1]


register_adapter(MMActAdapter())
