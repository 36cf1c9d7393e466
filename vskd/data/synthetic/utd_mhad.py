"""The embedded synthetic UTD-MHAD: the same files and archives as the real dataset.

``write_synthetic_archives`` writes ``RGB.zip`` (``RGB/a{a}_s{s}_t{t}_color.avi``, MJPG, 15 fps) and
``Inertial.zip`` (``Inertial/a{a}_s{s}_t{t}_inertial.mat`` holding ``d_iner``, N x 6, 50 Hz), so
that every later stage (unpack, manifest, frames, GAF, training) runs the code path of real data.
Deterministic: a clip depends only on (seed, action, subject, trial).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import scipy.io

from ...atomic import atomic_path
from ...progress import progress
from .. import utd
from . import Generator, register_generator
from .motion import BASE_DURATION, Subject, imu_signal, mounting, simulate

log = logging.getLogger(__name__)

#: drawing order and thickness (fraction of the frame height) of the body segments
SEGMENTS = (
    ("neck", "pelvis", "shirt", 0.075),
    ("shoulder_r", "shoulder_l", "shirt", 0.05),
    ("hip_r", "hip_l", "pants", 0.05),
    ("hip_r", "knee_r", "pants", 0.045),
    ("knee_r", "ankle_r", "pants", 0.04),
    ("hip_l", "knee_l", "pants", 0.045),
    ("knee_l", "ankle_l", "pants", 0.04),
    ("shoulder_r", "elbow_r", "shirt", 0.055),
    ("elbow_r", "wrist_r", "skin", 0.05),
    ("shoulder_l", "elbow_l", "shirt", 0.055),
    ("elbow_l", "wrist_l", "skin", 0.05),
)
ZIP_DATE = (2015, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class SyntheticSpec:
    seed: int = 0
    subjects: int = utd.NUM_SUBJECTS
    trials: int = utd.NUM_TRIALS
    frame_width: int = 160
    frame_height: int = 120
    fps: float = utd.VIDEO_FPS

    @classmethod
    def from_config(cls, cfg: dict) -> SyntheticSpec:
        return cls(**{k: cfg[k] for k in cls.__dataclass_fields__ if k in cfg})


def subject_of(spec: SyntheticSpec, subject: int) -> Subject:
    return Subject.sample(np.random.default_rng([spec.seed, 1000 + subject]))


def clip_duration(spec: SyntheticSpec, clip: utd.ClipId, rng: np.random.Generator) -> float:
    """Seconds of one clip; real UTD-MHAD clips are 107-326 samples at 50 Hz (2.1-6.5 s)."""
    subj = subject_of(spec, clip.subject)
    d = BASE_DURATION[clip.action] / subj.speed * rng.uniform(0.88, 1.12)
    return float(np.clip(d, 107 / utd.INERTIAL_RATE_HZ, 326 / utd.INERTIAL_RATE_HZ))


def _project(points: np.ndarray, yaw: float, width: int, height: int, shift: np.ndarray) -> np.ndarray:
    """World (x right of the subject, y up, z towards camera) -> pixel coordinates.

    The camera faces the subject, slightly turned by ``yaw`` so that motion along z shows in the
    image; the subject's right appears on the image's left, as in a real frontal recording.
    """
    c, s = np.cos(yaw), np.sin(yaw)
    x = c * points[..., 0] + s * points[..., 2]
    z = -s * points[..., 0] + c * points[..., 2]
    px_per_m = height / 2.1 * (1 + 0.08 * z)
    u = width / 2 + shift[0] - x * px_per_m
    v = height * 0.97 + shift[1] - points[..., 1] * px_per_m
    return np.stack([u, v], -1)


def render_frames(
    joints: dict[str, np.ndarray], subject: Subject, chair: bool, width: int, height: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw the body for every time step; returns BGR uint8 frames (T, H, W, 3)."""
    yaw = np.radians(20 + rng.uniform(-2, 2))  # a fixed camera, re-placed by a hair
    shift = rng.uniform(-0.01, 0.01, 2) * [width, height]
    names = list(joints)
    stacked = np.stack([joints[n] for n in names], 1)  # (T, J, 3)
    px = _project(stacked, yaw, width, height, shift)
    index = {n: i for i, n in enumerate(names)}
    colours = {"shirt": subject.shirt, "pants": subject.pants, "skin": subject.skin}
    bg = np.empty((height, width, 3), np.uint8)
    grad = np.linspace(0.85, 1.05, height)[:, None, None]
    bg[:] = np.clip(np.array(subject.background)[None, None] * grad, 0, 255).astype(np.uint8)
    floor_v = int(height * 0.97 + shift[1])
    cv2.rectangle(bg, (0, floor_v), (width, height), tuple(int(c * 0.6) for c in subject.background), -1)
    frames = np.empty((stacked.shape[0], height, width, 3), np.uint8)
    sc = 16  # sub-pixel precision for cv2 drawing
    for ti in range(stacked.shape[0]):
        img = bg.copy()
        if chair:
            seat = _project(np.array([[-0.25, 0.5, -0.3], [0.25, 0.45, -0.3]]), yaw, width, height, shift)
            cv2.rectangle(img, tuple(int(v) for v in seat[0]), tuple(int(v) for v in seat[1]), (60, 80, 110), -1)
        # far segments first (camera looks along -z after the yaw)
        order = sorted(SEGMENTS, key=lambda s: stacked[ti, index[s[0]], 2] + stacked[ti, index[s[1]], 2])
        for a, b, part, thick in order:
            p, q = px[ti, index[a]], px[ti, index[b]]
            cv2.line(
                img,
                tuple(int(v * sc) for v in p),
                tuple(int(v * sc) for v in q),
                colours[part],
                max(1, int(thick * height)),
                cv2.LINE_AA,
                shift=4,
            )
        for hand in ("wrist_r", "wrist_l"):  # hands: what most classes differ by
            hp = px[ti, index[hand]]
            cv2.circle(
                img, tuple(int(v * sc) for v in hp), int(0.04 * height * sc), subject.skin, -1, cv2.LINE_AA, shift=4
            )
        hc = px[ti, index["head"]]
        cv2.circle(
            img, tuple(int(v * sc) for v in hc), int(0.055 * height * sc), subject.skin, -1, cv2.LINE_AA, shift=4
        )
        frames[ti] = img
    # camera noise: a small bank of noise images cycled over the frames (cheap, still not static)
    bank = rng.normal(0, 2.0, (7, height, width, 3)).round().astype(np.int16)
    noisy = frames.astype(np.int16)
    noisy += bank[np.arange(len(frames)) % len(bank)]
    return np.clip(noisy, 0, 255).astype(np.uint8)


def synthesize_clip(spec: SyntheticSpec, clip: utd.ClipId) -> tuple[np.ndarray, np.ndarray]:
    """One clip: (BGR frames (T, H, W, 3) at ``spec.fps``, inertial (N, 6) at 50 Hz)."""
    rng = np.random.default_rng([spec.seed, clip.action, clip.subject, clip.trial])
    subject = subject_of(spec, clip.subject)
    duration = clip_duration(spec, clip, rng)
    motion_seed = int(rng.integers(2**31))
    _, joints_imu, _ = simulate(
        clip.action, duration, utd.INERTIAL_RATE_HZ, subject, np.random.default_rng(motion_seed)
    )
    subject_mount = mounting(np.random.default_rng([spec.seed, 2000 + clip.subject]), (15, 35))
    mount = subject_mount @ mounting(rng, (0, 10))
    imu = imu_signal(clip.action, joints_imu, utd.INERTIAL_RATE_HZ, rng, mount)
    _, joints_vid, chair = simulate(clip.action, duration, spec.fps, subject, np.random.default_rng(motion_seed))
    frames = render_frames(joints_vid, subject, chair, spec.frame_width, spec.frame_height, rng)
    return frames, imu


def encode_avi(frames_bgr: np.ndarray, fps: float) -> bytes:
    """MJPG-in-AVI bytes of BGR frames (OpenCV needs a file to write to)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "clip.avi")
        h, w = frames_bgr.shape[1:3]
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
        if not writer.isOpened():
            raise RuntimeError("OpenCV could not open an MJPG AVI writer")
        for f in frames_bgr:
            writer.write(f)
        writer.release()
        return Path(path).read_bytes()


def encode_mat(inertial: np.ndarray) -> bytes:
    buf = io.BytesIO()
    scipy.io.savemat(buf, {"d_iner": inertial}, format="5")
    return buf.getvalue()


def _clip_files(args: tuple[SyntheticSpec, utd.ClipId, bool]) -> tuple[str, bytes | None, bytes]:
    spec, clip, with_video = args
    frames, imu = synthesize_clip(spec, clip)
    return str(clip), (encode_avi(frames, spec.fps) if with_video else None), encode_mat(imu)


def _zip_entry(zf: zipfile.ZipFile, name: str, data: bytes, compress: bool) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def write_synthetic_archives(
    spec: SyntheticSpec, rgb_zip: str | Path | None, inertial_zip: str | Path, workers: int = 1
) -> int:
    """Generate every clip and write the two archives atomically; returns the clip count.

    The three recordings absent from the real dataset are absent here too, so that split counts
    and the skip logic behave as on real data. ``rgb_zip=None`` writes the inertial archive only.
    """
    clips = utd.all_clip_ids(spec.subjects, spec.trials)
    jobs = [(spec, c, rgb_zip is not None) for c in clips]
    with contextlib.ExitStack() as stack:
        zin = stack.enter_context(zipfile.ZipFile(stack.enter_context(atomic_path(inertial_zip)), "w"))
        zrgb = (
            stack.enter_context(zipfile.ZipFile(stack.enter_context(atomic_path(rgb_zip)), "w"))
            if rgb_zip is not None
            else None
        )
        if workers > 1:
            pool = stack.enter_context(ProcessPoolExecutor(workers))
            results = pool.map(_clip_files, jobs, chunksize=8)
        else:
            results = map(_clip_files, jobs)
        for clip_id, avi, mat in progress(results, "synthesize", total=len(jobs), unit="clip"):
            _zip_entry(zin, f"Inertial/{clip_id}_inertial.mat", mat, compress=True)
            if zrgb is not None:
                _zip_entry(zrgb, f"RGB/{clip_id}_color.avi", avi, compress=False)
    log.info("synthesized %d clips (seed %d)", len(clips), spec.seed)
    return len(clips)


def write_dataset(cfg: dict, out_dir: Path, workers: int = 1) -> int:
    """The generator entry (:mod:`vskd.data.synthetic`): both archives, named as the official ones."""
    from ..adapters import get_adapter

    archives = get_adapter("utd_mhad").archives
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_synthetic_archives(
        SyntheticSpec.from_config(cfg), out_dir / archives["video"], out_dir / archives["inertial"], workers=workers
    )


register_generator(Generator("utd_mhad", "archives", write_dataset))
