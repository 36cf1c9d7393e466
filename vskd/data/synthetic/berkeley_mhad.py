"""The embedded synthetic Berkeley-MHAD, written in the real files' formats and layout.

- ``Accelerometer/ShimmerHH/acc_hHH_sSS_aAA_rRR.txt``: ``ax ay az unix_time`` per line (``%.6f``),
  six Shimmers at the inferred placements (left/right wrist, left/right hip, left/right ankle),
  acceleration with gravity in the sensor frame, +-2 g. Sampled at ~30 Hz with clock jitter and
  timestamped on *arrival* by a host polling every ~22.5 ms (steps of ~22 or ~45 ms), with the
  occasional lost run (a gap), so the timestamps are irregular but strictly increasing, as in the real files. A
  fraction ``glitch_rate`` of the files carries one corrupt packet (one axis 3-61 g, another
  exactly -2.0), the fault of 16 real files.
- ``Camera/ClusterCC/CamKK/SSS/AAA/RRR/img_lCC_cKK_sSS_aAA_rRR_FFFFF.pgm``: 8-bit Bayer 'grbg'
  mosaics (binary PGM) of the rendered body, one folder per configured camera, ~22 fps; each
  camera looks from its cluster's side (clusters at 0, 180, 90, -90 degrees, cameras of a cluster
  10 degrees apart).
- ``Time_stamps/time_stamps_img_sSS_aAA_rRR.txt``: ``frame_index unix_time`` per frame.

Deterministic: a clip depends only on (seed, action, subject, repetition). Recordings absent from the
real release are absent here (s04_a08_r05; clusters 03-04 of s05_a02_r05 and s10_a08_r05).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ...atomic import atomic_path
from ...progress import run_jobs
from ..adapters import get_adapter
from ..adapters.berkeley_mhad import (
    CAMERAS,
    MISSING_CLIPS,
    NUM_ACTIONS,
    NUM_REPETITIONS,
    NUM_SUBJECTS,
    PLACEMENTS,
    mosaic_grbg,
    parse_camera,
)
from . import Generator, register_generator
from .motion import Subject, mounting, simulate
from .programs import BERKELEY_DURATION, berkeley_program
from .sensors import interp_rows, placement_imu, render_view

log = logging.getLogger(__name__)

START_UNIX = 1309539264.0  # 2011-07-01, the real recordings' epoch
SIM_RATE = 120.0  # dense simulation rate the sensors are sampled from
CLUSTER_AZIMUTH = {1: 0.0, 2: 180.0, 3: 90.0, 4: -90.0}
SHIMMER_PLACEMENT = {
    1: "left wrist",
    2: "right wrist",
    3: "left hip",
    4: "right hip",
    5: "left ankle",
    6: "right ankle",
}
assert all(p.endswith(PLACEMENTS[h].split()[-1]) for h, p in SHIMMER_PLACEMENT.items())


@dataclass(frozen=True)
class BerkeleySpec:
    seed: int = 0
    subjects: int = NUM_SUBJECTS
    repetitions: int = NUM_REPETITIONS
    cameras: tuple[str, ...] = ("cluster01_cam01",)
    frame_width: int = 160
    frame_height: int = 120
    fps: float = 22.0
    acc_rate_hz: float = 30.0
    glitch_rate: float = 0.02

    @classmethod
    def from_config(cls, cfg: dict) -> BerkeleySpec:
        kw = {k: cfg[k] for k in cls.__dataclass_fields__ if k in cfg}
        if "cameras" in kw:
            kw["cameras"] = tuple(kw["cameras"])
        spec = cls(**kw)
        for cam in spec.cameras:
            parse_camera(cam)
        return spec


def design(spec: BerkeleySpec) -> list[str]:
    return get_adapter("berkeley_mhad").design_clips(range(1, spec.subjects + 1), range(1, spec.repetitions + 1))


def arrival_times(rng: np.random.Generator, duration: float, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(sample instants, arrival timestamps) of a Bluetooth accelerometer over ``duration`` s.

    The sensor samples at ``rate`` with clock jitter; the host polls every ~22.5 ms and stamps each
    sample with the poll that received it, so steps are ~22 or ~45 ms (mean ``rate``) as in the
    real files; two samples caught by one poll are stamped 1 ms apart; now and then a run of
    samples is lost (a gap up to ~1 s). Stamps are strictly increasing, as in the real files.
    """
    n = int(duration * rate)
    inst = np.sort(np.clip(np.arange(n) / rate + rng.normal(0, 0.002, n), 0, duration))
    keep = np.ones(n, bool)
    for _ in range(rng.poisson(0.6)):  # lost runs of packets
        start = rng.integers(0, max(n - 1, 1))
        keep[start : start + rng.integers(3, int(rate))] = False
    keep[:2] = keep[-2:] = True
    inst = inst[keep]
    period, phase = rng.uniform(0.0215, 0.0235), rng.uniform(0, 0.02)
    stamps = np.ceil((inst - phase) / period) * period + phase + rng.uniform(0, 0.001, len(inst))
    for j in range(1, len(stamps)):
        stamps[j] = max(stamps[j], stamps[j - 1] + 0.001)
    return inst, stamps


def synthesize_clip(spec: BerkeleySpec, clip_id: str) -> dict[str, object]:
    """One clip: {'acc': {shimmer: (N, 4) ax ay az t}, 'frames': {camera: RGB (T,H,W,3)}, 'frame_times'}."""
    adapter = get_adapter("berkeley_mhad")
    f = adapter.parse_clip_id(clip_id)
    a, s, r = f["action"], f["subject"], f["repetition"]
    rng = np.random.default_rng([spec.seed, 17, a, s, r])
    subject = Subject.sample(np.random.default_rng([spec.seed, 1700 + s]))
    duration = float(np.clip(BERKELEY_DURATION[a] / subject.speed * rng.uniform(0.88, 1.12), 1.6, 8.0))
    motion_seed = int(rng.integers(2**31))
    _, dense, chair = simulate(
        a, duration, SIM_RATE, subject, np.random.default_rng(motion_seed), program=berkeley_program
    )
    t_dense = np.arange(len(dense["pelvis"])) / SIM_RATE
    clip_start = START_UNIX + 3600.0 * s + 60.0 * (10 * a + r) + rng.uniform(0, 1)
    acc: dict[str, np.ndarray] = {}
    for h, placement in SHIMMER_PLACEMENT.items():
        mount = mounting(np.random.default_rng([spec.seed, 2700 + 10 * s + h]), (10, 40))
        imu = placement_imu(dense, placement, SIM_RATE, rng, mount, acc_range=2.0)
        inst, stamps = arrival_times(rng, t_dense[-1], spec.acc_rate_hz)
        values = interp_rows(t_dense, imu[:, :3], inst)
        if rng.random() < spec.glitch_rate:  # one corrupt packet
            row = int(rng.integers(1, len(values) - 1))
            ax = int(rng.integers(3))
            values[row, ax] = rng.uniform(3, 61)
            values[row, (ax + 1) % 3] = -2.0
        acc[f"shimmer{h:02d}"] = np.column_stack([values, clip_start + rng.uniform(-0.05, 0.05) + stamps])
    _, joints, chair = simulate(
        a, duration, spec.fps, subject, np.random.default_rng(motion_seed), program=berkeley_program
    )
    n_frames = len(joints["pelvis"])
    frame_times = clip_start + np.arange(n_frames) / spec.fps + rng.normal(0, 0.002, n_frames)
    frames = {}
    for cam in spec.cameras:
        if not adapter.has_camera(clip_id, cam):
            continue
        cluster, k = parse_camera(cam)
        az = CLUSTER_AZIMUTH[cluster] + 10.0 * (k - 1)
        bgr = render_view(
            joints,
            subject,
            chair,
            az,
            spec.frame_width,
            spec.frame_height,
            np.random.default_rng([spec.seed, 37, a, s, r, cluster, k]),
        )
        frames[cam] = bgr[..., ::-1]
    return {"acc": acc, "frames": frames, "frame_times": np.sort(frame_times)}


def _write_clip(args: tuple[BerkeleySpec, str, str]) -> int:
    spec, clip_id, out_dir = args
    adapter = get_adapter("berkeley_mhad")
    out = Path(out_dir)
    clip = synthesize_clip(spec, clip_id)
    for sensor, table in clip["acc"].items():
        path = out / adapter.sensor_file(clip_id, sensor)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(f"{x:.6f} {y:.6f} {z:.6f} {t:.6f}\n" for x, y, z, t in table)
        with atomic_path(path) as tmp:
            Path(tmp).write_text(lines)
    for cam, frames in clip["frames"].items():
        folder = out / adapter.video_file(clip_id, cam)
        folder.mkdir(parents=True, exist_ok=True)
        for i, rgb in enumerate(frames, start=1):
            if not cv2.imwrite(str(folder / adapter.frame_name(clip_id, cam, i)), mosaic_grbg(rgb)):
                raise OSError(f"could not write a PGM frame in {folder}")
    ts = out / adapter.timestamps_file(clip_id)
    ts.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(ts) as tmp:
        Path(tmp).write_text("".join(f"{i} {t:.6f}\n" for i, t in enumerate(clip["frame_times"])))
    return len(clip["acc"])


def write_synthetic_berkeley(
    spec: BerkeleySpec, out_dir: str | Path, workers: int = 1, clips: list[str] | None = None
) -> int:
    """Write every clip of the design (or ``clips``) below ``out_dir``; returns the clip count."""
    clips = design(spec) if clips is None else clips
    missing = [c for c in clips if c in MISSING_CLIPS]
    if missing:
        raise ValueError(f"{missing} do not exist in Berkeley-MHAD")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    run_jobs(_write_clip, [(spec, c, str(out_dir)) for c in clips], workers, "synthesize", unit="clip")
    log.info(
        "synthesized %d Berkeley-MHAD clips (seed %d, cameras %s)",
        len(clips),
        spec.seed,
        ", ".join(spec.cameras) or "none",
    )
    return len(clips)


__all__ = ["BerkeleySpec", "CAMERAS", "NUM_ACTIONS", "design", "synthesize_clip", "write_synthetic_berkeley"]


register_generator(
    Generator(
        "berkeley_mhad",
        "folder",
        lambda cfg, out, workers=1: write_synthetic_berkeley(BerkeleySpec.from_config(cfg), out, workers=workers),
    )
)
