"""Body-worn sensors and camera views of the simulated body, for the Berkeley and MMAct generators.

A placement is a limb segment (``prox`` -> ``dist``, ``other`` fixing its plane) and a point on it;
:func:`vskd.data.synthetic_motion.segment_imu` turns it into what a strapped IMU measures. Cameras
look at the body from an azimuth: the joints are turned about the vertical axis before the UTD
renderer draws them, so each camera of a clip shows the same motion from its own side.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .motion import Subject, _unit, segment_imu
from .utd_mhad import render_frames

#: placement -> (proximal joint, distal joint, joint fixing the plane, position along prox->dist)
PLACEMENTS = {
    "left wrist": ("elbow_l", "wrist_l", "shoulder_l", 1.0),
    "right wrist": ("elbow_r", "wrist_r", "shoulder_r", 1.0),
    "left hip": ("hip_l", "neck", "knee_l", 0.0),
    "right hip": ("hip_r", "neck", "knee_r", 0.0),
    "left ankle": ("knee_l", "ankle_l", "hip_l", 1.0),
    "right ankle": ("knee_r", "ankle_r", "hip_r", 1.0),
    "right trouser pocket": ("hip_r", "knee_r", "ankle_r", 0.35),
}


def placement_imu(
    joints: dict[str, np.ndarray],
    placement: str,
    rate: float,
    rng: np.random.Generator,
    mount: np.ndarray | None = None,
    acc_range: float = 8.0,
    gyro_range: float = 2000.0,
) -> np.ndarray:
    """(N, 6) acc [g] + gyro [deg/s] of an IMU at a named placement."""
    prox, dist, other, along = PLACEMENTS[placement]
    p, d, o = joints[prox], joints[dist], joints[other]
    return segment_imu(p, d, o, p + along * (d - p), rate, rng, mount, acc_range, gyro_range)


def placement_orientation(joints: dict[str, np.ndarray], placement: str, mount: np.ndarray | None = None) -> np.ndarray:
    """(N, 3) azimuth, pitch, roll in degrees of the sensor frame at a placement (phone style)."""
    prox, dist, other, _ = PLACEMENTS[placement]
    p, d, o = joints[prox], joints[dist], joints[other]
    e1 = _unit(d - p)
    e2 = _unit(np.cross(e1, o - p))
    e3 = np.cross(e1, e2)
    rmat = np.stack([e1, e2, e3], axis=2)
    if mount is not None:
        rmat = rmat @ mount
    x, y, z = rmat[..., 0], rmat[..., 1], rmat[..., 2]
    azimuth = np.degrees(np.arctan2(y[:, 0], y[:, 2]))
    pitch = np.degrees(np.arcsin(np.clip(x[:, 1], -1, 1)))
    roll = np.degrees(np.arctan2(y[:, 1], z[:, 1]))
    return np.stack([azimuth, pitch, roll], 1)


def turned(joints: dict[str, np.ndarray], azimuth_deg: float) -> dict[str, np.ndarray]:
    """Joints turned about the vertical axis: what a camera at ``azimuth_deg`` around the subject sees."""
    a = np.radians(azimuth_deg)
    c, s = np.cos(a), np.sin(a)
    rot = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return {k: v @ rot.T for k, v in joints.items()}


def render_view(
    joints: dict[str, np.ndarray],
    subject: Subject,
    chair: bool,
    azimuth_deg: float,
    width: int,
    height: int,
    rng: np.random.Generator,
    background: tuple[int, int, int] | None = None,
) -> np.ndarray:
    """BGR uint8 frames (T, H, W, 3) of one camera."""
    if background is not None:
        subject = replace(subject, background=background)
    return render_frames(turned(joints, azimuth_deg), subject, chair, width, height, rng)


def interp_rows(t_dense: np.ndarray, values: np.ndarray, t_query: np.ndarray) -> np.ndarray:
    """Each column of a dense uniform signal at arbitrary instants (linear)."""
    return np.stack([np.interp(t_query, t_dense, values[:, c]) for c in range(values.shape[1])], 1)
