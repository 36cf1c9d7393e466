"""Readers for the raw UTD-MHAD files, with errors that name the file and what is wrong."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


class DataFileError(ValueError):
    """A raw data file is missing, unreadable or has the wrong content."""


#: most values a recording file may declare before it is inflated (a compressed .mat of under a MB
#: can declare gigabytes); far above any real recording (UTD-MHAD: at most 326 x 6)
MAX_FILE_VALUES = 6_000_000


def read_inertial(path: str | Path) -> np.ndarray:
    """Read ``d_iner`` (N x 6 float64: acc xyz in g, gyro xyz in deg/s) from a UTD-MHAD .mat."""
    import scipy.io  # here, not at module level: a training job's start-up never reads a .mat

    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: inertial file does not exist")
    try:
        declared = {name: shape for name, shape, _ in scipy.io.whosmat(path)}  # header only: nothing inflated
        values = int(np.prod(declared.get("d_iner", (0,))))
        if values > MAX_FILE_VALUES:
            raise DataFileError(
                f"{path}: 'd_iner' declares {declared['d_iner']} values, more than any recording "
                f"({MAX_FILE_VALUES}); not loaded"
            )
        mat = scipy.io.loadmat(path)
    except DataFileError:
        raise
    except Exception as exc:  # scipy raises several types for corrupt files
        raise DataFileError(f"{path}: not a readable MATLAB file ({exc})") from None
    if "d_iner" not in mat:
        keys = sorted(k for k in mat if not k.startswith("__"))
        raise DataFileError(f"{path}: no variable 'd_iner' (found {keys})")
    data = np.asarray(mat["d_iner"], dtype=np.float64)
    if data.ndim != 2 or data.shape[1] != 6 or data.shape[0] < 2:
        raise DataFileError(f"{path}: 'd_iner' has shape {data.shape}, expected (N>=2, 6)")
    if not np.isfinite(data).all():
        raise DataFileError(f"{path}: 'd_iner' holds NaN or infinite values")
    return data


def video_frame_count(path: str | Path) -> int:
    """Frame count from the container header (cheap; the frames stage checks it by decoding)."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: video file does not exist")
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise DataFileError(f"{path}: OpenCV cannot open this video")
        return int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        cap.release()


def read_video(path: str | Path, size: tuple[int, int] | None = None, expected_frames: int | None = None) -> np.ndarray:
    """Decode all frames as RGB uint8 (T, H, W, 3), optionally resized to ``size`` = (width, height).

    Raises DataFileError when the file cannot be opened, decodes no frame, or decodes fewer frames
    than its header announced (a truncated file).
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: video file does not exist")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise DataFileError(f"{path}: OpenCV cannot open this video")
    header = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    frames = []
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            if size is not None and (bgr.shape[1], bgr.shape[0]) != tuple(size):
                bgr = cv2.resize(bgr, tuple(size), interpolation=cv2.INTER_AREA)
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    finally:
        cap.release()
    if not frames:
        raise DataFileError(f"{path}: no frame could be decoded (empty or corrupt video)")
    want = expected_frames if expected_frames is not None else header
    if want > 0 and len(frames) < want:
        raise DataFileError(f"{path}: truncated video: decoded {len(frames)} frames, header announces {want}")
    return np.stack(frames)
