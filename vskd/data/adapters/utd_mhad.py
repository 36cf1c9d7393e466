"""UTD-MHAD as an adapter: a thin wrapper of :mod:`vskd.data.utd` (ids, names, protocols) and
:mod:`vskd.data.readers` (the ``d_iner`` .mat and the .avi), so the UTD facts live in one place.

One IMU (``imu``: acc x,y,z in g, gyro x,y,z in deg/s, 50 Hz, no timestamps) on the right wrist for
actions 1-21 and the right thigh for 22-27; one Kinect colour camera (``rgb``, 15 fps effective).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import readers, utd
from .base import DatasetAdapter, FileRef, Recording, SensorSpec
from .registry import load_class_names, register_adapter

IMU_CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")


class UtdMhadAdapter(DatasetAdapter):
    def __init__(self) -> None:
        super().__init__(
            kind="utd_mhad",
            title="UTD-MHAD",
            class_names=load_class_names("utd_mhad"),
            sensors={
                "imu": SensorSpec(
                    "imu",
                    IMU_CHANNELS,
                    utd.INERTIAL_RATE_HZ,
                    "g, deg/s",
                    "right wrist (actions 1-21), right thigh (22-27)",
                )
            },
            cameras=("rgb",),
            protocols=utd.PROTOCOLS,
            default_sensors=("imu",),
            default_camera="rgb",
            video_fps=utd.VIDEO_FPS,
            attributes=("trial",),
            archives={"video": "RGB.zip", "inertial": "Inertial.zip"},
            example_clip="a1_s1_t1",
        )

    def parse_clip_id(self, text: str) -> dict[str, Any]:
        c = utd.ClipId.parse(text)
        return {"action": c.action, "subject": c.subject, "trial": c.trial}

    def format_clip_id(self, fields: Mapping[str, Any]) -> str:
        return str(utd.ClipId(int(fields["action"]), int(fields["subject"]), int(fields["trial"])))

    def parse_file(self, path: Path) -> FileRef | None:
        parsed = utd.parse_file_name(Path(path).name)
        if parsed is None:
            return None
        clip, modality = parsed
        if modality == "video":
            return FileRef(str(clip), "video", "rgb")
        return FileRef(str(clip), "sensor", "imu")

    def sensor_file(self, clip_id: str, sensor: str) -> str:
        self.spec(sensor)
        return f"Inertial/{utd.inertial_name(utd.ClipId.parse(clip_id))}"

    def video_file(self, clip_id: str, camera: str) -> str:
        return f"RGB/{utd.video_name(utd.ClipId.parse(clip_id))}"

    def read_sensor_file(self, path: str | Path, sensor: str = "imu") -> Recording:
        data = readers.read_inertial(path)
        return Recording(sensor, IMU_CHANNELS, data, None, utd.INERTIAL_RATE_HZ, str(path))

    def read_video(self, path: str | Path, size: tuple[int, int] | None = None) -> np.ndarray:
        return readers.read_video(path, size=size)

    def video_frame_count(self, path: str | Path) -> int:
        return readers.video_frame_count(path)

    def subset_of(self, clip_id: str, protocol: str, camera: str | None = None) -> str:
        self.check_protocol(protocol)
        return utd.subset_of(utd.ClipId.parse(clip_id), protocol)


register_adapter(UtdMhadAdapter())
