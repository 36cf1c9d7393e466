"""The student on a wearable: latency of one clip, and cost of student vs teacher.

    python benchmarks/bench_student.py [--model results/<d>/runs/<r>/seed0/model.pt] [--iters 300]

Latency, batch 1, 2 CPU threads, 64 px, measured side by side (the variants run in interleaved
rounds, so background load hits them alike; compare ratios):
  1. PyTorch eager, the training code's ResNet-18 on a stored GAF image (no GAF): today's path;
  2. ONNX Runtime, the same network (image -> probabilities);
  3. ONNX Runtime, raw samples -> probabilities, GAF in the graph (the exported student.onnx);
  4. the same with the network int8 (static QDQ; the GAF stays float);
  plus the GAF encoder alone (ONNX Runtime) and numpy ``gaf_image`` + (2), the two-step path.
The clip is a real UTD-MHAD recording of median length (177 samples) when ../shared has them,
else a generated one of that length.

Cost: parameters, multiply-accumulates of one forward pass (hook-based count over convolutions and
linear layers; BN, ReLU and pooling not counted), and model-file size (float32 state dict; ONNX;
int8 ONNX) of the student and the teacher, at the demo (config.yaml) and paper
(config/paper/utd.yaml) settings.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from torch import nn

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from vskd.data import utd  # noqa: E402
from vskd.export.encoder import GafEncoder  # noqa: E402
from vskd.export.exporter import (onnx_network, onnx_pipeline, ort_session,  # noqa: E402
                                  quantize_int8)
from vskd.export.model import build_pipeline, load_student  # noqa: E402
from vskd.gaf import gaf_image  # noqa: E402
from vskd.models.registry import build_network  # noqa: E402

UTD = REPO.parent / "shared" / "data" / "utd-mhad" / "Inertial"
GAF = {"kind": "gasf", "channels": ["acc_x", "acc_y", "acc_z"], "image_size": 64,
       "interpolation": "area", "gadf_convention": "matlab"}


def recordings() -> tuple[list[np.ndarray], str]:
    """(N, 6) recordings: the real UTD-MHAD ones if present, else generated ones."""
    if UTD.is_dir():
        from vskd.data.readers import read_inertial
        files = sorted(UTD.glob("*_inertial.mat"))
        return [read_inertial(f) for f in files], f"real UTD-MHAD ({len(files)} recordings)"
    from vskd.data.synthetic import SyntheticSpec, synthesize_clip
    spec = SyntheticSpec(frame_width=32, frame_height=24)
    recs = [synthesize_clip(spec, utd.ClipId(a, s, 1))[1] for a in range(1, 28) for s in (1, 2)]
    return recs, f"generated UTD-MHAD ({len(recs)} recordings; ../shared absent)"


def student_file(path: str | None, tmp: Path) -> Path:
    if path:
        return Path(path)
    torch.manual_seed(0)
    cfg = {"embedding_dim": 300, "backbone": "resnet18", "pretrained": None, "input_norm": "unit"}
    net = build_network("gaf_cnn", cfg, 27, 3)
    out = tmp / "model.pt"
    torch.save({"state_dict": net.state_dict(), "student_config": cfg, "num_classes": 27,
                "class_names": list(utd.CLASS_NAMES), "in_channels": 3, "gaf_config": GAF}, out)
    return out


def timed_rounds(fns: dict[str, callable], iters: int, warmup: int = 30) -> dict[str, np.ndarray]:
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {k: [] for k in fns}
    for _ in range(iters):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: np.array(v) * 1e3 for k, v in times.items()}


# ---- cost -----------------------------------------------------------------------------------------
def count_macs(model: nn.Module, example: torch.Tensor) -> int:
    """Multiply-accumulates of convolutions and linear layers in one forward pass (forward hooks)."""
    total = [0]

    def conv(m: nn.Conv2d, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        total[0] += out.numel() * k

    def linear(m: nn.Linear, inp, out):
        total[0] += out.numel() * m.in_features

    hooks = [m.register_forward_hook(conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear) for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        model(example)
    for h in hooks:
        h.remove()
    return total[0]


def state_bytes(model: nn.Module) -> int:
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.tell()


def cost_rows(onnx_sizes: dict[str, int]) -> list[tuple]:
    from vskd.models.teacher import TRNTeacher
    rows = []
    for setting, cfg_path in (("demo", REPO / "config.yaml"), ("paper", REPO / "config" / "paper" / "utd.yaml")):
        cfg = yaml.safe_load(cfg_path.read_text())
        base = yaml.safe_load((REPO / "config.yaml").read_text())
        scfg = {**base["student"], **cfg.get("student", {}), "pretrained": None}
        tcfg = {**base["teacher"], **cfg.get("teacher", {}), "pretrained": None}
        size = int(cfg.get("gaf", base["gaf"])["image_size"])
        student = build_network("gaf_cnn", scfg, 27, 3).eval()
        s_macs = count_macs(student, torch.zeros(1, 3, size, size))
        rows.append((setting, f"student {scfg['backbone']} GAF {size} px",
                     sum(p.numel() for p in student.parameters()), s_macs, state_bytes(student)))
        teacher = TRNTeacher.from_config(tcfg, 27).eval()
        h, w = tcfg.get("crop_height", 224), tcfg.get("crop_width", 224)
        n = tcfg["num_segments"]
        t_macs = count_macs(teacher, torch.zeros(1, n, 3, h, w))
        rows.append((setting, f"teacher TRN {tcfg['backbone']} {n}x{h}x{w}",
                     sum(p.numel() for p in teacher.parameters()), t_macs, state_bytes(teacher)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a training model file (default: a randomly initialised student)")
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    recs, source = recordings()
    lengths = np.array([len(r) for r in recs])
    clip = recs[int(np.argsort(lengths)[len(lengths) // 2])]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        student = load_student(student_file(args.model, tmp))
        gaf = student.gaf_config or GAF
        pipe = build_pipeline(student, gaf)
        chans = list(gaf["channels"])
        idx = [["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"].index(c) for c in chans]
        raw = np.ascontiguousarray(clip[:, idx].T, dtype=np.float32)[None]
        image = gaf_image(clip, chans, gaf["kind"], int(gaf["image_size"]), gaf.get("interpolation", "area"),
                          gaf.get("gadf_convention", "matlab"))[None].astype(np.float32)
        size = int(gaf["image_size"])
        (tmp / "net.onnx").write_bytes(onnx_network(pipe, len(chans), size))
        (tmp / "raw.onnx").write_bytes(onnx_pipeline(pipe, len(chans)))
        calib = [np.ascontiguousarray(r[:, idx].T, dtype=np.float32) for r in recs[::max(1, len(recs) // 64)]]
        quantize_int8(tmp / "raw.onnx", tmp / "int8.onnx", calib)
        enc_bytes = io.BytesIO()
        with torch.no_grad():
            torch.onnx.export(GafEncoder(gaf["kind"], size, gaf.get("interpolation", "area"),
                                         gaf.get("gadf_convention", "matlab")),
                              (torch.from_numpy(raw),), enc_bytes, dynamo=False, opset_version=17,
                              input_names=["raw"], output_names=["images"],
                              dynamic_axes={"raw": {0: "batch", 2: "samples"}})
        net_s, raw_s = ort_session(tmp / "net.onnx", args.threads), ort_session(tmp / "raw.onnx", args.threads)
        q_s, enc_s = ort_session(tmp / "int8.onnx", args.threads), ort_session(enc_bytes.getvalue(), args.threads)
        x_img = torch.from_numpy(image)
        net = student.network.eval()

        def eager():
            with torch.no_grad():
                return torch.softmax(net(x_img).logits, -1)

        fns = {
            "PyTorch eager ResNet-18, stored image (no GAF)": eager,
            "ONNX Runtime ResNet-18, stored image (no GAF)": lambda: net_s.run(None, {"images": image}),
            "ONNX Runtime raw -> probabilities, GAF in graph, float": lambda: raw_s.run(None, {"raw": raw}),
            "ONNX Runtime raw -> probabilities, GAF in graph, int8": lambda: q_s.run(None, {"raw": raw}),
            "  GAF encoder alone (ONNX Runtime)": lambda: enc_s.run(None, {"raw": raw}),
            "  numpy gaf_image + ONNX Runtime ResNet-18": lambda: net_s.run(None, {"images": gaf_image(
                clip, chans, gaf["kind"], size)[None].astype(np.float32)}),
        }
        res = timed_rounds(fns, args.iters)
        sizes = {"float": (tmp / "raw.onnx").stat().st_size, "int8": (tmp / "int8.onnx").stat().st_size}
    load = os.getloadavg()
    print(f"clip: {source}, median length {clip.shape[0]} samples; batch 1, {args.threads} threads, "
          f"{size} px, {args.iters} interleaved rounds; load average {load[0]:.2f} on {os.cpu_count()} CPUs")
    base = np.median(res["PyTorch eager ResNet-18, stored image (no GAF)"])
    print(f"\n| path | p50 ms | p90 ms | vs eager |\n|---|---|---|---|")
    for k, v in res.items():
        p50, p90 = np.percentile(v, 50), np.percentile(v, 90)
        print(f"| {k} | {p50:.2f} | {p90:.2f} | {base / p50:.1f}x faster |")
    print(f"\nONNX files: float {sizes['float'] / 2**20:.1f} MiB, int8 {sizes['int8'] / 2**20:.1f} MiB")
    print("\n| setting | model | parameters | MACs | float32 file |\n|---|---|---|---|---|")
    for setting, name, params, macs, nbytes in cost_rows(sizes):
        print(f"| {setting} | {name} | {params / 1e6:.2f} M | {macs / 1e9:.3f} G | {nbytes / 2**20:.1f} MiB |")
    print("GAF encoder (in the graph): T^2 x channels multiply-adds for the field's minimum "
          f"(T = {clip.shape[0]}: {clip.shape[0] ** 2 * len(chans) / 1e6:.2f} M) + O(T + S^2) for the resized "
          "image; no parameters.")


if __name__ == "__main__":
    main()
