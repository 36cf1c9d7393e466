"""Export a trained student with its GAF encoder: ONNX (dynamic T), TorchScript, a JSON sidecar,
and an int8 ONNX variant.

The exported graph: ``raw`` float32 (batch, channels, T) -> min-max -> GASF/GADF -> resize ->
``round(255 g)`` -> network -> ``probabilities`` (batch, classes). The sidecar ``student.json``
says how to feed it (channels in order, sampling rate, valid T range, conditioning of timestamped
files), what comes out (class names) and where it comes from (model file digest, config hash,
dataset, run, seed, code version).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..atomic import atomic_path
from .model import ModelFileError, StudentFile, StudentPipeline, build_pipeline, load_student, resolve_gaf_config
from .resize import SUPPORTED_ENLARGE

log = logging.getLogger(__name__)

FORMAT = "vskd-student/1"
OPSET = 17
INPUT, OUTPUT = "raw", "probabilities"
#: the longest recording the graph accepts: its T x T field min costs T^2 floats per channel
#: (1024: 4 MiB per channel, 20 s at 50 Hz; UTD-MHAD clips are 107-326 samples)
T_MAX = 1024
#: the shortest: below 8 samples a GAF says nothing (and min-max of 2 samples is +-1)
T_MIN_ENLARGE = 8


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def t_range(gaf: dict[str, Any]) -> tuple[int, int]:
    """[t_min, t_max] samples the exported graph computes correctly. Shrinking (T >= image size)
    always works; enlarging shorter recordings only with an in-graph kernel (area, linear)."""
    size = int(gaf["image_size"])
    t_min = T_MIN_ENLARGE if gaf.get("interpolation", "area") in SUPPORTED_ENLARGE else size
    return min(t_min, size), max(T_MAX, size)


def sampling_rate(eff: dict[str, Any] | None, sensor: str | None = None) -> tuple[float | None, str | None, str | None]:
    """(rate Hz, sensor name, dataset kind) the student's recordings had: ``gaf.resample_hz`` if
    set, else the nominal rate of the dataset's (first) sensor from its adapter."""
    if not eff:
        return None, sensor, None
    gaf = eff.get("gaf", {})
    kind = eff.get("dataset", {}).get("kind")
    sensors = gaf.get("sensors") or eff.get("dataset", {}).get("sensors")
    rate = gaf.get("resample_hz")
    try:
        from ..data.adapters import get_adapter

        adapter = get_adapter(kind) if kind else None
    except (ImportError, ValueError):
        adapter = None
    if adapter is not None:
        if sensors and len(sensors) > 1:
            raise ModelFileError(
                f"the student reads {len(sensors)} sensors {list(sensors)} fused; "
                "the exported graph takes one recording (one sensor, one T)"
            )
        sensor = (sensors or adapter.default_sensors)[0]
        if rate is None:
            rate = adapter.spec(sensor).rate_hz
    return (float(rate) if rate else None), sensor, kind


def _onnx_bytes(
    module: torch.nn.Module, example: torch.Tensor, input_name: str, output_name: str, dynamic: dict[int, str]
) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (example,),
            buf,
            dynamo=False,
            opset_version=OPSET,
            input_names=[input_name],
            output_names=[output_name],
            dynamic_axes={input_name: dynamic, output_name: {0: "batch"}},
            do_constant_folding=True,
        )
    return buf.getvalue()


def onnx_pipeline(pipeline: StudentPipeline, channels: int, t_example: int = 200) -> bytes:
    """The raw -> probabilities graph as ONNX bytes (dynamic batch and T)."""
    example = torch.randn(1, channels, t_example)
    return _onnx_bytes(pipeline, example, INPUT, OUTPUT, {0: "batch", 2: "samples"})


class _ImagesToProbabilities(torch.nn.Module):
    def __init__(self, pipeline: StudentPipeline):
        super().__init__()
        self.pipeline = pipeline

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.pipeline.classify_images(images)


def onnx_network(pipeline: StudentPipeline, channels: int, image_size: int) -> bytes:
    """The network alone, stored GAF images (0..255 as float) -> probabilities, as ONNX bytes."""
    example = torch.rand(1, channels, image_size, image_size) * 255
    return _onnx_bytes(_ImagesToProbabilities(pipeline), example, "images", OUTPUT, {0: "batch"})


def torchscript_pipeline(pipeline: StudentPipeline, channels: int, image_size: int) -> torch.jit.ScriptModule:
    """TorchScript of the pipeline: the network traced (fixed image size), the encoder scripted
    (any T); ``forward(raw)`` and ``classify_images(images)``."""
    example = torch.rand(1, channels, image_size, image_size) * 255
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(pipeline.network, example)
        return torch.jit.script(StudentPipeline(pipeline.encoder, traced))


def sidecar(
    student: StudentFile,
    gaf: dict[str, Any],
    eff: dict[str, Any] | None,
    rate: float | None,
    sensor: str | None,
    kind: str | None,
    files: dict[str, str],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    t_min, t_max = t_range(gaf)
    cfg = student.student_config
    from ..metrics import code_version

    prov = {
        "model_file": student.path,
        "model_sha256": file_sha256(student.path),
        "config_hash": student.extra.get("config_hash"),
        "code_version": code_version(),
        "torch": torch.__version__,
        "onnx_opset": OPSET,
    }
    for key in ("run", "seed", "mode", "dataset"):
        if key in student.extra:
            prov[key] = student.extra[key]
    if eff:
        prov.setdefault("dataset", eff.get("name"))
        prov.setdefault("seed", eff.get("seed"))
        ds = eff.get("dataset", {})
        prov["data_source"] = "synthetic" if ds.get("source") == "synthetic" else "real"
        prov["split"] = ds.get("split")
    return {
        "format": FORMAT,
        "files": files,
        "class_names": student.class_names,
        "num_classes": student.num_classes,
        "input": {
            "name": INPUT,
            "dtype": "float32",
            "shape": ["batch", len(gaf["channels"]), "T"],
            "channels": list(gaf["channels"]),
            "sensor": sensor,
            "dataset_kind": kind,
            "sampling_rate_hz": rate,
            "t_min": t_min,
            "t_max": t_max,
            "units": "any: each channel is min-max scaled per recording",
            "conditioning": {"rate_hz": rate, "despike": gaf.get("despike", "auto")},
        },
        "output": {
            "name": OUTPUT,
            "dtype": "float32",
            "shape": ["batch", student.num_classes],
            "meaning": "softmax class probabilities, in class_names order",
        },
        "gaf": {
            "kind": gaf["kind"],
            "image_size": int(gaf["image_size"]),
            "interpolation": gaf.get("interpolation", "area"),
            "gadf_convention": gaf.get("gadf_convention", "matlab"),
            "quantized": True,
            "in_graph": True,
        },
        "network": {
            "name": student.network_name,
            "backbone": cfg.get("backbone"),
            "backbone_options": cfg.get("backbone_options") or {},
            "embedding_dim": cfg.get("embedding_dim"),
            "input_norm": cfg.get("input_norm", "unit"),
            "in_channels": student.in_channels,
            "parameters": int(sum(p.numel() for p in student.network.parameters())),
        },
        "provenance": prov,
        **(extra or {}),
    }


def export_student(
    model_path: str | Path,
    onnx_path: str | Path,
    torchscript_path: str | Path,
    json_path: str | Path,
    eff: dict[str, Any] | None = None,
    sampling_rate_hz: float | None = None,
) -> dict[str, Any]:
    """Write ``student.onnx``, ``student.pt`` (TorchScript) and ``student.json`` of a model file.

    ``eff`` is the dataset's effective config (its ``gaf`` section is checked against the model
    file's; its dataset kind gives the sensor and sampling rate); ``sampling_rate_hz`` overrides.
    Returns the sidecar.
    """
    student = load_student(model_path)
    gaf = resolve_gaf_config(student, eff)
    rate, sensor, kind = sampling_rate(eff)
    rate = float(sampling_rate_hz) if sampling_rate_hz else rate
    pipeline = build_pipeline(student, gaf)
    n_ch, size = len(gaf["channels"]), int(gaf["image_size"])
    data = onnx_pipeline(pipeline, n_ch)
    with atomic_path(onnx_path) as tmp:
        Path(tmp).write_bytes(data)
    scripted = torchscript_pipeline(pipeline, n_ch, size)
    with atomic_path(torchscript_path) as tmp:
        scripted.save(str(tmp))
    meta = sidecar(
        student,
        gaf,
        eff,
        rate,
        sensor,
        kind,
        {"onnx": Path(onnx_path).name, "torchscript": Path(torchscript_path).name},
    )
    write_json(json_path, meta)
    log.info(
        "exported %s -> %s, %s, %s (%d classes, %s of %s at %s px, T in [%d, %d])",
        model_path,
        onnx_path,
        torchscript_path,
        json_path,
        student.num_classes,
        gaf["kind"],
        list(gaf["channels"]),
        size,
        meta["input"]["t_min"],
        meta["input"]["t_max"],
    )
    return meta


def write_json(path: str | Path, obj: Any) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(obj, indent=2, default=_jsonable) + "\n")


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    if isinstance(v, (np.ndarray, tuple, set)):
        return list(v)
    return str(v)


# ---- int8 ---------------------------------------------------------------------------------------
class _RawReader:
    """onnxruntime calibration data: raw recordings (C, T) one at a time."""

    def __init__(self, recordings: Iterable[np.ndarray]):
        self.items = iter([{INPUT: np.asarray(r, np.float32)[None]} for r in recordings])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self.items, None)


def network_nodes(model) -> list[str]:
    """Names of the nodes of the network part (the exporter scopes them under ``/network/``)."""
    return [n.name for n in model.graph.node if n.name.startswith("/network/")]


def backbone_nodes(model) -> list[str]:
    """The network's backbone nodes (``/network/network/backbone/``): what int8 quantises."""
    return [n for n in network_nodes(model) if "/backbone/" in n]


def quantize_int8(
    onnx_path: str | Path, out_path: str | Path, calibration: Sequence[np.ndarray], per_channel: bool = True
) -> dict[str, Any]:
    """Static int8 (QDQ) quantisation of the backbone's convolutions; the GAF encoder stays float
    (its float64 min-max and resize are where exactness lives), and so does the head (fc0 ->
    ReLU -> classifier: under 1 % of the MACs). Why the head: DASK's semantic term pulls the
    student's fc0 towards the teacher's mostly negative fc0, i.e. towards 0 after the ReLU, and a
    uint8 grid over that narrow range costs accuracy (measured in docs/wearable.md).

    ``calibration``: raw recordings (C, T) of training clips (activations' ranges).
    """
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    model = onnx.load(str(onnx_path))
    include = backbone_nodes(model)
    if not include:
        raise ValueError(f"{onnx_path}: no /network/network/backbone/ node to quantise")
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        pre = Path(str(tmp) + ".pre.onnx")
        try:
            quant_pre_process(str(onnx_path), str(pre), skip_symbolic_shape=True)
            quantize_static(
                str(pre),
                str(tmp),
                _RawReader(calibration),
                quant_format=QuantFormat.QDQ,
                per_channel=per_channel,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["Conv", "Gemm", "MatMul", "Add", "Relu", "MaxPool", "GlobalAveragePool"],
                nodes_to_quantize=include,
                calibrate_method=CalibrationMethod.MinMax,
                extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
            )
        finally:
            pre.unlink(missing_ok=True)
    return {
        "file": out_path.name,
        "scheme": "static int8 QDQ (per-channel weights, uint8 "
        "activations, MinMax calibration), backbone only; GAF encoder and head float",
        "calibration_recordings": len(calibration),
    }


# ---- checks: parity with the training code and accuracy ---------------------------------------
def ort_session(model: str | Path | bytes, threads: int = 2):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    src = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])


def training_probabilities(student: StudentFile, images: np.ndarray, batch: int = 64) -> np.ndarray:
    """Probabilities of the training code's network on stored uint8 images (N, C, S, S)."""
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = torch.as_tensor(np.asarray(images[i : i + batch]), dtype=torch.float32)
            out.append(torch.softmax(student.network(x).logits, -1).numpy())
    return np.concatenate(out)


def _test_clips(split: str | Path, manifest: str | Path, gaf_h5: str | Path):
    """(clip ids, labels, stored images, manifest rows) of the test subset."""
    import pandas as pd

    from ..data.manifest import read_split
    from ..gaf_store import GafStore

    frame = read_split(split)
    test = frame[frame.subset == "test"]
    rows = pd.read_csv(manifest).set_index("clip_id")
    store = GafStore(gaf_h5)
    ids = [c for c in test.clip_id if c in store]
    images = np.stack([store[c] for c in ids]) if ids else np.zeros((0,) + tuple(store.shape), np.uint8)
    labels = test.set_index("clip_id").loc[ids, "label"].to_numpy()
    return ids, labels, images, rows.loc[ids]


def _raw_inputs(rows, meta: dict[str, Any]) -> list[np.ndarray]:
    """Model inputs of manifest rows, read and conditioned as ``vskd predict`` does."""
    from .recordings import model_input, read_recording

    sensor = meta["input"].get("sensor")
    out = []
    for _, row in rows.iterrows():
        path = row.get(f"sensor_{sensor}") if f"sensor_{sensor}" in row.index else None
        path = path if isinstance(path, str) and path else row["inertial_path"]
        rec, spec = read_recording(path, sensor)
        out.append(model_input(rec, spec, meta)[0])
    return out


def check_export(
    model_path: str | Path,
    onnx_path: str | Path,
    torchscript_path: str | Path,
    json_path: str | Path,
    split: str | Path,
    manifest: str | Path,
    gaf_h5: str | Path,
    int8_path: str | Path | None = None,
) -> dict[str, Any]:
    """Parity and accuracy of the exported files on every test clip, against the training code.

    - stored path: the exported network (ONNX Runtime, TorchScript ``classify_images``) on the
      pipeline's stored GAF images vs the training code's network on the same images;
    - raw path: the exported graphs (float, int8) on the raw recordings (GAF in the graph) vs the
      training code's network on the stored images; plus how many GAF pixels the in-graph encoder
      puts on another uint8 level than the stored images.
    """
    meta = json.loads(Path(json_path).read_text())
    student = load_student(model_path)
    gaf = resolve_gaf_config(student, None)
    ids, labels, images, rows = _test_clips(split, manifest, gaf_h5)
    if not ids:
        raise ValueError(f"{split}: no test clip with a stored GAF image in {gaf_h5}")
    ref = training_probabilities(student, images)
    pipeline = build_pipeline(student, gaf)
    net_sess = ort_session(onnx_network(pipeline, images.shape[1], images.shape[-1]))
    imgs = images.astype(np.float32)
    p_onnx_img = np.concatenate([net_sess.run(None, {"images": imgs[i : i + 1]})[0] for i in range(len(imgs))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit.load's deprecation notice
        scripted = torch.jit.load(str(torchscript_path), map_location="cpu")
    with torch.no_grad():
        p_ts_img = scripted.classify_images(torch.from_numpy(imgs)).numpy()
    raws = _raw_inputs(rows, meta)
    sess = ort_session(onnx_path)
    p_onnx_raw = np.concatenate([sess.run(None, {INPUT: x[None]})[0] for x in raws])
    with torch.no_grad():
        p_ts_raw = np.concatenate([scripted(torch.from_numpy(x)[None]).numpy() for x in raws])
        enc = [pipeline.encoder(torch.from_numpy(x)[None])[0].numpy() for x in raws]
    levels = np.concatenate([np.abs(e - i.astype(np.float32)).ravel() for e, i in zip(enc, images)])

    def acc(p: np.ndarray) -> float:
        return float((p.argmax(1) == labels).mean())

    def diff(p: np.ndarray) -> float:
        return float(np.abs(p - ref).max())

    report: dict[str, Any] = {
        "n_test": len(ids),
        "accuracy": {
            "training_code_stored_images": acc(ref),
            "onnx_stored_images": acc(p_onnx_img),
            "torchscript_stored_images": acc(p_ts_img),
            "onnx_raw": acc(p_onnx_raw),
            "torchscript_raw": acc(p_ts_raw),
        },
        "max_abs_prob_diff_vs_training_code": {
            "onnx_stored_images": diff(p_onnx_img),
            "torchscript_stored_images": diff(p_ts_img),
            "onnx_raw": diff(p_onnx_raw),
            "torchscript_raw": diff(p_ts_raw),
        },
        "top1_agreement_raw_vs_training_code": float((p_onnx_raw.argmax(1) == ref.argmax(1)).mean()),
        "gaf_pixels_on_another_level": int((levels > 0).sum()),
        "gaf_pixels": int(levels.size),
        "gaf_max_level_diff": float(levels.max()),
    }
    if int8_path is not None:
        q = ort_session(int8_path)
        p_q = np.concatenate([q.run(None, {INPUT: x[None]})[0] for x in raws])
        report["accuracy"]["int8_onnx_raw"] = acc(p_q)
        report["max_abs_prob_diff_vs_training_code"]["int8_onnx_raw"] = diff(p_q)
        report["top1_agreement_int8_vs_float"] = float((p_q.argmax(1) == p_onnx_raw.argmax(1)).mean())
    return report


def export_run(
    model_path: str | Path,
    eff: dict[str, Any],
    out: dict[str, str | Path],
    split: str | Path,
    manifest: str | Path,
    gaf_h5: str | Path,
    calibration_clips: int = 64,
) -> dict[str, Any]:
    """The export rule: student.{onnx,pt,json}, the int8 variant and the parity/accuracy report.

    ``out`` keys: onnx, torchscript, json, int8, report. Calibration of the int8 variant uses up
    to ``calibration_clips`` training clips (evenly spaced), never test clips.
    """
    import pandas as pd

    from ..data.manifest import read_split

    meta = export_student(model_path, out["onnx"], out["torchscript"], out["json"], eff)
    frame = read_split(split)
    train_ids = frame[frame.subset == "train"].clip_id.tolist()
    pick = train_ids[:: max(1, len(train_ids) // calibration_clips)][:calibration_clips]
    rows = pd.read_csv(manifest).set_index("clip_id").loc[pick]
    calib = _raw_inputs(rows, meta)
    qinfo = quantize_int8(out["onnx"], out["int8"], calib)
    report = check_export(
        model_path, out["onnx"], out["torchscript"], out["json"], split, manifest, gaf_h5, out["int8"]
    )
    sizes = {k: Path(out[k]).stat().st_size for k in ("onnx", "torchscript", "int8")}
    meta["int8"] = {
        **qinfo,
        "accuracy": report["accuracy"]["int8_onnx_raw"],
        "float_accuracy": report["accuracy"]["onnx_raw"],
    }
    meta["files"]["int8"] = Path(out["int8"]).name
    meta["file_bytes"] = sizes
    meta["checks"] = {
        "report": Path(out["report"]).name,
        "n_test": report["n_test"],
        "accuracy": report["accuracy"],
        "max_abs_prob_diff_vs_training_code": report["max_abs_prob_diff_vs_training_code"],
    }
    write_json(out["json"], meta)
    write_json(out["report"], {**report, "file_bytes": sizes, "int8": qinfo})
    log.info("export checks on %d test clips: %s", report["n_test"], report["accuracy"])
    return report
