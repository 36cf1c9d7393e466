"""Frames: extraction and sampled reads, measured side by side in one run.

1. extraction of N synthetic UTD-format clips: vskd into frames.h5 (raw+lzf, raw+gzip, jpeg) vs
   decode-only (the limit) vs a per-frame JPEG dump into one folder per clip (how TSN/TRN tools work);
2. reading 8 TSN segments of a clip: frames.h5 (each layout) vs the JPEG folder.
Usage: python benchmarks/bench_frames.py [n_clips]
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from vskd.data.manifest import build_manifest
from vskd.data.readers import read_video
from vskd.data.synthetic import SyntheticSpec, encode_avi, encode_mat, synthesize_clip
from vskd.data.utd import all_clip_ids
from vskd.frames import FrameStore, write_frames_h5
from vskd.training.sampling import segment_indices

SIZE = (80, 64)   # width, height of the demo config


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    tmp = Path(tempfile.mkdtemp(prefix="bench_frames_"))
    raw = tmp / "raw"
    raw.mkdir()
    clips = all_clip_ids()[:: max(1, 861 // n)][:n]
    for c in clips:
        frames, imu = synthesize_clip(SyntheticSpec(), c)
        (raw / f"{c}_color.avi").write_bytes(encode_avi(frames, 15))
        (raw / f"{c}_inertial.mat").write_bytes(encode_mat(imu))
    manifest = build_manifest(raw, ["video", "inertial"])
    n_frames = int(manifest.n_frames.sum())
    print(f"{len(clips)} clips, {n_frames} frames of 160x120 -> {SIZE[0]}x{SIZE[1]}")

    t0 = time.perf_counter()
    for p in manifest.video_path:
        read_video(p, size=SIZE)
    t_decode = time.perf_counter() - t0

    results = {}
    for name, params in {
        "h5 raw+lzf": {"storage": "raw", "compression": "lzf"},
        "h5 raw+gzip1": {"storage": "raw", "compression": "gzip"},
        "h5 jpeg q90": {"storage": "jpeg", "compression": "none", "jpeg_quality": 90},
    }.items():
        out = tmp / f"{name.replace(' ', '_').replace('+', '_')}.h5"
        t0 = time.perf_counter()
        write_frames_h5(manifest, out, {"height": SIZE[1], "width": SIZE[0], **params})
        results[name] = (time.perf_counter() - t0, out.stat().st_size, out)

    jpeg_dir = tmp / "jpeg_folders"
    t0 = time.perf_counter()
    for row in manifest.itertuples():
        d = jpeg_dir / row.clip_id
        d.mkdir(parents=True)
        for i, f in enumerate(read_video(row.video_path, size=SIZE), 1):
            cv2.imwrite(str(d / f"img_{i:05d}.jpg"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    t_dump = time.perf_counter() - t0

    print("\nextraction                 seconds  vs decode   size MB")
    print(f"  decode only (limit)     {t_decode:8.2f}    1.00x         -")
    for name, (t, size, _) in results.items():
        print(f"  {name:22s}  {t:8.2f}  {t / t_decode:6.2f}x  {size / 1e6:8.1f}")
    print(f"  JPEG per frame folders  {t_dump:8.2f}  {t_dump / t_decode:6.2f}x  "
          f"{folder_size(jpeg_dir) / 1e6:8.1f}  ({n_frames} files)")

    rng = np.random.default_rng(0)
    reads = [(c, segment_indices(int(k), 8, True, rng)) for c, k in
             zip(manifest.clip_id, manifest.n_frames)] * 5
    print("\nreading 8 segments of a clip   ms/clip   time vs JPEG folder")
    timings = {}
    for name, (_, _, path) in results.items():
        store = FrameStore(path)
        store.read(reads[0][0], reads[0][1])
        t0 = time.perf_counter()
        for c, idx in reads:
            store.read(c, idx)
        timings[name] = (time.perf_counter() - t0) / len(reads)
    t0 = time.perf_counter()
    for c, idx in reads:
        np.stack([cv2.cvtColor(cv2.imread(str(jpeg_dir / c / f"img_{i + 1:05d}.jpg")), cv2.COLOR_BGR2RGB)
                  for i in idx])
    timings["JPEG folder"] = (time.perf_counter() - t0) / len(reads)
    base = timings["JPEG folder"]
    for name, t in timings.items():
        print(f"  {name:22s}  {1e3 * t:7.3f}   {t / base:6.2f}x")
    os.system(f"rm -rf {tmp}")


if __name__ == "__main__":
    main()
