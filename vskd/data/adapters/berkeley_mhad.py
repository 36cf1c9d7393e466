"""Berkeley-MHAD (Ofli et al., WACV 2013): 11 actions x 12 subjects x 5 repetitions.

Files (official layout, as the dataset's MATLAB sample code and SAKDN read them):

- ``Accelerometer/ShimmerHH/acc_hHH_sSS_aAA_rRR.txt``: no header, ``ax ay az unix_time_s``, g, +-2 g,
  ~30 Hz nominal but irregular (Bluetooth bursts: 9-120 Hz apparent, gaps up to 1.2 s), 1-2-sample
  spikes up to 60 g in 16 files. Six sensors; placement inferred from the signals (no mapping
  document exists): h01 left wrist, h02 right wrist, h03/h04 hips, h05/h06 ankles.
- ``Camera/ClusterCC/CamKK/SSS/AAA/RRR/img_lCC_cKK_sSS_aAA_rRR_FFFFF.pgm``: 640x480 8-bit
  Bayer-mosaiced frames, ~22 fps; 12 cameras in 4 clusters. The official sample code calls
  MATLAB ``demosaic(I, 'grbg')`` (rows G R / B G), which is OpenCV's ``COLOR_BayerGB2RGB`` (OpenCV
  names the pattern by the second row's 2nd/3rd pixels) - checked on a known mosaic in the tests.
- ``time_stamps_img_sSS_aAA_rRR.txt``: ``frame_index unix_time_s`` per camera frame, same clock as
  the accelerometers.

Clip id ``sSS_aAA_rRR`` (the files' own spelling); cameras ``clusterCC_camKK``. Protocol
``cross_subject``: S01-S07 train, S08-S12 test (SAKDN's lists, the paper's 7/5 split).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..readers import DataFileError
from .base import DatasetAdapter, FileRef, Recording, SensorSpec, path_parts, read_numeric_text
from .registry import load_class_names, register_adapter

NUM_ACTIONS, NUM_SUBJECTS, NUM_REPETITIONS = 11, 12, 5
TRAIN_SUBJECTS = frozenset(range(1, 8))
ACC_CHANNELS = ("acc_x", "acc_y", "acc_z")
ACC_RATE_HZ = 30.0
VIDEO_FPS = 22.0
FRAME_SHAPE = (480, 640)
#: cluster -> number of cameras
CLUSTERS = {1: 4, 2: 4, 3: 2, 4: 2}
CAMERAS = tuple(f"cluster{c:02d}_cam{k:02d}" for c, n in CLUSTERS.items() for k in range(1, n + 1))
PLACEMENTS = {1: "left wrist", 2: "right wrist", 3: "hip", 4: "hip", 5: "ankle", 6: "ankle"}
SENSORS = {
    f"shimmer{h:02d}": SensorSpec(
        f"shimmer{h:02d}", ACC_CHANNELS, ACC_RATE_HZ, "g", PLACEMENTS[h] + " (inferred)", despike=True
    )
    for h in range(1, 7)
}
#: absent from every modality of the release
MISSING_CLIPS = frozenset({"s04_a08_r05"})
#: absent from clusters 03-04 only (present for clusters 01-02)
MISSING_CLUSTER34 = frozenset({"s05_a02_r05", "s10_a08_r05"})
#: absent from the accelerometer copy in ../shared (the camera data has it)
MISSING_ACCELEROMETER = frozenset({"s02_a07_r05"})
#: OpenCV code for MATLAB's ``demosaic(I, 'grbg')``
DEMOSAIC = cv2.COLOR_BayerGB2RGB

_ID_RE = re.compile(r"s(\d+)_a(\d+)_r(\d+)", re.IGNORECASE)
_ACC_RE = re.compile(r"^acc_h(\d+)_s(\d+)_a(\d+)_r(\d+)\.txt$", re.IGNORECASE)
_IMG_RE = re.compile(r"^img_l(\d+)_c(\d+)_s(\d+)_a(\d+)_r(\d+)_(\d+)\.pgm$", re.IGNORECASE)
_TS_RE = re.compile(r"^time_stamps_img_s(\d+)_a(\d+)_r(\d+)\.txt$", re.IGNORECASE)


def camera_name(cluster: int, cam: int) -> str:
    return f"cluster{cluster:02d}_cam{cam:02d}"


def parse_camera(name: str) -> tuple[int, int]:
    m = re.fullmatch(r"cluster(\d+)_cam(\d+)", name)
    if not m or name not in CAMERAS:
        raise ValueError(f"unknown Berkeley-MHAD camera {name!r}; known: {CAMERAS}")
    return int(m.group(1)), int(m.group(2))


def mosaic_grbg(rgb: np.ndarray) -> np.ndarray:
    """The single-chip sensor image of an RGB frame: rows G R G R ... / B G B G ... (MATLAB 'grbg')."""
    raw = np.empty(rgb.shape[:2], np.uint8)
    raw[0::2, 0::2] = rgb[0::2, 0::2, 1]
    raw[0::2, 1::2] = rgb[0::2, 1::2, 0]
    raw[1::2, 0::2] = rgb[1::2, 0::2, 2]
    raw[1::2, 1::2] = rgb[1::2, 1::2, 1]
    return raw


def demosaic(raw: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) of a 'grbg' Bayer frame, as the official MATLAB sample code."""
    return cv2.cvtColor(raw, DEMOSAIC)


class BerkeleyMhadAdapter(DatasetAdapter):
    def __init__(self) -> None:
        super().__init__(
            kind="berkeley_mhad",
            title="Berkeley-MHAD",
            class_names=load_class_names("berkeley_mhad"),
            sensors=SENSORS,
            cameras=CAMERAS,
            protocols=("cross_subject",),
            default_sensors=("shimmer02",),
            default_camera="cluster01_cam01",
            video_fps=VIDEO_FPS,
            attributes=("repetition",),
            example_clip="s01_a01_r01",
        )

    # ---- ids -------------------------------------------------------------------------------
    def parse_clip_id(self, text: str) -> dict[str, Any]:
        parts = path_parts(text)
        m = _ID_RE.search(parts[-1]) if parts else None
        if m:
            s, a, r = (int(x) for x in m.groups())
        elif len(parts) >= 3 and all(re.fullmatch(p + r"\d+", x, re.IGNORECASE) for p, x in zip("SAR", parts[-3:])):
            s, a, r = (int(x[1:]) for x in parts[-3:])  # ...\S01\A01\R01 (camera folders)
        else:
            raise ValueError(f"no Berkeley-MHAD clip id (sSS_aAA_rRR or S/A/R folders) in {text!r}")
        if not (1 <= a <= NUM_ACTIONS and 1 <= s <= NUM_SUBJECTS and 1 <= r <= NUM_REPETITIONS):
            raise ValueError(f"Berkeley-MHAD clip id out of range in {text!r}")
        return {"action": a, "subject": s, "repetition": r}

    def format_clip_id(self, fields: Mapping[str, Any]) -> str:
        return f"s{int(fields['subject']):02d}_a{int(fields['action']):02d}_r{int(fields['repetition']):02d}"

    def design_clips(
        self,
        subjects: Iterable[int] = range(1, NUM_SUBJECTS + 1),
        repetitions: Iterable[int] = range(1, NUM_REPETITIONS + 1),
    ) -> list[str]:
        """Every clip of the design that exists in the release, in (action, subject, rep) order."""
        return [
            c
            for a in range(1, NUM_ACTIONS + 1)
            for s in subjects
            for r in repetitions
            if (c := self.format_clip_id({"action": a, "subject": s, "repetition": r})) not in MISSING_CLIPS
        ]

    def has_camera(self, clip_id: str, camera: str) -> bool:
        """Whether the release has this camera's frames for the clip (two clips lack clusters 3-4)."""
        cluster, _ = parse_camera(camera)
        return clip_id not in MISSING_CLIPS and not (cluster >= 3 and clip_id in MISSING_CLUSTER34)

    # ---- files -----------------------------------------------------------------------------
    def iter_candidates(self, root: Path) -> Iterable[Path]:
        """Sensor files, and each camera frame folder once (a real clip has hundreds of frames)."""
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            frames = False
            for name in sorted(filenames):
                if _ACC_RE.match(name):
                    yield Path(dirpath) / name
                elif not frames and _IMG_RE.match(name):
                    frames = True
            if frames:
                yield Path(dirpath)

    def parse_file(self, path: Path) -> FileRef | None:
        path = Path(path)
        m = _ACC_RE.match(path.name)
        if m:
            h, s, a, r = (int(x) for x in m.groups())
            sensor = f"shimmer{h:02d}"
            if sensor not in SENSORS:
                return None
            return FileRef(self.format_clip_id({"action": a, "subject": s, "repetition": r}), "sensor", sensor)
        parts = path.parts
        if len(parts) >= 5:
            cl, cam = (
                re.fullmatch(r"Cluster(\d+)", parts[-5], re.IGNORECASE),
                re.fullmatch(r"Cam(\d+)", parts[-4], re.IGNORECASE),
            )
            if cl and cam:
                try:
                    fields = self.parse_clip_id("/".join(parts[-3:]))
                except ValueError:
                    return None
                camera = camera_name(int(cl.group(1)), int(cam.group(1)))
                if camera in CAMERAS:
                    return FileRef(self.format_clip_id(fields), "video", camera)
        return None

    def sensor_file(self, clip_id: str, sensor: str) -> str:
        self.spec(sensor)
        h = int(sensor[-2:])
        return f"Accelerometer/Shimmer{h:02d}/acc_h{h:02d}_{self.canonical_id(clip_id)}.txt"

    def video_file(self, clip_id: str, camera: str) -> str:
        cl, cam = parse_camera(camera)
        f = self.parse_clip_id(clip_id)
        return f"Camera/Cluster{cl:02d}/Cam{cam:02d}/S{f['subject']:02d}/A{f['action']:02d}/R{f['repetition']:02d}"

    def frame_name(self, clip_id: str, camera: str, index: int) -> str:
        cl, cam = parse_camera(camera)
        return f"img_l{cl:02d}_c{cam:02d}_{self.canonical_id(clip_id)}_{index:05d}.pgm"

    def timestamps_file(self, clip_id: str) -> str:
        return f"Time_stamps/time_stamps_img_{self.canonical_id(clip_id)}.txt"

    # ---- readers ---------------------------------------------------------------------------
    def read_sensor_file(self, path: str | Path, sensor: str = "shimmer01") -> Recording:
        """``ax ay az t``: values in g and the Unix timestamps, as in the file (no clipping here)."""
        path = Path(path)
        data = read_numeric_text(path, 4, "Berkeley-MHAD accelerometer")
        if len(data) < 2:
            raise DataFileError(f"{path}: only {len(data)} accelerometer sample(s), need at least 2")
        return Recording(sensor, ACC_CHANNELS, data[:, :3], data[:, 3], ACC_RATE_HZ, str(path))

    def read_frame_times(self, path: str | Path) -> np.ndarray:
        """Camera frame Unix timestamps of a clip (``frame_index unix_time_s``)."""
        data = read_numeric_text(Path(path), 2, "Berkeley-MHAD frame timestamp")
        return data[:, 1]

    def frame_files(self, folder: str | Path) -> list[Path]:
        folder = Path(folder)
        if not folder.is_dir():
            raise DataFileError(f"{folder}: Berkeley-MHAD frame folder does not exist")
        frames = sorted(
            (p for p in folder.iterdir() if _IMG_RE.match(p.name)), key=lambda p: int(_IMG_RE.match(p.name).group(6))
        )
        if not frames:
            raise DataFileError(f"{folder}: no img_l*_c*_s*_a*_r*_*.pgm frame in this folder")
        return frames

    def read_video(self, path: str | Path, size: tuple[int, int] | None = None) -> np.ndarray:
        """Demosaiced RGB frames (T, H, W, 3) of one camera folder, optionally resized (w, h)."""
        out = []
        for f in self.frame_files(path):
            raw = cv2.imread(str(f), cv2.IMREAD_UNCHANGED)
            if raw is None or raw.ndim != 2:
                raise DataFileError(f"{f}: not a single-channel (Bayer) PGM image")
            if raw.dtype != np.uint8:  # 16-bit PGM: keep the top 8 bits
                raw = (raw >> 8).astype(np.uint8)
            rgb = demosaic(raw)
            if size is not None and (rgb.shape[1], rgb.shape[0]) != tuple(size):
                rgb = cv2.resize(rgb, tuple(size), interpolation=cv2.INTER_AREA)
            out.append(rgb)
        return np.stack(out)

    def video_frame_count(self, path: str | Path) -> int:
        return len(self.frame_files(path))

    # ---- protocols -------------------------------------------------------------------------
    def subset_of(self, clip_id: str, protocol: str, camera: str | None = None) -> str:
        self.check_protocol(protocol)
        return "train" if self.parse_clip_id(clip_id)["subject"] in TRAIN_SUBJECTS else "test"

    def camera_of_path(self, path: str) -> str:
        parts = path_parts(path)
        cl = re.fullmatch(r"Cluster(\d+)", parts[-5], re.IGNORECASE)
        cam = re.fullmatch(r"Cam(\d+)", parts[-4], re.IGNORECASE)
        if not (cl and cam):
            raise ValueError(f"no ClusterCC/CamKK folders in {path!r}")
        return camera_name(int(cl.group(1)), int(cam.group(1)))


register_adapter(BerkeleyMhadAdapter())
