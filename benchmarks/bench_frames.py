"""Frames: extraction, sampled reads and the data-loading share of a teacher step, side by side.

1. extraction of N synthetic UTD-format clips: vskd into frames.h5 (raw uncompressed, raw+lzf,
   raw+gzip, jpeg) vs decode-only (the limit) vs a per-frame JPEG dump into one folder per clip
   (how TSN/TRN tools work);
2. reading the sampled frames of a clip (``num_segments`` TSN segments): every frames.h5 layout
   vs the JPEG folder, as time and as speed-up over the JPEG folder; the uncompressed file is also
   read the old way (one h5py read per frame) to show what the one-call mapped read gains;
3. one teacher training step (forward + backward + optimiser step on a batch) of the configured
   teacher vs loading that batch (read + crop + resize as the training dataset does): the
   data-loading share of a step per layout.
Frame size, segments and teacher come from the config (default: the demo's config.yaml).
Usage: python benchmarks/bench_frames.py [n_clips] [--config config.yaml] [--segments 8]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import cv2
import h5py
import numpy as np
import torch
import yaml

from vskd.data.manifest import build_manifest
from vskd.data.readers import read_video
from vskd.data.synthetic.utd_mhad import SyntheticSpec, encode_avi, encode_mat, synthesize_clip
from vskd.data.utd import all_clip_ids
from vskd.frames import FrameStore, write_frames_h5
from vskd.models.teacher import TRNTeacher
from vskd.training.datasets import ClipDataset
from vskd.training.sampling import segment_indices

LAYOUTS = {
    "h5 raw (contiguous)": {"storage": "raw", "compression": "none"},
    "h5 raw+lzf": {"storage": "raw", "compression": "lzf"},
    "h5 raw+gzip1": {"storage": "raw", "compression": "gzip"},
    "h5 jpeg q90": {"storage": "jpeg", "compression": "none", "jpeg_quality": 90},
}


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def per_frame_h5py(path: Path, clip: str, idx: np.ndarray, h5: h5py.File) -> np.ndarray:
    """The previous reader: one h5py read_direct per sampled frame."""
    ds = h5["clips"][clip]
    out = np.empty((len(idx), *ds.shape[1:]), dtype=ds.dtype)
    for k, i in enumerate(idx):
        ds.read_direct(out, np.s_[int(i)], np.s_[k])
    return out


def timed(fn, reads, repeat: int = 3) -> float:
    """Best of ``repeat`` passes over ``reads``, seconds per read (other jobs share the CPU)."""
    fn(*reads[0])
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for args in reads:
            fn(*args)
        best = min(best, (time.perf_counter() - t0) / len(reads))
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n_clips", nargs="?", type=int, default=100)
    ap.add_argument("--config", default="config.yaml")
    ap.add_argument("--segments", type=int, default=None, help="override teacher.num_segments")
    args = ap.parse_args()
    cfg = yaml.safe_load(open(args.config))
    tcfg, fcfg = cfg["teacher"], cfg["frames"]
    size = (int(fcfg["width"]), int(fcfg["height"]))
    segments = int(args.segments or tcfg["num_segments"])
    tcfg = {**tcfg, "num_segments": segments}
    torch.set_num_threads(max(1, torch.get_num_threads()))

    tmp = Path(tempfile.mkdtemp(prefix="bench_frames_"))
    try:
        raw = tmp / "raw"
        raw.mkdir()
        clips = all_clip_ids()[:: max(1, 861 // args.n_clips)][: args.n_clips]
        for c in clips:
            frames, imu = synthesize_clip(SyntheticSpec(), c)
            (raw / f"{c}_color.avi").write_bytes(encode_avi(frames, 15))
            (raw / f"{c}_inertial.mat").write_bytes(encode_mat(imu))
        manifest = build_manifest(raw, "utd_mhad", ["video", "inertial"])
        n_frames = int(manifest.n_frames.sum())
        print(
            f"{len(clips)} clips, {n_frames} frames of 160x120 -> {size[0]}x{size[1]}, "
            f"{segments} segments, torch threads {torch.get_num_threads()}"
        )

        t0 = time.perf_counter()
        for p in manifest.video_path:
            read_video(p, size=size)
        t_decode = time.perf_counter() - t0

        files = {}
        print("\nextraction                 seconds  vs decode   size MB")
        print(f"  decode only (limit)     {t_decode:8.2f}    1.00x         -")
        for name, params in LAYOUTS.items():
            out = tmp / f"{name.split()[1].replace('+', '_').replace('(', '').replace(')', '')}.h5"
            t0 = time.perf_counter()
            write_frames_h5(manifest, out, {"height": size[1], "width": size[0], **params})
            t = time.perf_counter() - t0
            files[name] = out
            print(f"  {name:22s}  {t:8.2f}  {t / t_decode:6.2f}x  {out.stat().st_size / 1e6:8.1f}")
        jpeg_dir = tmp / "jpeg_folders"
        t0 = time.perf_counter()
        for row in manifest.itertuples():
            d = jpeg_dir / row.clip_id
            d.mkdir(parents=True)
            for i, f in enumerate(read_video(row.video_path, size=size), 1):
                cv2.imwrite(str(d / f"img_{i:05d}.jpg"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
        t_dump = time.perf_counter() - t0
        print(
            f"  JPEG per frame folders  {t_dump:8.2f}  {t_dump / t_decode:6.2f}x  "
            f"{folder_size(jpeg_dir) / 1e6:8.1f}  ({n_frames} files)"
        )

        # ---- 2. sampled reads
        rng = np.random.default_rng(0)
        reads = [
            (c, segment_indices(int(k), segments, True, rng)) for c, k in zip(manifest.clip_id, manifest.n_frames)
        ] * 3

        def jpeg_folder(c, idx):
            return np.stack(
                [cv2.cvtColor(cv2.imread(str(jpeg_dir / c / f"img_{i + 1:05d}.jpg")), cv2.COLOR_BGR2RGB) for i in idx]
            )

        timings = {"JPEG folder (page-cached)": timed(jpeg_folder, reads)}
        for name, path in files.items():
            timings[name] = timed(FrameStore(path).read, reads)
        with h5py.File(files["h5 raw (contiguous)"], "r") as h5:
            timings["h5 raw, h5py per frame"] = timed(
                lambda c, idx: per_frame_h5py(files["h5 raw (contiguous)"], c, idx, h5), reads
            )
        base = timings["JPEG folder (page-cached)"]
        print(f"\nreading {segments} segments of a clip   ms/clip   time vs JPEG folder   speed-up over JPEG folder")
        for name, t in sorted(timings.items(), key=lambda kv: kv[1]):
            print(f"  {name:28s}  {1e3 * t:7.3f}   {t / base:8.2f}x            {base / t:6.2f}x")

        # ---- 3. data-loading share of a teacher training step
        bs = int(tcfg["batch_size"])
        crop = (int(tcfg.get("crop_height", size[1])), int(tcfg.get("crop_width", size[0])))
        torch.manual_seed(0)
        teacher = TRNTeacher.from_config({**tcfg, "pretrained": None}, 27).train()
        opt = torch.optim.SGD(teacher.parameters(), lr=1e-3)
        labels = torch.randint(0, 27, (bs,))
        ids = list(manifest.clip_id)[:bs]

        def batch(store: FrameStore) -> torch.Tensor:
            ds = ClipDataset(
                ids,
                [0] * len(ids),
                seed=0,
                train=True,
                frames=store,
                num_segments=segments,
                crop=crop,
                crop_scales=tuple(tcfg.get("crop_scales", [1.0])),
            )
            return torch.stack([ds.sample_frames(i, True) for i in range(len(ids))])

        x = batch(FrameStore(files["h5 raw (contiguous)"]))

        def step() -> None:
            opt.zero_grad()
            out = teacher(x)
            logits = out.logits if hasattr(out, "logits") else out[0]
            torch.nn.functional.cross_entropy(logits, labels).backward()
            opt.step()

        t_step = timed(step, [()] * 3)
        print(
            f"\nteacher step ({tcfg['backbone']}, batch {bs} x {segments} x {crop[0]}x{crop[1]}): {1e3 * t_step:.1f} ms"
        )
        print("  loading the batch (read + crop + resize)   ms   share of load + step")
        for name, path in files.items():
            store = FrameStore(path)
            t_load = timed(lambda store=store: batch(store), [()] * 3)
            print(f"  {name:28s}  {1e3 * t_load:12.2f}   {100 * t_load / (t_load + t_step):6.1f}%")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
