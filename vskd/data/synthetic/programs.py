"""Motion programs for Berkeley-MHAD's 11 and MMAct's 35 actions, on the UTD-MHAD body simulator.

Each dataset action is either one of the UTD programs (``motion_program``: a punch is front boxing,
a throw is a throw), a sequence of them (Berkeley "sit down then stand up" = stand-to-sit then
sit-to-stand in half the time each), or a small new program written with the same keyframe,
envelope and oscillation tools (jumping, jumping jacks, bending, kicking, drinking, phone calls,
...). The programs return the dictionary ``simulate`` expects (hands, pelvis drop/shift, lean,
ankle offsets, chair flag), so the video and every sensor of a clip come from one motion.

MMAct's locomotion classes (walking, running, entering, exiting, loitering, carrying) are walked
in place with a drift of the pelvis where direction matters (entering: towards the camera,
exiting: away): the simulated camera does not follow people around a station hall.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .motion import REST_L, REST_R, envelope, keyframes, mirror, motion_program

Program = Callable[..., dict]
R, L = REST_R, REST_L

#: nominal clip length (s) per action, before subject speed and trial jitter
BERKELEY_DURATION = {1: 3.0, 2: 3.4, 3: 3.4, 4: 3.2, 5: 3.2, 6: 3.0, 7: 3.0, 8: 2.8, 9: 4.4, 10: 3.0, 11: 3.0}


def _utd(action: int, u: np.ndarray, t: np.ndarray, f: float) -> dict:
    return motion_program(action, u, t, f)


def _base(n: int) -> dict:
    return {
        "rh": np.tile(R, (n, 1)),
        "lh": np.tile(L, (n, 1)),
        "drop": np.zeros(n),
        "pz": np.zeros(n),
        "lean": np.zeros(n),
        "ra": np.zeros((n, 3)),
        "la": np.zeros((n, 3)),
        "chair": False,
    }


def _sequence(u: np.ndarray, t: np.ndarray, f: float, first: int, second: int) -> dict:
    """UTD program ``first`` over the first half of the clip, ``second`` over the rest."""
    a = _utd(first, np.clip(2 * u, 0, 1), t, f)
    b = _utd(second, np.clip(2 * u - 1, 0, 1), t, f)
    late = u >= 0.5
    out = {}
    for k, v in a.items():
        out[k] = v or b[k] if isinstance(v, bool) else np.where(late[:, None] if v.ndim == 2 else late, b[k], v)
    return out


def _osc(t: np.ndarray, hz: float, f: float) -> np.ndarray:
    return 2 * np.pi * hz * f * t


def _jump(u, t, f, hz=1.6, height=0.12, jacks=False) -> dict:
    out = _base(len(u))
    ph = _osc(t, hz, f)
    env = envelope(u, 0.12, 0.88)
    air = np.maximum(0, np.sin(ph)) ** 1.5 * env
    out["drop"] = -height * air + 0.06 * np.maximum(0, -np.sin(ph)) * env  # up in the air, knees bend on landing
    out["ra"][:, 1] = out["la"][:, 1] = height * air
    if jacks:
        open_ = (0.5 - 0.5 * np.cos(ph)) * env
        out["ra"][:, 0] = 0.18 * open_
        out["la"][:, 0] = -0.18 * open_
        up = np.array([0.45, 0.55, 0.02])
        out["rh"] = R + open_[:, None] * (up - R)
        out["lh"] = L + open_[:, None] * (mirror(up) - L)
    return out


def _bend(u, t, f, depth=1.1, reach=(0.25, -0.85, 0.35), hold=(0.3, 0.7)) -> dict:
    out = _base(len(u))
    a, b = hold
    out["lean"] = keyframes(u, [(0, [0] * 3), (a, [depth] * 3), (b, [depth] * 3), (0.95, [0] * 3)])[:, 0]
    out["rh"] = keyframes(u, [(0, R), (a, reach), (b, reach), (0.95, R)])
    out["lh"] = keyframes(u, [(0, L), (a, mirror(reach)), (b, mirror(reach)), (0.95, L)])
    return out


def berkeley_program(action: int, u: np.ndarray, t: np.ndarray, freq_scale: float) -> dict:
    """Berkeley-MHAD action 1..11 (labels of ``classes/berkeley_mhad.txt`` + 1)."""
    f = freq_scale
    if action == 1:  # jumping in place
        return _jump(u, t, f)
    if action == 2:  # jumping jacks
        return _jump(u, t, f, hz=1.2, height=0.08, jacks=True)
    if action == 3:  # bending
        return _bend(u, t, f)
    if action == 4:  # punching
        return _utd(13, u, t, f)
    if action == 5:  # waving two hands
        out = _utd(3, u, t, f)
        out["lh"] = mirror(out["rh"])
        return out
    if action == 6:  # waving one hand
        return _utd(3, u, t, f)
    if action == 7:  # clapping hands
        return _utd(4, u, t, f)
    if action == 8:  # throwing a ball
        return _utd(5, u, t, f)
    if action == 9:  # sit down then stand up
        return _sequence(u, t, f, 25, 24)
    if action == 10:  # sit down
        return _utd(25, u, t, f)
    if action == 11:  # stand up
        return _utd(24, u, t, f)
    raise ValueError(f"no Berkeley-MHAD motion program for action {action}")


# ---- MMAct --------------------------------------------------------------------------------
def _walk(u, t, f, speed=1.0, hands=None, drift=0.0, lean=0.0) -> dict:
    out = _utd(22 if speed > 1.2 else 23, u, t, f * speed)
    if hands is not None:
        rh, lh = hands
        out["rh"] = np.tile(rh, (len(u), 1)) + (out["rh"] - out["rh"].mean(0)) * 0.3
        out["lh"] = np.tile(lh, (len(u), 1)) + (out["lh"] - out["lh"].mean(0)) * 0.3
    out["pz"] = out["pz"] + drift * (u - 0.5)
    out["lean"] = out["lean"] + lean
    return out


def _hand_to(u, target, hold=(0.3, 0.75), left=False) -> dict:
    out = _base(len(u))
    a, b = hold
    key = "lh" if left else "rh"
    rest = L if left else R
    out[key] = keyframes(u, [(0, rest), (a, target), (b, target), (0.95, rest)])
    return out


def _seated(u, t, f, hands=(0.18, -0.25, 0.35), typing=0.0) -> dict:
    out = _base(len(u))
    out["drop"][:] = 0.45
    out["pz"][:] = -0.25
    out["chair"] = True
    out["rh"] = np.tile(hands, (len(u), 1)).astype(float)
    out["lh"] = np.tile(mirror(hands), (len(u), 1))
    if typing:
        out["rh"][:, 1] += typing * np.maximum(0, np.sin(_osc(t, 4.0, f)))
        out["lh"][:, 1] += typing * np.maximum(0, np.sin(_osc(t, 4.0, f) + 2.0))
    return out


def mmact_program(action: int, u: np.ndarray, t: np.ndarray, freq_scale: float) -> dict:
    """MMAct action 1..35 (``classes/mmact.json`` ``folders`` order + 1)."""
    f = freq_scale
    n = len(u)
    box = np.array([0.12, -0.30, 0.30])
    if action == 1:  # carrying
        return _walk(u, t, f, hands=(box, mirror(box)))
    if action == 2:  # carrying_heavy
        return _walk(u, t, f, speed=0.8, hands=(np.array([0.12, -0.45, 0.22]), mirror([0.12, -0.45, 0.22])), lean=-0.12)
    if action == 3:  # carrying_light
        return _walk(u, t, f, hands=(np.array([0.25, -0.62, 0.05]), L))
    if action == 4:  # checking_time: left wrist up in front of the chest
        return _hand_to(u, np.array([-0.05, -0.12, 0.30]), left=True)
    if action == 5:  # closing: a door pushed shut with the right hand
        return _hand_to(u, np.array([0.20, -0.15, 0.55]), hold=(0.45, 0.55))
    if action == 6:  # crouching
        out = _utd(27, u, t, f)
        out["rh"], out["lh"] = np.tile(R, (n, 1)), np.tile(L, (n, 1))
        return out
    if action == 7:  # drinking: right hand to the mouth
        return _hand_to(u, np.array([0.04, 0.16, 0.14]), hold=(0.35, 0.65))
    if action == 8:  # entering: walking towards the camera
        return _walk(u, t, f, drift=0.6)
    if action == 9:  # exiting: walking away
        return _walk(u, t, f, drift=-0.6)
    if action == 10:  # fall
        out = _base(n)
        out["drop"] = keyframes(u, [(0, [0] * 3), (0.35, [0] * 3), (0.55, [0.75] * 3), (1, [0.75] * 3)])[:, 0]
        out["lean"] = keyframes(u, [(0, [0] * 3), (0.35, [0] * 3), (0.6, [1.2] * 3), (1, [1.2] * 3)])[:, 0]
        out["rh"] = keyframes(u, [(0, R), (0.45, [0.35, -0.2, 0.5]), (0.6, [0.3, -0.6, 0.55]), (1, [0.3, -0.6, 0.55])])
        out["lh"] = mirror(out["rh"])
        return out
    if action == 11:  # jumping
        return _jump(u, t, f, hz=1.0, height=0.18)
    if action == 12:  # kicking: right foot forward
        out = _base(n)
        out["ra"] = keyframes(
            u, [(0, [0, 0, 0]), (0.35, [0, 0.1, -0.15]), (0.5, [0, 0.45, 0.5]), (0.62, [0, 0.1, 0.1]), (0.8, [0, 0, 0])]
        )
        out["lean"] = -0.15 * envelope(u, 0.35, 0.65)
        return out
    if action == 13:  # loitering: slow aimless steps
        out = _walk(u, t, f, speed=0.55)
        out["pz"] = out["pz"] + 0.15 * np.sin(_osc(t, 0.25, f))
        return out
    if action == 14:  # looking_around: standing, trunk swaying, a hand shading the eyes
        out = _hand_to(u, np.array([0.10, 0.25, 0.12]), hold=(0.3, 0.7))
        out["lean"] = 0.08 * np.sin(_osc(t, 0.6, f)) * envelope(u, 0.1, 0.9)
        return out
    if action == 15:  # opening: pull a handle towards the body
        out = _base(n)
        out["rh"] = keyframes(u, [(0, R), (0.35, [0.22, -0.15, 0.55]), (0.55, [0.22, -0.15, 0.2]), (0.9, R)])
        return out
    if action == 16:  # picking_up
        return _bend(u, t, f, depth=1.0, reach=(0.25, -0.9, 0.4), hold=(0.35, 0.5))
    if action == 17:  # pocket_in: right hand into the trouser pocket and stays
        out = _base(n)
        out["rh"] = keyframes(u, [(0, R), (0.4, [0.24, -0.80, 0.10]), (1, [0.24, -0.80, 0.10])])
        return out
    if action == 18:  # pocket_out: from the pocket up to the chest
        out = _base(n)
        out["rh"] = keyframes(
            u,
            [
                (0, [0.24, -0.80, 0.10]),
                (0.3, [0.24, -0.80, 0.10]),
                (0.6, [0.15, -0.25, 0.30]),
                (1, [0.15, -0.25, 0.30]),
            ],
        )
        return out
    if action == 19:  # pointing
        return _hand_to(u, np.array([0.35, 0.10, 0.55]))
    if action == 20:  # pulling: both hands forward, then back
        return {
            **_base(n),
            **{
                "rh": keyframes(u, [(0, R), (0.3, [0.12, -0.15, 0.58]), (0.65, [0.12, -0.2, 0.15]), (0.9, R)]),
                "lh": keyframes(
                    u, [(0, L), (0.3, mirror([0.12, -0.15, 0.58])), (0.65, mirror([0.12, -0.2, 0.15])), (0.9, L)]
                ),
                "lean": -0.15 * envelope(u, 0.35, 0.7),
            },
        }
    if action == 21:  # pushing
        return _utd(18, u, t, f)
    if action == 22:  # running
        return _walk(u, t, f, speed=1.35)
    if action == 23:  # setting_down: bend with both hands forward and low
        return _bend(u, t, f, depth=0.8, reach=(0.15, -0.75, 0.45), hold=(0.45, 0.55))
    if action == 24:  # sitting
        return _seated(u, t, f, hands=(0.20, -0.45, 0.25))
    if action == 25:  # sitting_down
        return _utd(25, u, t, f)
    if action == 26:  # standing: still, a slow sway
        out = _base(n)
        out["lean"] = 0.03 * np.sin(_osc(t, 0.3, f))
        return out
    if action == 27:  # standing_up
        return _utd(24, u, t, f)
    if action == 28:  # talking: gestures at chest height
        out = _base(n)
        g = np.array([0.18, -0.25, 0.28])
        out["rh"] = keyframes(u, [(0, R), (0.2, g), (0.85, g), (0.97, R)])
        out["rh"][:, 0] += 0.07 * np.sin(_osc(t, 1.3, f)) * envelope(u, 0.2, 0.85)
        out["rh"][:, 1] += 0.05 * np.sin(_osc(t, 0.9, f)) * envelope(u, 0.2, 0.85)
        return out
    if action == 29:  # talking_on_phone: right hand at the ear
        return _hand_to(u, np.array([0.12, 0.22, 0.02]), hold=(0.25, 0.85))
    if action == 30:  # throwing
        return _utd(5, u, t, f)
    if action == 31:  # transferring_object: both hands carry from the left to the right
        out = _base(n)
        left, right = np.array([-0.25, -0.3, 0.35]), np.array([0.45, -0.3, 0.30])
        out["rh"] = keyframes(u, [(0, R), (0.25, left + [0.12, 0, 0]), (0.7, right), (0.95, R)])
        out["lh"] = keyframes(u, [(0, L), (0.25, left - [0.12, 0, 0]), (0.7, right - [0.24, 0, 0]), (0.95, L)])
        return out
    if action == 32:  # using_pc: seated, typing
        return _seated(u, t, f, hands=(0.16, -0.28, 0.42), typing=0.03)
    if action == 33:  # using_phone: both hands at the chest, thumbs tapping
        out = _base(n)
        ph = np.array([0.06, -0.22, 0.28])
        out["rh"] = keyframes(u, [(0, R), (0.2, ph), (0.9, ph), (1, R)])
        out["lh"] = keyframes(u, [(0, L), (0.2, mirror(ph)), (0.9, mirror(ph)), (1, L)])
        out["rh"][:, 1] += 0.015 * np.sin(_osc(t, 3.0, f)) * envelope(u, 0.2, 0.9)
        out["lean"] = 0.12 * envelope(u, 0.2, 0.9)
        return out
    if action == 34:  # walking
        return _walk(u, t, f)
    if action == 35:  # waving_hand
        return _utd(3, u, t, f)
    raise ValueError(f"no MMAct motion program for action {action}")


#: nominal clip length (s) per MMAct action (trimmed clips are 3-8 s)
MMACT_DURATION = {a: 4.0 for a in range(1, 36)}
MMACT_DURATION.update({10: 3.5, 11: 3.0, 12: 3.0, 13: 6.0, 24: 4.5, 26: 4.0, 32: 5.0})
