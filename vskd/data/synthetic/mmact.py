"""The embedded synthetic MMAct (trimmed release), written in the real files' formats and layout.

MMAct may not be redistributed, so every MMAct-format file the tests and the demo DAG use comes
from here.

- ``<sensor>_clip/subjectN/sceneN/sessionN/<action>.csv`` for ``acc_phone`` (phone in the right
  trouser pocket, 100 Hz, m/s^2 with gravity), ``acc_watch`` (right wrist, 100 Hz, m/s^2), ``gyro``
  (phone, 50 Hz, rad/s) and ``orientation`` (phone, azimuth/pitch/roll in degrees, event driven at
  15-60 Hz). Rows ``YYYYMMDD_HH:MM:SS.ffffff,x,y,z`` in local time on a 1 ms clock, so a time on a
  whole second is written without its fraction, as some real rows are; ~0.7% of the steps go
  backwards (two rows swapped) and ~0.5% of the timestamps repeat, the faults of the real files.
- ``video/subjectN/camN/sceneN/sessionN/<action>.mp4`` (MPEG-4 part 2 via OpenCV's ``mp4v``; the
  release is H.264, which OpenCV's wheels cannot encode) for each configured camera; cameras
  stand at 45, 135, 225 and 315 degrees around the subject; each scene has its own background.

Design: every subject performs every action once, in a scene and session that rotate with the
subject and action, so all four protocols (cross-subject/-view/-scene/-session) have train and
test clips. Deterministic: a clip depends only on (seed, subject, scene, session, action).
"""

from __future__ import annotations

import datetime as _dt
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ...atomic import atomic_path
from ...progress import run_jobs
from ..adapters import get_adapter
from ..adapters.mmact import CAMERAS, NUM_SCENES, NUM_SESSIONS, NUM_SUBJECTS
from . import Generator, register_generator
from .motion import GRAVITY, Subject, mounting, simulate
from .programs import MMACT_DURATION, mmact_program
from .sensors import interp_rows, placement_imu, placement_orientation, render_view

log = logging.getLogger(__name__)

SIM_RATE = 100.0
START = _dt.datetime(2018, 10, 16, 9, 0, 0)
CAMERA_AZIMUTH = {"cam1": 45.0, "cam2": 135.0, "cam3": 225.0, "cam4": 315.0}
#: free space, occlusion, station entrance, desk work (mapping to numbers unverified)
SCENE_BACKGROUND = {1: (196, 204, 200), 2: (150, 170, 190), 3: (185, 180, 160), 4: (205, 195, 185)}


@dataclass(frozen=True)
class MMActSpec:
    seed: int = 0
    subjects: int = NUM_SUBJECTS
    actions: int = 35
    cameras: tuple[str, ...] = ("cam1",)
    frame_width: int = 160
    frame_height: int = 120
    fps: float = 29.97

    @classmethod
    def from_config(cls, cfg: dict) -> MMActSpec:
        kw = {k: cfg[k] for k in cls.__dataclass_fields__ if k in cfg}
        if "cameras" in kw:
            kw["cameras"] = tuple(kw["cameras"])
        spec = cls(**kw)
        unknown = [c for c in spec.cameras if c not in CAMERAS]
        if unknown:
            raise ValueError(f"unknown MMAct cameras {unknown}; known: {CAMERAS}")
        return spec


def design(spec: MMActSpec) -> list[str]:
    """One clip per (subject, action), scene and session rotating so every protocol has both sides."""
    m = get_adapter("mmact")
    return [
        m.format_clip_id(
            {"subject": s, "action": a, "scene": 1 + (s + a) % NUM_SCENES, "session": 1 + (3 * s + a) % NUM_SESSIONS}
        )
        for a in range(1, spec.actions + 1)
        for s in range(1, spec.subjects + 1)
    ]


def format_time(t: _dt.datetime) -> str:
    """MMAct's ``YYYYMMDD_HH:MM:SS.ffffff``; without the fraction on a whole second (as in the data)."""
    head = t.strftime("%Y%m%d_%H:%M:%S")
    return head if t.microsecond == 0 else f"{head}.{t.microsecond:06d}"


def jittered_clock(rng: np.random.Generator, times: np.ndarray) -> np.ndarray:
    """The logged timestamps: 1 ms clock, a few swapped neighbours and repeated stamps."""
    stamps = np.round(times, 3)
    n = len(stamps)
    for i in rng.choice(max(n - 2, 1), size=max(1, n // 150), replace=False) + 1:
        stamps[i], stamps[i + 1] = stamps[i + 1], stamps[i]  # a backward step
    for i in rng.choice(max(n - 2, 1), size=max(1, n // 200), replace=False) + 1:
        stamps[i] = stamps[i - 1]  # a repeated stamp
    return stamps


def synthesize_clip(spec: MMActSpec, clip_id: str) -> dict[str, object]:
    """One clip: {'sensors': {name: (stamps s, values (N, 3))}, 'frames': {cam: RGB}, 'start'}."""
    m = get_adapter("mmact")
    f = m.parse_clip_id(clip_id)
    a, s, sc, se = f["action"], f["subject"], f["scene"], f["session"]
    rng = np.random.default_rng([spec.seed, 29, s, sc, se, a])
    subject = Subject.sample(np.random.default_rng([spec.seed, 2900 + s]))
    duration = float(np.clip(MMACT_DURATION[a] / subject.speed * rng.uniform(0.85, 1.2), 3.0, 8.0))
    motion_seed = int(rng.integers(2**31))
    _, dense, chair = simulate(
        a, duration, SIM_RATE, subject, np.random.default_rng(motion_seed), program=mmact_program
    )
    t_dense = np.arange(len(dense["pelvis"])) / SIM_RATE
    phone_mount = mounting(np.random.default_rng([spec.seed, 3900 + 10 * s + se]), (5, 60))
    watch_mount = mounting(np.random.default_rng([spec.seed, 4900 + s]), (5, 25))
    phone = placement_imu(dense, "right trouser pocket", SIM_RATE, rng, phone_mount, 16.0, 2000.0)
    watch = placement_imu(dense, "right wrist", SIM_RATE, rng, watch_mount, 16.0, 2000.0)
    orient = placement_orientation(dense, "right trouser pocket", phone_mount)
    sensors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, rate, values in (
        ("acc_phone", 100.0, phone[:, :3] * GRAVITY),
        ("acc_watch", 100.0, watch[:, :3] * GRAVITY),
        ("gyro", 50.0, np.radians(phone[:, 3:])),
    ):
        t = np.arange(int(t_dense[-1] * rate) + 1) / rate
        sensors[name] = (t, interp_rows(t_dense, values, t))
    t = np.cumsum(rng.uniform(1 / 60, 1 / 15, int(t_dense[-1] * 60)))
    t = t[t <= t_dense[-1]]
    sensors["orientation"] = (t, interp_rows(t_dense, orient, t))
    frames = {}
    if spec.cameras:
        _, joints, chair = simulate(
            a, duration, spec.fps, subject, np.random.default_rng(motion_seed), program=mmact_program
        )
        for cam in spec.cameras:
            bgr = render_view(
                joints,
                subject,
                chair,
                CAMERA_AZIMUTH[cam],
                spec.frame_width,
                spec.frame_height,
                np.random.default_rng([spec.seed, 39, s, sc, se, a, CAMERAS.index(cam)]),
                background=SCENE_BACKGROUND[sc],
            )
            frames[cam] = bgr[..., ::-1]
    start = START + _dt.timedelta(days=7 * se + s, seconds=float(60 * a + rng.uniform(0, 30)))
    start = start.replace(microsecond=(start.microsecond // 10000) * 10000)  # on the 10 ms grid
    return {"sensors": sensors, "frames": frames, "start": start, "rng_seed": int(rng.integers(2**31))}


def encode_mp4(frames_rgb: np.ndarray, fps: float, path: Path) -> None:
    """MPEG-4 (``mp4v``) in an .mp4 container, written atomically (the temporary keeps the .mp4
    suffix, from which OpenCV picks the container)."""
    h, w = frames_rgb.shape[1:3]
    with atomic_path(path) as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
        if not writer.isOpened():
            raise RuntimeError("OpenCV could not open an mp4v writer")
        for rgb in frames_rgb:
            writer.write(np.ascontiguousarray(rgb[..., ::-1]))
        writer.release()


def _write_clip(args: tuple[MMActSpec, str, str]) -> int:
    spec, clip_id, out_dir = args
    m = get_adapter("mmact")
    out = Path(out_dir)
    clip = synthesize_clip(spec, clip_id)
    rng = np.random.default_rng(clip["rng_seed"])
    for name, (t, values) in clip["sensors"].items():
        stamps = jittered_clock(rng, t)
        rows = []
        for st, (x, y, z) in zip(stamps, values):
            ts = format_time(clip["start"] + _dt.timedelta(milliseconds=round(st * 1000)))
            rows.append(f"{ts},{x:.7g},{y:.7g},{z:.7g}\n")
        path = out / m.sensor_file(clip_id, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            Path(tmp).write_text("".join(rows))
    for cam, frames in clip["frames"].items():
        path = out / m.video_file(clip_id, cam)
        path.parent.mkdir(parents=True, exist_ok=True)
        encode_mp4(frames, spec.fps, path)
    return 1


def write_synthetic_mmact(
    spec: MMActSpec, out_dir: str | Path, workers: int = 1, clips: list[str] | None = None
) -> int:
    """Write every clip of the design (or ``clips``) below ``out_dir``; returns the clip count."""
    clips = design(spec) if clips is None else clips
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    run_jobs(_write_clip, [(spec, c, str(out_dir)) for c in clips], workers, "synthesize", unit="clip")
    log.info(
        "synthesized %d MMAct clips (seed %d, cameras %s)", len(clips), spec.seed, ", ".join(spec.cameras) or "none"
    )
    return len(clips)


register_generator(
    Generator(
        "mmact",
        "folder",
        lambda cfg, out, workers=1: write_synthetic_mmact(MMActSpec.from_config(cfg), out, workers=workers),
    )
)
