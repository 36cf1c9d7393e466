"""The student on a wearable: latency of one clip, and cost of student vs teacher.

    python benchmarks/bench_student.py [--model results/<d>/runs/<r>/seed0/model.pt]
        [--wearable-model results/<d>/runs/ce_wearable/seed0/model.pt] [--rounds 12] [--profile]

Latency, batch 1, 2 CPU threads, 64 px (a given model: its own image size), measured side by side
in one run:
  1. PyTorch eager, the training code's ResNet-18 on a stored GAF image (no GAF): today's path;
  2. ONNX Runtime, the same network (image -> probabilities);
  3. ONNX Runtime, raw samples -> probabilities, GAF in the graph (the exported student.onnx);
  4. the same with the network int8 (static QDQ; the GAF stays float);
  5./6. (3) and (4) with the wearable student (the run sheet's ``ce_wearable`` student, ``--wearable-model``);
  plus the GAF encoder alone (ONNX Runtime) and numpy ``gaf_image`` + (2), the two-step path.
The clip is a real UTD-MHAD recording of median length (177 samples) when ../shared has them,
else a generated one of that length.

Timing: the variants run in alternating blocks of ``--block`` calls for ``--rounds`` rounds (so a
change of background load hits them alike), the first calls of each block discarded. Not one call
each in turn: ONNX Runtime's worker threads spin for a while after each call, and a PyTorch call
right after it shares the 2 cores with them (measured: eager 99 ms instead of 9 ms that way).

``--profile``: where the float ResNet-18's time goes (ONNX Runtime's node profile summed per stage),
with the weights each stage reads and the L3 cache size: at batch 1 the float network is bounded by
streaming 44 MB of weights (layer4 alone: 33 MB) through a cache that cannot hold them.

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
from vskd.data.adapters import get_adapter  # noqa: E402
from vskd.export.encoder import GafEncoder  # noqa: E402
from vskd.export.exporter import onnx_network, onnx_pipeline, ort_session, quantize_int8  # noqa: E402
from vskd.export.model import build_pipeline, load_student  # noqa: E402
from vskd.gaf import gaf_image  # noqa: E402
from vskd.models.registry import build_network  # noqa: E402

UTD = REPO.parent / "shared" / "data" / "utd-mhad" / "Inertial"
GAF = {
    "kind": "gasf",
    "channels": ["acc_x", "acc_y", "acc_z"],
    "image_size": 64,
    "interpolation": "area",
    "gadf_convention": "matlab",
}


def recordings() -> tuple[list[np.ndarray], str]:
    """(N, 6) recordings: the real UTD-MHAD ones if present, else generated ones."""
    if UTD.is_dir():
        from vskd.data.readers import read_inertial

        files = sorted(UTD.glob("*_inertial.mat"))
        return [read_inertial(f) for f in files], f"real UTD-MHAD ({len(files)} recordings)"
    from vskd.data.synthetic.utd_mhad import SyntheticSpec, synthesize_clip

    spec = SyntheticSpec(frame_width=32, frame_height=24)
    recs = [synthesize_clip(spec, utd.ClipId(a, s, 1))[1] for a in range(1, 28) for s in (1, 2)]
    return recs, f"generated UTD-MHAD ({len(recs)} recordings; ../shared absent)"


def student_settings(row: str | None = None) -> dict:
    """The student section of config.yaml, with the overrides of run-sheet row ``row`` (the
    wearable student is declared once, in its row)."""
    cfg = yaml.safe_load((REPO / "config.yaml").read_text())
    rows = {r["name"]: r for r in cfg["runs"]}
    if row is not None and row not in rows:
        raise SystemExit(f"config.yaml has no run-sheet row {row!r}")
    over = rows[row].get("student", {}) if row else {}
    return {**cfg["student"], **over, "pretrained": None}


def network_config(settings: dict) -> dict:
    keys = ("backbone", "backbone_options", "embedding_dim", "input_norm", "pretrained")
    return {k: settings[k] for k in keys if k in settings}


def student_file(path: str | None, tmp: Path, settings: dict, tag: str) -> Path:
    """A training model file: the given one, else a randomly initialised student with
    ``settings`` (latency does not depend on the weights' values) at the benchmark's 64 px."""
    if path:
        return Path(path)
    torch.manual_seed(0)
    cfg = network_config(settings)
    net = build_network("gaf_cnn", cfg, 27, 3)
    out = tmp / f"{tag}.pt"
    torch.save(
        {
            "state_dict": net.state_dict(),
            "student_config": cfg,
            "num_classes": 27,
            "class_names": list(get_adapter("utd_mhad").class_names),
            "in_channels": 3,
            "gaf_config": GAF,
        },
        out,
    )
    return out


def timed_blocks(
    fns: dict[str, callable], rounds: int, block: int, discard: int = 5, warmup: int = 30
) -> dict[str, np.ndarray]:
    """Milliseconds per call of each function: ``rounds`` rounds of ``block`` consecutive calls of
    each in turn, the first ``discard`` calls of every block dropped (another runtime's threads
    may still be spinning on the cores)."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            for i in range(block):
                t = time.perf_counter()
                fn()
                if i >= discard:
                    times[k].append(time.perf_counter() - t)
    return {k: np.array(v) * 1e3 for k, v in times.items()}


def exported(student_path: Path, tmp: Path, tag: str, recs: list[np.ndarray], threads: int):
    """(student, pipeline, float session, int8 session, channel index, onnx paths) of one student."""
    student = load_student(student_path)
    gaf = student.gaf_config or GAF
    pipe = build_pipeline(student, gaf)
    chans = list(gaf["channels"])
    idx = [["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"].index(c) for c in chans]
    raw_path, int8_path = tmp / f"{tag}_raw.onnx", tmp / f"{tag}_int8.onnx"
    raw_path.write_bytes(onnx_pipeline(pipe, len(chans)))
    calib = [np.ascontiguousarray(r[:, idx].T, dtype=np.float32) for r in recs[:: max(1, len(recs) // 64)]]
    quantize_int8(raw_path, int8_path, calib)
    return (student, pipe, ort_session(raw_path, threads), ort_session(int8_path, threads), idx, (raw_path, int8_path))


# ---- where the float ResNet-18's time goes ---------------------------------------------------------
def l3_cache_bytes() -> int | None:
    """The largest CPU cache's size from sysfs (the L3 on x86), or None where it is not exposed."""
    sizes = []
    for f in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        text = f.read_text().strip()
        mult = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1], 1)
        sizes.append(int(text.rstrip("KMG")) * mult)
    return max(sizes) if sizes else None


def profile_stages(
    onnx_path: Path, feed: dict[str, np.ndarray], network: nn.Module, threads: int, runs: int = 200
) -> list[tuple[str, float, float]]:
    """(stage, microseconds per call, MB of float32 weights) per ResNet stage, from ONNX Runtime's
    node profile of ``runs`` calls (the node names carry the module path)."""
    import json

    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.enable_profiling = True
    so.profile_file_prefix = str(onnx_path.with_suffix(""))
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
    for _ in range(runs):
        sess.run(None, feed)
    events = json.loads(Path(sess.end_profiling()).read_text())
    stages = ["conv1", "layer1", "layer2", "layer3", "layer4"]
    micro = dict.fromkeys(["GAF encoder"] + stages + ["head", "layout"], 0.0)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            name = e["name"]
            stage = next((s for s in stages[1:] if f"/{s}/" in name), None)
            if stage is None:
                stage = (
                    "conv1"
                    if "/backbone/" in name
                    else "GAF encoder"
                    if "/encoder/" in name
                    else "head"
                    if "/network/" in name or "Softmax" in name
                    else "layout"
                )
            micro[stage] += e["dur"] / runs
    backbone = network.backbone.net
    weights = {s: sum(p.numel() * 4 for n, p in backbone.named_parameters() if n.startswith(s)) for s in stages[1:]}
    weights["conv1"] = sum(p.numel() * 4 for n, p in backbone.named_parameters() if not n.startswith(tuple(stages[1:])))
    weights["head"] = sum(p.numel() * 4 for n, p in network.named_parameters() if not n.startswith("backbone."))
    weights["GAF encoder"] = weights["layout"] = 0
    return [(s, micro[s], weights[s] / 1e6) for s in micro]


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


def describe(student_cfg: dict) -> str:
    """'smallcnn 32-64-128-256' / 'resnet18': the backbone and its options, for labels."""
    opts = student_cfg.get("backbone_options") or {}
    widths = opts.get("widths")
    return student_cfg["backbone"] + (
        " " + "-".join(str(w) for w in widths) if widths else "".join(f" {k}={v}" for k, v in opts.items())
    )


def cost_row(setting: str, name: str, net: nn.Module, example: torch.Tensor) -> tuple:
    """(setting, name, parameters, MACs, float32 state-dict bytes) of one network."""
    return (setting, name, sum(p.numel() for p in net.parameters()), count_macs(net, example), state_bytes(net))


def cost_rows(wearable_row: str) -> list[tuple]:
    from vskd.models.teacher import TRNTeacher

    base = yaml.safe_load((REPO / "config.yaml").read_text())
    wcfg = network_config(student_settings(wearable_row))
    rows = []
    for setting, cfg_path in (("demo", REPO / "config.yaml"), ("paper", REPO / "config" / "paper" / "utd.yaml")):
        cfg = yaml.safe_load(cfg_path.read_text())
        scfg = {**base["student"], **cfg.get("student", {}), "pretrained": None}
        tcfg = {**base["teacher"], **cfg.get("teacher", {}), "pretrained": None}
        size = int(cfg.get("gaf", base["gaf"])["image_size"])
        image = torch.zeros(1, 3, size, size)
        rows.append(
            cost_row(
                setting,
                f"student {scfg['backbone']} GAF {size} px",
                build_network("gaf_cnn", scfg, 27, 3).eval(),
                image,
            )
        )
        rows.append(
            cost_row(
                setting,
                f"wearable student {describe(wcfg)} GAF {size} px",
                build_network("gaf_cnn", wcfg, 27, 3).eval(),
                image,
            )
        )
        h, w = tcfg.get("crop_height", 224), tcfg.get("crop_width", 224)
        n = tcfg["num_segments"]
        rows.append(
            cost_row(
                setting,
                f"teacher TRN {tcfg['backbone']} {n}x{h}x{w}",
                TRNTeacher.from_config(tcfg, 27).eval(),
                torch.zeros(1, n, 3, h, w),
            )
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a ResNet-18 training model file (default: a randomly initialised one, 64 px)")
    ap.add_argument("--wearable-model", help="a training model file of the wearable student (default: random, 64 px)")
    ap.add_argument(
        "--wearable-row",
        default="ce_wearable",
        help="the run-sheet row whose student is the wearable one (default ce_wearable)",
    )
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--block", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--profile", action="store_true", help="per-stage time and weights of the float ResNet-18")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    recs, source = recordings()
    lengths = np.array([len(r) for r in recs])
    clip = recs[int(np.argsort(lengths)[len(lengths) // 2])]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        student, pipe, raw_s, q_s, idx, (raw_path, _) = exported(
            student_file(args.model, tmp, student_settings(), "resnet18"), tmp, "resnet18", recs, args.threads
        )
        wearable, _, w_raw_s, w_q_s, w_idx, _ = exported(
            student_file(args.wearable_model, tmp, student_settings(args.wearable_row), "wearable"),
            tmp,
            "wearable",
            recs,
            args.threads,
        )
        w_name = describe(wearable.student_config)
        gaf = student.gaf_config or GAF
        chans, size = list(gaf["channels"]), int(gaf["image_size"])
        raw = np.ascontiguousarray(clip[:, idx].T, dtype=np.float32)[None]
        w_raw = np.ascontiguousarray(clip[:, w_idx].T, dtype=np.float32)[None]
        image = gaf_image(
            clip, chans, gaf["kind"], size, gaf.get("interpolation", "area"), gaf.get("gadf_convention", "matlab")
        )[None].astype(np.float32)
        (tmp / "net.onnx").write_bytes(onnx_network(pipe, len(chans), size))
        enc_bytes = io.BytesIO()
        with torch.no_grad():
            torch.onnx.export(
                GafEncoder(gaf["kind"], size, gaf.get("interpolation", "area"), gaf.get("gadf_convention", "matlab")),
                (torch.from_numpy(raw),),
                enc_bytes,
                dynamo=False,
                opset_version=17,
                input_names=["raw"],
                output_names=["images"],
                dynamic_axes={"raw": {0: "batch", 2: "samples"}},
            )
        net_s, enc_s = ort_session(tmp / "net.onnx", args.threads), ort_session(enc_bytes.getvalue(), args.threads)
        x_img = torch.from_numpy(image)
        net = student.network.eval()

        def eager():
            with torch.no_grad():
                return torch.softmax(net(x_img).logits, -1)

        eager_name = "PyTorch eager ResNet-18, stored image (no GAF)"
        fns = {
            eager_name: eager,
            "ONNX Runtime ResNet-18, stored image (no GAF)": lambda: net_s.run(None, {"images": image}),
            "ONNX Runtime raw -> probabilities, ResNet-18, float": lambda: raw_s.run(None, {"raw": raw}),
            "ONNX Runtime raw -> probabilities, ResNet-18, int8": lambda: q_s.run(None, {"raw": raw}),
            f"ONNX Runtime raw -> probabilities, wearable {w_name}, float": lambda: w_raw_s.run(None, {"raw": w_raw}),
            f"ONNX Runtime raw -> probabilities, wearable {w_name}, int8": lambda: w_q_s.run(None, {"raw": w_raw}),
            "  GAF encoder alone (ONNX Runtime)": lambda: enc_s.run(None, {"raw": raw}),
            "  numpy gaf_image + ONNX Runtime ResNet-18": lambda: net_s.run(
                None, {"images": gaf_image(clip, chans, gaf["kind"], size)[None].astype(np.float32)}
            ),
        }
        res = timed_blocks(fns, args.rounds, args.block)
        sizes = {
            f"{name} {kind}": (tmp / f"{tag}_{suffix}.onnx").stat().st_size / 2**20
            for tag, name in (("resnet18", "ResNet-18"), ("wearable", f"wearable {w_name}"))
            for kind, suffix in (("float", "raw"), ("int8", "int8"))
        }
        stages = profile_stages(raw_path, {"raw": raw}, net, args.threads) if args.profile else None
    load = os.getloadavg()
    per = len(next(iter(res.values())))
    print(
        f"clip: {source}, median length {clip.shape[0]} samples; batch 1, {args.threads} threads, "
        f"{size} px, {per} timed calls per path ({args.rounds} rounds of {args.block}); "
        f"load average {load[0]:.2f} on {os.cpu_count()} CPUs"
    )
    base = np.median(res[eager_name])
    print("\n| path | p50 ms | p90 ms | vs eager |\n|---|---|---|---|")
    for k, v in res.items():
        p50, p90 = np.percentile(v, 50), np.percentile(v, 90)
        print(f"| {k} | {p50:.2f} | {p90:.2f} | {base / p50:.1f}x faster |")
    print("\nONNX files (raw -> probabilities): " + ", ".join(f"{k} {v:.1f} MiB" for k, v in sizes.items()))
    if stages:
        l3 = l3_cache_bytes()
        print(
            f"\nFloat ResNet-18, raw -> probabilities, per stage (ONNX Runtime node profile; "
            f"L3 cache {l3 / 2**20:.0f} MiB)"
            if l3
            else "\nFloat ResNet-18 per stage:"
        )
        print(
            "(profiling adds ~5-10 µs per node: the GAF encoder's ~100 small nodes look slower than "
            "it runs; compare the network's stages with each other)"
        )
        print("| stage | µs per call | float32 weights MB |\n|---|---|---|")
        for stage, us, mb in stages:
            print(f"| {stage} | {us:.0f} | {mb:.1f} |")
    print("\n| setting | model | parameters | MACs | float32 file |\n|---|---|---|---|---|")
    for setting, name, params, macs, nbytes in cost_rows(args.wearable_row):
        print(f"| {setting} | {name} | {params / 1e6:.2f} M | {macs / 1e9:.3f} G | {nbytes / 2**20:.1f} MiB |")
    print(
        "GAF encoder (in the graph): T^2 x channels multiply-adds for the field's minimum "
        f"(T = {clip.shape[0]}: {clip.shape[0] ** 2 * len(chans) / 1e6:.2f} M) + O(T + S^2) for the resized "
        "image; no parameters."
    )


if __name__ == "__main__":
    main()
