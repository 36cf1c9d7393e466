"""Cost before you submit: a few training steps at the paper's sizes, and the grid they add up to.

    python benchmarks/bench_paper_step.py [--configfile config.yaml config/paper/utd.yaml
        config/paper/sakdn.yaml] [--dataset utd] [--device auto] [--precision fp32] [--steps 3]

On the current device (CPU or CUDA) and with the configs' own settings (backbones, segments, crops,
batch sizes, DataLoader workers, ``distill.online``), measured side by side in one run:
  1. data: seconds per batch of the teacher's DataLoader over JPEG frames stored as the frames
     stage stores them (340 x 256, ``frames.storage``; decode, segment sampling, multi-scale crop,
     resize), with the configured ``num_workers``;
  2. compute: seconds per optimiser step of the video teacher (TRN on BN-Inception, 8 x 224) and
     of a DASK student step with the teacher run online (teacher forward + ResNet-18 at the GAF
     size, forward/backward), on batches already in memory; and a test batch (forward only);
  3. the projection: every model and run the configs plan (the video teacher, each run of the run
     sheet over its seeds, SAKDN's sensor teachers, SPAMFM and video students) x its epochs x its
     steps, plus the per-epoch test passes, on the dataset's published split sizes (UTD-MHAD's
     trial protocol: 431 training and 430 test clips). A step costs max(data, compute) when
     workers load the next batch during the step, data + compute without workers.

Pretrained weights are not loaded (the same arithmetic either way). Nothing here trains a model
to an accuracy: the figures are seconds, printed with the device's name.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from vskd.config import dataset_config, deep_merge, merge_config_files  # noqa: E402
from vskd.distill.base import DistillContext, NetSpec  # noqa: E402
from vskd.distill.registry import build_method  # noqa: E402
from vskd.frames import FrameStore, store_frames  # noqa: E402
from vskd.models.registry import build_network  # noqa: E402
from vskd.runs import expand_runs  # noqa: E402
from vskd.sakdn_config import sakdn_config  # noqa: E402
from vskd.training.common import frame_sampling, teacher_crop  # noqa: E402
from vskd.training.compute import Compute  # noqa: E402
from vskd.training.datasets import ClipDataset  # noqa: E402

#: published split sizes (training, test clips) used for the projection
SPLIT_SIZES = {("utd_mhad", "trial"): (431, 430), ("utd_mhad", "cross_subject"): (431, 430)}
FRAMES_PER_CLIP = 52  # UTD-MHAD's median video length at 30 fps


def write_frames(path: Path, frames_cfg: dict[str, Any], clips: int) -> list[str]:
    """A frames file of ``clips`` clips at the configured size and storage (smooth images with
    noise: JPEG sizes like a real video's)."""
    h, w = frames_cfg["height"], frames_cfg["width"]
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w]
    ids = [f"clip{i}" for i in range(clips)]
    with h5py.File(path, "w") as h5:
        group = h5.create_group("clips")
        for key in ("height", "width", "storage", "compression"):
            h5.attrs[key] = frames_cfg.get(key, "none")
        h5.attrs["cameras"] = np.array(["cam"], dtype="S")
        h5.attrs["keying"] = "clip"
        for clip in ids:
            base = ((xx[..., None] * (1 + rng.random(3)) + yy[..., None]) % 256).astype(np.float32)
            frames = [
                np.clip(base + 3 * t + rng.normal(0, 8, base.shape), 0, 255).astype(np.uint8)
                for t in range(FRAMES_PER_CLIP)
            ]
            store_frames(group, clip, np.stack(frames), frames_cfg)
    return ids


def seconds(fn, steps: int, sync) -> float:
    """Mean seconds of ``fn()`` over ``steps`` calls after one warm-up call."""
    fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    sync()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--configfile",
        nargs="+",
        default=[str(REPO / f) for f in ("config.yaml", "config/paper/utd.yaml", "config/paper/sakdn.yaml")],
    )
    parser.add_argument("--dataset", default="utd")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--precision", default=None, help="the config's precisions, top level and student")
    parser.add_argument("--steps", type=int, default=3, help="timed steps of each kind (after one warm-up)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    config = merge_config_files(args.configfile)
    config["device"] = args.device
    if args.precision:  # every step timed here: the stages' (top level) and the runs' (student)
        config["precision"] = args.precision
        config["student"] = dict(config.get("student", {}), precision=args.precision)
    eff = dataset_config(config, args.dataset)
    compute = Compute.of(eff)
    device = compute.device
    sync = torch.cuda.synchronize if compute.cuda else (lambda: None)
    tcfg = dict(eff["teacher"], pretrained=None)
    scfg = dict(eff["student"], pretrained=None)
    crop = teacher_crop(tcfg, eff["frames"])
    classes = 27
    name = torch.cuda.get_device_name(device) if compute.cuda else f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {name}; precision {compute.precision}; torch {torch.__version__}")
    print(
        f"teacher: TRN on {tcfg['backbone']}, {tcfg['num_segments']} x {crop[0]} x {crop[1]}, batch "
        f"{tcfg['batch_size']}, {tcfg['num_workers']} workers; student: {scfg['backbone']} on "
        f"{eff['gaf']['image_size']} px GAF, batch {scfg['batch_size']}; frames "
        f"{eff['frames']['width']} x {eff['frames']['height']} {eff['frames']['storage']}"
    )

    # 1. data: the teacher's loader over a frames file in the configured storage
    with tempfile.TemporaryDirectory() as tmp:
        batch = tcfg["batch_size"]
        ids = write_frames(Path(tmp) / "frames.h5", eff["frames"], batch * (args.steps + 1))
        ds = ClipDataset(
            ids,
            np.zeros(len(ids), np.int64),
            seed=0,
            train=True,
            frames=FrameStore(Path(tmp) / "frames.h5"),
            **frame_sampling(tcfg, crop),
        )
        sampler = [[(0, i) for i in range(k, k + batch)] for k in range(0, len(ids), batch)]
        loader = torch.utils.data.DataLoader(ds, batch_sampler=sampler, **compute.loader_options(tcfg["num_workers"]))
        t0 = time.perf_counter()
        batches = list(loader)
        data_s = (time.perf_counter() - t0) / len(batches)  # includes the workers' start-up, once
    frames = batches[0]["frames"].to(device)
    labels = torch.randint(0, classes, (batch,), device=device)

    # 2. compute: a teacher step, an online-teacher DASK student step, a test batch
    torch.manual_seed(0)
    teacher = build_network("trn", tcfg, classes).to(device)
    opt = torch.optim.SGD(teacher.parameters(), lr=1e-3, momentum=0.9)

    def teacher_step():
        with compute.autocast():
            loss = torch.nn.functional.cross_entropy(teacher(frames).logits, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    teacher_s = seconds(teacher_step, args.steps, sync)
    teacher.eval()

    def test_batch():
        with torch.no_grad(), compute.autocast():
            teacher(frames)

    test_s = seconds(test_batch, args.steps, sync)
    size = eff["gaf"]["image_size"]
    student = build_network("gaf_cnn", scfg, classes, in_channels=len(eff["gaf"]["channels"])).to(device)
    ctx = DistillContext(NetSpec.of(student, classes), NetSpec.of(teacher, classes), num_train=431)
    method = build_method("dask", {}, ctx).to(device)
    s_opt = torch.optim.Adam(student.parameters(), lr=2e-4)
    sb = scfg["batch_size"]
    gaf = torch.rand(sb, len(eff["gaf"]["channels"]), size, size, device=device) * 255
    s_frames, s_labels = frames[:1].expand(sb, *frames.shape[1:]).contiguous(), labels[:1].expand(sb)
    index = torch.arange(sb, device=device)

    def student_step(online: bool):
        with compute.autocast():
            with torch.no_grad():
                t_out = teacher(s_frames) if online else None
            s_out = student(gaf)
            loss = (
                method(s_out, t_out, s_labels, index)[0]
                if online
                else torch.nn.functional.cross_entropy(s_out.logits, s_labels)
            )
        s_opt.zero_grad(set_to_none=True)
        loss.backward()
        s_opt.step()

    online_s = seconds(lambda: student_step(True), args.steps, sync)
    alone_s = seconds(lambda: student_step(False), args.steps, sync)
    workers = tcfg["num_workers"]
    print(f"\nper batch ({args.steps} timed steps each, after a warm-up):")
    print(f"  data   teacher loader, batch {batch}, {workers} workers  {data_s:8.3f} s")
    print(f"  compute teacher step (forward + backward)          {teacher_s:8.3f} s")
    print(f"  compute teacher test batch (forward)                {test_s:8.3f} s")
    print(f"  compute student step, teacher online (DASK)         {online_s:8.3f} s")
    print(f"  compute student step alone (CE)                     {alone_s:8.3f} s")

    # 3. the projection over the configs' grid
    n_train, n_test = SPLIT_SIZES.get((eff["dataset"]["kind"], eff["dataset"]["split"]), (431, 430))

    def step(compute_s: float, data_per_batch: float, num_workers: int) -> float:
        return max(compute_s, data_per_batch) if num_workers else compute_s + data_per_batch

    def model_hours(epochs: int, batch_size: int, step_s: float, eval_s: float, evaluates: bool) -> float:
        per_epoch = (n_train // batch_size) * step_s + (evaluates * -(-n_test // batch_size) * eval_s)
        return epochs * per_epoch / 3600

    frame_data = data_s / batch  # per clip
    rows = [("video teacher", 1, model_hours(tcfg["epochs"], batch, step(teacher_s, data_s, workers), test_s, True))]
    runs = expand_runs(config, {args.dataset: eff})
    online = eff["distill"].get("online", False)
    v2s = [r for r in runs.values() if r.direction == "vision_to_sensor"]
    s2v = [r for r in runs.values() if r.direction == "sensor_to_vision"]
    with_teacher = [r for r in v2s if r.teacher == "trained" and online]
    rest = [r for r in v2s if r not in with_teacher]
    s_eval = alone_s / 3  # a forward pass costs about a third of a training step
    s_epochs = scfg["epochs"]
    rows.append(
        (
            "GAF student runs, teacher online",
            len(with_teacher),
            len(with_teacher)
            * model_hours(
                s_epochs, sb, step(online_s, frame_data * sb, scfg["num_workers"]), s_eval, scfg["eval_every_epoch"]
            ),
        )
    )
    rows.append(
        (
            "GAF student runs, cached or no teacher",
            len(rest),
            len(rest) * model_hours(s_epochs, sb, alone_s, s_eval, True),
        )
    )
    if s2v:
        sak = sakdn_config(config, args.dataset, eff)
        sensors = len(sak["sensors"])
        t_sec = sak["teacher"]
        rows.append(
            (
                "SAKDN sensor teachers + SPAMFM",
                sensors + 1,
                (sensors + sensors) * model_hours(t_sec["epochs"], t_sec["batch_size"], alone_s, s_eval, True),
            )
        )
        vs = deep_merge(tcfg, sak.get("video_student", {}))
        rows.append(
            (
                "SAKDN video students",
                len(s2v),
                len(s2v) * model_hours(vs["epochs"], vs["batch_size"], step(teacher_s, data_s, workers), test_s, True),
            )
        )
    print(f"\nprojected grid ({eff['dataset']['kind']}, {n_train} training / {n_test} test clips):")
    total = 0.0
    for label, count, hours in rows:
        total += hours
        print(f"  {label:42s} {count:4d} jobs  {hours:9.2f} h")
    print(f"  {'total (one device, jobs one after another)':42s}       {total:9.2f} h")
    if compute.cuda:
        print(f"  = {total:.1f} GPU-hours on {name}")


if __name__ == "__main__":
    main()
