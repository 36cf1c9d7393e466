"""TSN-style segment sampling (Wang et al. 2016), as used by TRN and mmaction2's SampleFrames.

The clip is cut into ``n`` equal segments; training takes a random frame inside each segment,
testing the centre frame of each. Clips shorter than ``n`` frames repeat frames in order.
"""

from __future__ import annotations

import numpy as np

#: TSN's multi-scale crop sizes relative to the shorter side
DEFAULT_CROP_SCALES = (1.0, 0.875, 0.75)


def segment_indices(
    num_frames: int, num_segments: int, train: bool, rng: np.random.Generator | None = None
) -> np.ndarray:
    if num_frames <= 0:
        raise ValueError("a clip needs at least one frame")
    edges = np.linspace(0, num_frames, num_segments + 1)
    if train:
        if rng is None:
            raise ValueError("training sampling needs a random generator")
        pos = edges[:-1] + rng.uniform(0, 1, num_segments) * (edges[1:] - edges[:-1])
    else:
        pos = (edges[:-1] + edges[1:]) / 2
    return np.minimum(np.floor(pos).astype(np.int64), num_frames - 1)


#: TSN/TRN's test view: the centre 224 x 224 crop of frames whose short side is 256
TSN_TEST_CROP_SCALE = 224 / 256


def crop_box(
    height: int,
    width: int,
    crop_h: int,
    crop_w: int,
    train: bool,
    rng: np.random.Generator | None = None,
    scales: tuple[float, ...] = DEFAULT_CROP_SCALES,
    test_scale: float = 1.0,
) -> tuple[int, int, int, int]:
    """(top, left, h, w) of a crop: multi-scale random corner-free crop (train) or centre (test).

    Sizes are relative to the largest box of the crop's aspect ratio that fits the frame (the
    short side for a square crop). Training draws the scale from ``scales``; the test view is the
    centre box at ``test_scale``: 1.0 is the whole short side, TSN's test view (centre 224 crop of
    the short-side-256 frame) is ``TSN_TEST_CROP_SCALE`` = 0.875. The box keeps the aspect ratio of
    the target crop; nothing is ever flipped, since UTD-MHAD has left/right-specific classes
    (a mirrored 'swipe to the left' is a 'swipe to the right').
    """
    if not 0 < test_scale <= 1:
        raise ValueError(f"test crop scale must be in (0, 1], not {test_scale}")
    base = min(height / crop_h, width / crop_w)
    scale = rng.choice(scales) if train else test_scale
    h = max(1, int(round(crop_h * base * scale)))
    w = max(1, int(round(crop_w * base * scale)))
    if train:
        top = int(rng.integers(0, height - h + 1))
        left = int(rng.integers(0, width - w + 1))
    else:
        top, left = (height - h) // 2, (width - w) // 2
    return top, left, h, w
