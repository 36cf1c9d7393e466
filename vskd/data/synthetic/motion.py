"""Motion programs of the synthetic UTD-MHAD: a 3-D articulated body driven per action class.

Every class is a small parametric program (keyframes of both hands, pelvis height/shift, trunk lean,
ankle lifts, plus periodic components), so the video and the inertial signal of a clip come from
the same motion. World frame: x = subject's right, y = up, z = forward (towards the camera), metres.

Physics, not tuning, makes some classes hard for the wrist sensor alone: a swipe to the left and
to the right, or a clockwise and a counter-clockwise circle, differ mainly by the sign of an
acceleration axis, and a per-axis GASF is invariant to that sign; a baseball swing and a tennis
forehand move the right wrist alike but the left hand differently. Video separates them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GRAVITY = 9.81

# Rest positions of the hands relative to the neck, in the trunk frame (before the subject scale).
REST_R = np.array([0.23, -0.60, 0.06])
REST_L = REST_R * np.array([-1, 1, 1])

#: nominal clip duration (s) per action before subject speed and trial jitter
BASE_DURATION = {
    1: 2.6,
    2: 2.6,
    3: 3.6,
    4: 3.2,
    5: 2.8,
    6: 3.4,
    7: 3.0,
    8: 3.6,
    9: 3.6,
    10: 3.6,
    11: 3.6,
    12: 3.2,
    13: 3.6,
    14: 3.0,
    15: 2.8,
    16: 4.2,
    17: 3.2,
    18: 3.0,
    19: 3.2,
    20: 2.6,
    21: 4.2,
    22: 4.0,
    23: 4.4,
    24: 3.4,
    25: 3.4,
    26: 4.2,
    27: 4.2,
}


@dataclass(frozen=True)
class Subject:
    """Per-subject body and style: limb scale, speed, movement amplitude, appearance."""

    scale: float
    speed: float
    amplitude: float
    shirt: tuple[int, int, int]
    pants: tuple[int, int, int]
    skin: tuple[int, int, int]
    background: tuple[int, int, int]

    @classmethod
    def sample(cls, rng: np.random.Generator) -> Subject:
        def colour(lo: int, hi: int) -> tuple[int, int, int]:
            return tuple(int(v) for v in rng.integers(lo, hi, size=3))

        return cls(
            scale=float(rng.uniform(0.9, 1.1)),
            speed=float(rng.uniform(0.8, 1.25)),
            amplitude=float(rng.uniform(0.85, 1.15)),
            shirt=colour(30, 220),
            pants=colour(20, 120),
            skin=tuple(int(v) for v in np.array([120, 150, 190]) + rng.integers(-30, 30, 3)),
            background=(196, 204, 200),  # one lab wall for everyone, as in the real recordings
        )


def smootherstep(s: np.ndarray) -> np.ndarray:
    """C2-continuous easing (zero velocity and acceleration at both ends)."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * s * (s * (6 * s - 15) + 10)


def keyframes(u: np.ndarray, keys: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """Interpolate 3-vectors between (u_k, p_k) keys with smootherstep easing; constant outside."""
    ks = np.array([k for k, _ in keys])
    ps = np.array([np.asarray(p, float) for _, p in keys])
    idx = np.clip(np.searchsorted(ks, u, side="right") - 1, 0, len(ks) - 2)
    s = (u - ks[idx]) / np.maximum(ks[idx + 1] - ks[idx], 1e-9)
    w = smootherstep(s)[:, None]
    out = ps[idx] + w * (ps[idx + 1] - ps[idx])
    out[u <= ks[0]] = ps[0]
    out[u >= ks[-1]] = ps[-1]
    return out


def envelope(u: np.ndarray, start: float = 0.2, stop: float = 0.8, ramp: float = 0.08) -> np.ndarray:
    """0 -> 1 -> 0 window for periodic components."""
    return smootherstep((u - start) / ramp) * smootherstep((stop - u) / ramp)


def mirror(p) -> np.ndarray:
    return np.asarray(p, float) * np.array([-1.0, 1.0, 1.0])


def motion_program(action: int, u: np.ndarray, t: np.ndarray, freq_scale: float) -> dict:
    """Trunk-frame targets of one action over normalised time ``u`` (and seconds ``t``).

    Returns hands ``rh``/``lh`` (neck-relative, trunk frame), ``drop`` (pelvis lowering, m),
    ``pz`` (pelvis forward shift, m), ``lean`` (trunk pitch, rad), ankle offsets ``ra``/``la``
    (dx, lift, dz) and ``chair``.
    """
    n = len(u)
    zeros = np.zeros(n)
    out = {
        "rh": np.tile(REST_R, (n, 1)),
        "lh": np.tile(REST_L, (n, 1)),
        "drop": zeros.copy(),
        "pz": zeros.copy(),
        "lean": zeros.copy(),
        "ra": np.zeros((n, 3)),
        "la": np.zeros((n, 3)),
        "chair": False,
    }
    R, L = REST_R, REST_L

    def both(keys_r):
        out["rh"] = keyframes(u, keys_r)
        out["lh"] = keyframes(u, [(k, mirror(p)) for k, p in keys_r])

    def osc(f):
        return 2 * np.pi * f * freq_scale * t

    if action == 1:  # right arm swipe to the left
        out["rh"] = keyframes(u, [(0, R), (0.25, [0.50, -0.10, 0.35]), (0.6, [-0.25, -0.10, 0.40]), (0.9, R)])
    elif action == 2:  # right arm swipe to the right
        out["rh"] = keyframes(u, [(0, R), (0.25, [-0.25, -0.10, 0.40]), (0.6, [0.50, -0.10, 0.35]), (0.9, R)])
    elif action == 3:  # right hand wave
        out["rh"] = keyframes(u, [(0, R), (0.2, [0.40, 0.25, 0.10]), (0.8, [0.40, 0.25, 0.10]), (0.95, R)])
        out["rh"][:, 0] += 0.13 * np.sin(osc(2.0)) * envelope(u, 0.2, 0.8)
    elif action == 4:  # two hand front clap
        base = [0.03, -0.25, 0.40]
        both([(0, R), (0.2, base), (0.8, base), (0.95, R)])
        sep = 0.2 * (0.5 - 0.5 * np.cos(osc(1.6))) * envelope(u, 0.2, 0.8)
        out["rh"][:, 0] += sep
        out["lh"][:, 0] -= sep
    elif action == 5:  # right arm throw
        out["rh"] = keyframes(
            u, [(0, R), (0.35, [0.30, 0.25, -0.25]), (0.5, [0.25, 0.05, 0.55]), (0.62, [0.25, -0.35, 0.35]), (0.9, R)]
        )
    elif action == 6:  # cross arms in the chest
        out["rh"] = keyframes(u, [(0, R), (0.3, [-0.12, -0.15, 0.18]), (0.7, [-0.12, -0.15, 0.18]), (0.9, R)])
        out["lh"] = keyframes(u, [(0, L), (0.3, [0.12, -0.12, 0.20]), (0.7, [0.12, -0.12, 0.20]), (0.9, L)])
    elif action == 7:  # basketball shoot
        both(
            [
                (0, R),
                (0.3, [0.08, -0.15, 0.30]),
                (0.5, [0.10, 0.45, 0.25]),
                (0.6, [0.08, 0.35, 0.30]),
                (0.7, [0.08, 0.35, 0.30]),
                (0.9, R),
            ]
        )
    elif action in (8, 9, 10, 11):  # drawing in the air in front of the body
        c = np.array([0.25, -0.07, 0.42])
        h = 0.17
        if action == 8:  # draw x
            out["rh"] = keyframes(
                u,
                [
                    (0, R),
                    (0.2, c + [h, h, 0]),
                    (0.38, c + [-h, -h, 0]),
                    (0.48, c + [-h, h, 0]),
                    (0.66, c + [h, -h, 0]),
                    (0.9, R),
                ],
            )
        elif action == 11:  # triangle
            top, br, bl = c + [0, h, 0], c + [h, -h, 0], c + [-h, -h, 0]
            out["rh"] = keyframes(u, [(0, R), (0.2, top), (0.36, br), (0.52, bl), (0.68, top), (0.9, R)])
        else:  # circles: 1.5 turns, clockwise (9) or counter clockwise (10) seen by the camera
            sign = -1.0 if action == 9 else 1.0
            p = smootherstep((u - 0.2) / 0.55)
            theta = np.pi / 2 + sign * 2 * np.pi * 1.5 * p
            circle = c + h * np.stack([np.cos(theta), np.sin(theta), np.zeros(n)], 1)
            into = keyframes(u, [(0, R), (0.2, c + [0, h, 0])])
            outof = keyframes(u, [(0.75, circle[-1]), (0.92, R)])
            out["rh"] = np.where((u < 0.2)[:, None], into, np.where((u > 0.75)[:, None], outof, circle))
    elif action == 12:  # bowling
        out["rh"] = keyframes(
            u,
            [(0, R), (0.35, [0.25, -0.55, -0.35]), (0.55, [0.25, -0.60, 0.45]), (0.65, [0.25, -0.20, 0.50]), (0.9, R)],
        )
        out["lean"] = keyframes(u, [(0, [0] * 3), (0.35, [0.35] * 3), (0.6, [0.35] * 3), (0.9, [0] * 3)])[:, 0]
    elif action == 13:  # front boxing: alternating punches
        guard_r, guard_l = np.array([0.15, -0.20, 0.15]), np.array([-0.15, -0.20, 0.15])
        out["rh"] = keyframes(u, [(0, R), (0.15, guard_r), (0.85, guard_r), (0.97, R)])
        out["lh"] = keyframes(u, [(0, L), (0.15, guard_l), (0.85, guard_l), (0.97, L)])
        ph = osc(1.2)
        env = envelope(u, 0.15, 0.85)
        out["rh"][:, 2] += 0.38 * np.maximum(0, np.sin(ph)) ** 2 * env
        out["lh"][:, 2] += 0.38 * np.maximum(0, np.sin(ph + np.pi)) ** 2 * env
    elif action == 14:  # baseball swing from right: both hands on the bat
        out["rh"] = keyframes(
            u, [(0, R), (0.3, [0.30, 0.0, 0.05]), (0.45, [0.0, -0.15, 0.50]), (0.55, [-0.35, 0.0, 0.10]), (0.9, R)]
        )
        grip = out["rh"] + np.array([-0.05, -0.03, 0])
        w = keyframes(u, [(0, [0] * 3), (0.25, [1] * 3), (0.6, [1] * 3), (0.9, [0] * 3)])
        out["lh"] = w * grip + (1 - w) * L
    elif action == 15:  # tennis right hand forehand swing
        out["rh"] = keyframes(
            u, [(0, R), (0.3, [0.55, -0.25, -0.15]), (0.47, [0.20, -0.20, 0.55]), (0.58, [-0.30, 0.0, 0.30]), (0.9, R)]
        )
    elif action == 16:  # arm curl (two arms)
        low, high = np.array([0.23, -0.55, 0.15]), np.array([0.23, -0.05, 0.20])
        both([(0, R), (0.15, low), (0.85, low), (0.97, R)])
        lift = (0.5 - 0.5 * np.cos(osc(0.9))) * envelope(u, 0.15, 0.85)
        for key, sgn in (("rh", 1.0), ("lh", -1.0)):
            out[key] = out[key] + lift[:, None] * ((high - low) * [sgn, 1, 1])
    elif action == 17:  # tennis serve
        out["rh"] = keyframes(
            u, [(0, R), (0.3, [0.25, 0.35, -0.10]), (0.45, [0.20, 0.55, 0.20]), (0.6, [0.0, -0.40, 0.30]), (0.9, R)]
        )
        out["lh"] = keyframes(u, [(0, L), (0.25, [-0.10, 0.40, 0.25]), (0.45, L)])
    elif action == 18:  # two hand push
        both([(0, R), (0.25, [0.12, -0.20, 0.15]), (0.5, [0.12, -0.15, 0.58]), (0.6, [0.12, -0.15, 0.58]), (0.9, R)])
    elif action == 19:  # right hand knock on door
        out["rh"] = keyframes(u, [(0, R), (0.2, [0.20, 0.05, 0.40]), (0.8, [0.20, 0.05, 0.40]), (0.95, R)])
        out["rh"][:, 2] += 0.06 * np.sin(osc(3.5)) * envelope(u, 0.2, 0.8)
    elif action == 20:  # right hand catch an object
        out["rh"] = keyframes(
            u, [(0, R), (0.35, [0.30, 0.10, 0.55]), (0.5, [0.25, -0.15, 0.25]), (0.7, [0.25, -0.15, 0.25]), (0.9, R)]
        )
    elif action == 21:  # right hand pick up and throw
        out["rh"] = keyframes(
            u, [(0, R), (0.3, [0.25, -0.85, 0.45]), (0.55, [0.30, 0.25, -0.25]), (0.65, [0.25, 0.05, 0.55]), (0.9, R)]
        )
        out["lean"] = keyframes(u, [(0, [0] * 3), (0.3, [0.8] * 3), (0.45, [0] * 3)])[:, 0]
        out["drop"] = keyframes(u, [(0, [0] * 3), (0.3, [0.15] * 3), (0.45, [0] * 3)])[:, 0]
    elif action in (22, 23):  # jogging / walking in place
        f, lift, bounce, swing = (2.6, 0.25, 0.03, 0.15) if action == 22 else (1.7, 0.12, 0.01, 0.10)
        ph = osc(f)
        env = envelope(u, 0.1, 0.9)
        out["ra"][:, 1] = lift * np.maximum(0, np.sin(ph)) * env
        out["la"][:, 1] = lift * np.maximum(0, np.sin(ph + np.pi)) * env
        out["ra"][:, 2] = 0.4 * out["ra"][:, 1]
        out["la"][:, 2] = 0.4 * out["la"][:, 1]
        out["drop"] = -bounce * np.abs(np.sin(ph)) * env
        bent = np.array([0.20, -0.35, 0.20]) if action == 22 else R
        out["rh"] = np.tile(bent, (n, 1))
        out["lh"] = np.tile(mirror(bent), (n, 1))
        out["rh"][:, 2] += swing * np.sin(ph + np.pi) * env
        out["lh"][:, 2] += swing * np.sin(ph) * env
    elif action in (24, 25):  # sit to stand / stand to sit
        seated = (0.45, -0.25, 0.45)
        standing = (0.0, 0.0, 0.0)
        a, b = (seated, standing) if action == 24 else (standing, seated)
        drop = keyframes(u, [(0, [a[0]] * 3), (0.3, [a[0]] * 3), (0.65, [b[0]] * 3), (1, [b[0]] * 3)])
        pz = keyframes(u, [(0, [a[1]] * 3), (0.3, [a[1]] * 3), (0.65, [b[1]] * 3), (1, [b[1]] * 3)])
        out["drop"], out["pz"] = drop[:, 0], pz[:, 0]
        out["lean"] = 0.5 * np.sin(np.pi * np.clip((u - 0.3) / 0.35, 0, 1))
        out["chair"] = True
        rest_seated = np.array([0.23, -0.45, 0.25])
        w = drop[:, :1] / 0.45
        out["rh"] = w * rest_seated + (1 - w) * R
        out["lh"] = w * mirror(rest_seated) + (1 - w) * L
    elif action == 26:  # forward lunge, left foot forward
        out["la"] = keyframes(
            u,
            [
                (0, [0, 0, 0]),
                (0.2, [0, 0.1, 0.3]),
                (0.3, [0, 0, 0.55]),
                (0.65, [0, 0, 0.55]),
                (0.75, [0, 0.1, 0.3]),
                (0.85, [0, 0, 0]),
            ],
        )
        out["drop"] = keyframes(
            u, [(0, [0] * 3), (0.3, [0] * 3), (0.45, [0.3] * 3), (0.6, [0.3] * 3), (0.75, [0] * 3)]
        )[:, 0]
        out["pz"] = keyframes(u, [(0, [0] * 3), (0.3, [0.2] * 3), (0.65, [0.2] * 3), (0.85, [0] * 3)])[:, 0]
    elif action == 27:  # squat, two arms stretched out
        out["drop"] = keyframes(
            u, [(0, [0] * 3), (0.25, [0] * 3), (0.45, [0.4] * 3), (0.6, [0.4] * 3), (0.8, [0] * 3)]
        )[:, 0]
        out["pz"] = -0.4 * out["drop"]
        out["lean"] = 0.75 * out["drop"]
        both([(0, R), (0.3, [0.15, -0.05, 0.58]), (0.7, [0.15, -0.05, 0.58]), (0.9, R)])
    else:
        raise ValueError(f"no motion program for action {action}")
    return out


def _rot_x(angle: np.ndarray) -> np.ndarray:
    """Rotation matrices about x (pitch forward for positive angles: +y turns into +z)."""
    c, s = np.cos(angle), np.sin(angle)
    r = np.zeros((len(angle), 3, 3))
    r[:, 0, 0] = 1
    r[:, 1, 1], r[:, 1, 2] = c, -s
    r[:, 2, 1], r[:, 2, 2] = s, c
    return r


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def two_link_ik(
    root: np.ndarray, target: np.ndarray, l1: float, l2: float, pole: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Middle joint and reachable end point of a two-segment limb; bends towards ``pole``.

    The reach is capped at 97% so the limb never straightens fully: the sensor frame built from
    the two segments then stays well defined.
    """
    d_vec = target - root
    d = np.linalg.norm(d_vec, axis=-1, keepdims=True)
    d_c = np.clip(d, abs(l1 - l2) + 1e-3, 0.97 * (l1 + l2))
    n = _unit(d_vec)
    end = root + n * d_c
    a = (l1**2 - l2**2 + d_c**2) / (2 * d_c)
    h = np.sqrt(np.maximum(l1**2 - a**2, 0))
    b = _unit(pole - (pole * n).sum(-1, keepdims=True) * n)
    return root + a * n + h * b, end


def simulate(
    action: int, duration: float, rate: float, subject: Subject, rng: np.random.Generator, program=None
) -> tuple[np.ndarray, dict[str, np.ndarray], bool]:
    """Joint trajectories sampled at ``rate`` Hz over ``duration`` s.

    Returns (times, joints name -> (T, 3) world positions, chair flag). Trial variability (onset,
    amplitude, a slow hand tremor) comes from ``rng``; call with the same rng state for video and
    sensor sampling of one clip. ``program`` (default ``motion_program``, UTD-MHAD's actions) maps
    (action, u, t, freq_scale) to the targets, so other datasets drive the same body with their
    own action lists (``vskd/data/synthetic_programs.py``).
    """
    n = int(round(duration * rate))
    t = np.arange(n) / rate
    onset = rng.uniform(0.0, 0.08)
    span = rng.uniform(0.92, 1.0) - onset
    u = np.clip((t / duration - onset) / span, 0, 1)
    warp = rng.uniform(-0.25, 0.25)  # monotonic time warp: people speed up and slow down
    u = u + warp * np.sin(np.pi * u) / np.pi
    amp = subject.amplitude * rng.uniform(0.93, 1.07)
    k = subject.scale
    prog = (program or motion_program)(action, u, t, freq_scale=subject.speed * rng.uniform(0.92, 1.08))

    # slow, smooth per-trial deviation of both hands from the program (about 2 cm): nobody
    # repeats a movement exactly
    tremor = []
    for _ in range(2):
        ph = rng.uniform(0, 2 * np.pi, 3)
        fr = rng.uniform(0.3, 1.2, 3)
        tremor.append(0.02 * np.sin(2 * np.pi * fr[None] * t[:, None] + ph[None]))

    pelvis_h = 0.98 * k
    pelvis = np.stack([np.zeros(n), pelvis_h - prog["drop"] * k, prog["pz"] * k], 1)
    rot = _rot_x(prog["lean"])

    def trunk(offset: np.ndarray) -> np.ndarray:
        """Trunk-frame offset from the pelvis -> world position."""
        return pelvis + np.einsum("tij,tj->ti", rot, np.broadcast_to(offset, (n, 3)))

    neck_off = np.array([0, 0.50 * k, 0])
    neck = trunk(neck_off)
    head = trunk(neck_off + [0, 0.22 * k, 0])
    sh_r = trunk(neck_off + np.array([0.19, -0.03, 0]) * k)
    sh_l = trunk(neck_off + np.array([-0.19, -0.03, 0]) * k)

    def hand(target_trunk: np.ndarray, rest: np.ndarray) -> np.ndarray:
        offset = rest + amp * (target_trunk - rest)
        return trunk(neck_off + offset * k)

    rh_t = hand(prog["rh"], REST_R) + tremor[0]
    lh_t = hand(prog["lh"], REST_L) + tremor[1]
    l1, l2 = 0.30 * k, 0.28 * k
    el_r, wr_r = two_link_ik(sh_r, rh_t, l1, l2, np.array([0.5, -0.6, -0.4]))
    el_l, wr_l = two_link_ik(sh_l, lh_t, l1, l2, np.array([-0.5, -0.6, -0.4]))

    hip_r = pelvis + np.array([0.1 * k, 0, 0])
    hip_l = pelvis + np.array([-0.1 * k, 0, 0])
    lt, ls = 0.48 * k, 0.48 * k
    ank_r_t = np.array([0.1 * k, 0.06, 0.02]) + prog["ra"] * [k, 1, k]
    ank_l_t = np.array([-0.1 * k, 0.06, 0.02]) + prog["la"] * [k, 1, k]
    kn_r, an_r = two_link_ik(hip_r, ank_r_t, lt, ls, np.array([0.1, 0, 1.0]))
    kn_l, an_l = two_link_ik(hip_l, ank_l_t, lt, ls, np.array([-0.1, 0, 1.0]))

    joints = {
        "pelvis": pelvis,
        "neck": neck,
        "head": head,
        "shoulder_r": sh_r,
        "elbow_r": el_r,
        "wrist_r": wr_r,
        "shoulder_l": sh_l,
        "elbow_l": el_l,
        "wrist_l": wr_l,
        "hip_r": hip_r,
        "knee_r": kn_r,
        "ankle_r": an_r,
        "hip_l": hip_l,
        "knee_l": kn_l,
        "ankle_l": an_l,
    }
    return t, joints, bool(prog["chair"])


def rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    """Rotation matrix about ``axis`` by ``angle`` radians (Rodrigues)."""
    k = _unit(np.asarray(axis, float))
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(angle) * kx + (1 - np.cos(angle)) * kx @ kx


def mounting(rng: np.random.Generator, degrees: tuple[float, float]) -> np.ndarray:
    """A random sensor mounting rotation of ``degrees`` (min, max) about a random axis."""
    return rotation(rng.normal(size=3), np.radians(rng.uniform(*degrees)))


def imu_signal(
    action: int, joints: dict[str, np.ndarray], rate: float, rng: np.random.Generator, mount: np.ndarray | None = None
) -> np.ndarray:
    """What a 6-axis IMU on the right wrist (actions 1-21) or right thigh (22-27) measures.

    Acceleration including gravity in the sensor frame [g], angular velocity [deg/s], with white
    noise, strap wobble (band-limited acceleration noise), a small per-trial bias and the real
    sensor's +-8 g / +-1000 deg/s range. ``mount`` rotates the sensor on the limb (a strap is
    never worn twice the same way); the camera does not see it.
    """
    if action >= 22:
        prox, dist, other = joints["hip_r"], joints["knee_r"], joints["ankle_r"]
        pos = 0.5 * (prox + dist)
    else:
        prox, dist, other = joints["elbow_r"], joints["wrist_r"], joints["shoulder_r"]
        pos = dist
    return segment_imu(prox, dist, other, pos, rate, rng, mount)


def segment_imu(
    prox: np.ndarray,
    dist: np.ndarray,
    other: np.ndarray,
    pos: np.ndarray,
    rate: float,
    rng: np.random.Generator,
    mount: np.ndarray | None = None,
    acc_range: float = 8.0,
    gyro_range: float = 1000.0,
) -> np.ndarray:
    """A 6-axis IMU strapped to the limb segment ``prox`` -> ``dist`` at ``pos`` (N x 6: g, deg/s).

    The sensor frame follows the segment (x along it, y normal to the plane with ``other``);
    noise, strap wobble and bias as in ``imu_signal``, clipped to +-``acc_range`` g and
    +-``gyro_range`` deg/s. Any placement (wrist, hip, ankle, trouser pocket) is a segment.
    """
    dt = 1.0 / rate
    e1 = _unit(dist - prox)  # along the segment
    e2 = _unit(np.cross(e1, other - prox))  # normal of the limb plane
    e3 = np.cross(e1, e2)
    rmat = np.stack([e1, e2, e3], axis=2)  # columns: sensor axes in world coordinates
    if mount is not None:
        rmat = rmat @ mount
    acc_world = np.gradient(np.gradient(pos, dt, axis=0), dt, axis=0)
    specific = acc_world + np.array([0.0, GRAVITY, 0.0])
    acc = np.einsum("tji,tj->ti", rmat, specific) / GRAVITY
    rdot = np.gradient(rmat, dt, axis=0)
    w = np.einsum("tij,tkj->tik", rdot, rmat)  # Rdot R^T = [omega]_x
    omega_world = 0.5 * np.stack([w[:, 2, 1] - w[:, 1, 2], w[:, 0, 2] - w[:, 2, 0], w[:, 1, 0] - w[:, 0, 1]], 1)
    gyro = np.degrees(np.einsum("tji,tj->ti", rmat, omega_world))
    wobble = rng.normal(0, 1, (len(acc) + 8, 3))
    wobble = np.stack([np.convolve(wobble[:, i], np.hanning(9) / np.hanning(9).sum(), "valid") for i in range(3)], 1)[
        : len(acc)
    ]
    acc = acc + rng.normal(0, 0.015, 3) + rng.normal(0, 0.02, acc.shape) + 0.12 * wobble
    gyro = gyro + rng.normal(0, 1.0, 3) + rng.normal(0, 2.0, gyro.shape)
    return np.concatenate([np.clip(acc, -acc_range, acc_range), np.clip(gyro, -gyro_range, gyro_range)], axis=1)
