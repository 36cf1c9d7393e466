"""UTD-MHAD facts: clip ids, file names, sensor placement and evaluation protocols.

Clip ids are ``a{action}_s{subject}_t{trial}`` without zero padding, as in the official files; they
must be parsed, never sorted lexically (``a10_...`` sorts before ``a1_...``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: actions a1..a27 (their names: the adapter's class file, adapters/classes/utd_mhad.txt)
NUM_CLASSES = 27
NUM_SUBJECTS = 8
NUM_TRIALS = 4
#: recordings absent from the official dataset (in every modality)
MISSING_CLIPS: frozenset[str] = frozenset({"a8_s1_t4", "a23_s6_t4", "a27_s8_t4"})
#: actions whose sensor was worn on the right thigh; all others on the right wrist
THIGH_ACTIONS = frozenset(range(22, 28))
INERTIAL_RATE_HZ = 50.0
VIDEO_FPS = 15.0
PROTOCOLS = ("trial", "cross_subject")

_CLIP_RE = re.compile(r"a(\d+)_s(\d+)_t(\d+)")
_FILE_RE = re.compile(r"^a(\d+)_s(\d+)_t(\d+)_(color\.avi|inertial\.mat)$")


@dataclass(frozen=True, order=True)
class ClipId:
    action: int
    subject: int
    trial: int

    def __str__(self) -> str:
        return f"a{self.action}_s{self.subject}_t{self.trial}"

    @property
    def label(self) -> int:
        """0-based class index (action - 1), the convention of the published lists."""
        return self.action - 1

    @classmethod
    def parse(cls, text: str) -> ClipId:
        """Parse an id out of a clip id, a file name or a list path (``E:\\...\\a1_s1_t1_color``)."""
        matches = _CLIP_RE.findall(text.replace("\\", "/").rsplit("/", 1)[-1])
        if not matches:
            raise ValueError(f"no UTD-MHAD clip id (a<action>_s<subject>_t<trial>) in {text!r}")
        a, s, t = (int(x) for x in matches[0])
        if not (1 <= a <= NUM_CLASSES and 1 <= s <= NUM_SUBJECTS and 1 <= t <= NUM_TRIALS):
            raise ValueError(f"clip id out of range in {text!r}")
        return cls(a, s, t)


def parse_file_name(name: str) -> tuple[ClipId, str] | None:
    """``a1_s1_t1_color.avi`` -> (ClipId, 'video'); ``..._inertial.mat`` -> 'inertial'; else None."""
    m = _FILE_RE.match(name)
    if not m:
        return None
    a, s, t, tail = m.groups()
    return ClipId(int(a), int(s), int(t)), ("video" if tail == "color.avi" else "inertial")


def video_name(clip: ClipId) -> str:
    return f"{clip}_color.avi"


def inertial_name(clip: ClipId) -> str:
    return f"{clip}_inertial.mat"


def all_clip_ids(subjects: int = NUM_SUBJECTS, trials: int = NUM_TRIALS, drop_missing: bool = True) -> list[ClipId]:
    """Every clip of the dataset design in (action, subject, trial) order."""
    out = [
        ClipId(a, s, t) for a in range(1, NUM_CLASSES + 1) for s in range(1, subjects + 1) for t in range(1, trials + 1)
    ]
    return [c for c in out if not (drop_missing and str(c) in MISSING_CLIPS)]


def subset_of(clip: ClipId, protocol: str) -> str:
    """'train' or 'test' for a clip under a protocol.

    trial: trials 1-2 train, 3-4 test (VSKD's subject-specific lists);
    cross_subject: odd subjects train, even subjects test (the dataset paper's protocol).
    """
    if protocol == "trial":
        return "train" if clip.trial <= 2 else "test"
    if protocol == "cross_subject":
        return "train" if clip.subject % 2 == 1 else "test"
    raise ValueError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
