"""The exported student (GAF in the graph) against the training code and OpenCV.

Nothing is trained: a randomly initialised ResNet-18 student is saved in the training code's model
file format; GAF images are written by the real GAF stage code (``write_gaf_h5``) from generated
recordings (the embedded UTD-MHAD generator) and, where ../shared has them, real UTD-MHAD files.

Tolerances (measured, see the asserts):
- resize weights: bit-equal to OpenCV's (identity images through ``cv2.resize``);
- encoder before quantisation: within 2e-6 of ``vskd.gaf`` (OpenCV sums in another order);
- after ``round(255 g)``: at most 1 level, on a few pixels per 10^5 for GASF (values within float
  rounding of a .5 step); GADF's diagonal is exactly 127.5 in exact arithmetic, so its 64 pixels
  per channel land on 127 or 128 by float noise in either implementation (off-diagonal as GASF);
- stored images -> probabilities: exported network (ONNX Runtime, TorchScript) vs the training
  code's network, 1e-4 (measured ~1e-6);
- raw -> probabilities vs the training code on the stored images: 1e-3 (the rare level flips).
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pandas as pd
import pytest
import scipy.io
import torch

from vskd.data import utd
from vskd.data.adapters import get_adapter
from vskd.data.synthetic.utd_mhad import SyntheticSpec, synthesize_clip
from vskd.export.encoder import GafEncoder
from vskd.export.exporter import (
    check_export,
    export_student,
    onnx_pipeline,
    ort_session,
    quantize_int8,
    training_probabilities,
)
from vskd.export.model import ModelFileError, build_pipeline, load_student
from vskd.export.resize import positions_like, resize_matrix, resize_vectors
from vskd.gaf import gaf_image, gramian_angular_field, mat2gray, resize_flag, series_image
from vskd.gaf_store import write_gaf_h5
from vskd.models.registry import build_network

CHANNELS = ["acc_x", "acc_y", "acc_z"]
GAF = {"kind": "gasf", "channels": CHANNELS, "image_size": 64, "interpolation": "area", "gadf_convention": "matlab"}


def save_student(path, gaf=GAF, num_classes=27, seed=0, backbone="resnet18", backbone_options=None):
    """A randomly initialised student in the training code's model file format."""
    torch.manual_seed(seed)
    cfg = {"embedding_dim": 300, "backbone": backbone, "pretrained": None, "input_norm": "unit"}
    if backbone_options:
        cfg["backbone_options"] = backbone_options
    net = build_network("gaf_cnn", cfg, num_classes, len(gaf["channels"]))
    torch.save(
        {
            "state_dict": net.state_dict(),
            "network": "gaf_cnn",
            "student_config": cfg,
            "num_classes": num_classes,
            "class_names": list(get_adapter("utd_mhad").class_names[:num_classes]),
            "in_channels": len(gaf["channels"]),
            "gaf_config": dict(gaf),
            "config_hash": "test",
            "run": {"name": "dask", "method": "dask"},
            "seed": seed,
        },
        path,
    )
    return path


def generated_clips(folder, n=12):
    """UTD-MHAD-named .mat files of the embedded generator (107-326 samples, 50 Hz)."""
    spec = SyntheticSpec(frame_width=32, frame_height=24)
    rows = []
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        clip = utd.ClipId(1 + (5 * i) % 27, 1 + i % 8, 1 + i % 4)
        _, imu = synthesize_clip(spec, clip)
        path = folder / f"a{clip.action}_s{clip.subject}_t{clip.trial}_inertial.mat"
        scipy.io.savemat(path, {"d_iner": imu})
        rows.append(
            {
                "clip_id": f"a{clip.action}_s{clip.subject}_t{clip.trial}",
                "label": clip.action - 1,
                "inertial_path": str(path),
            }
        )
    return rows


def dataset(folder, rows, gaf=GAF):
    """clips.csv, split.csv (every clip a test clip) and the GAF store of the GAF stage code."""
    manifest = pd.DataFrame(rows).assign(status="ok")
    manifest.to_csv(folder / "clips.csv", index=False)
    pd.DataFrame({"clip_id": manifest.clip_id, "label": manifest.label, "subset": "test"}).to_csv(
        folder / "split.csv", index=False
    )
    write_gaf_h5(manifest, folder / "gaf.h5", dict(gaf), "utd_mhad")
    return folder / "clips.csv", folder / "split.csv", folder / "gaf.h5"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    model = save_student(d / "model.pt")
    eff = {
        "name": "utd",
        "seed": 0,
        "gaf": dict(GAF),
        "dataset": {"kind": "utd_mhad", "source": "synthetic", "split": "trial"},
    }
    meta = export_student(model, d / "student.onnx", d / "student.pt", d / "student.json", eff)
    return d, model, meta


# ---- resize = OpenCV ---------------------------------------------------------------------------
@pytest.mark.parametrize("interpolation", ["area", "linear"])
@pytest.mark.parametrize("size", [8, 64, 224])
def test_resize_weights_are_opencvs(interpolation, size):
    """cv2.resize of an identity image (x axis only) returns its weight matrix: ours is bit-equal."""
    for n in [*range(2, 120, 3), 107, 177, 224, 326, 511, 640, 1000, 1024]:
        if n == size:
            continue
        flag = resize_flag(n, size, interpolation)
        ref = cv2.resize(np.eye(n, dtype=np.float32), (size, n), interpolation=flag).T
        ours = resize_matrix(positions_like(torch.zeros(n)), size, interpolation).numpy()
        np.testing.assert_allclose(ours, ref, rtol=0, atol=2e-13, err_msg=f"N={n}")


def test_resize_vectors_is_the_matrix_and_images_match_cv2():
    rng = np.random.default_rng(0)
    for n in (5, 63, 64, 65, 107, 200, 326):
        v = torch.tensor(rng.random((3, n)))
        a = resize_matrix(positions_like(v), 64, "area")
        torch.testing.assert_close(resize_vectors(v, 64, "area"), v @ a.T, rtol=0, atol=1e-13)
        img = rng.random((n, n)).astype(np.float32)
        ref = cv2.resize(img, (64, 64), interpolation=resize_flag(n, 64, "area")) if n != 64 else img
        np.testing.assert_allclose((a @ torch.tensor(img, dtype=torch.float64) @ a.T).numpy(), ref, atol=2e-6)


def test_cubic_enlarging_is_not_silently_wrong():
    out = resize_vectors(torch.rand(1, 20, dtype=torch.float64), 64, "cubic")
    assert torch.isnan(out).all()
    assert not torch.isnan(resize_vectors(torch.rand(1, 80, dtype=torch.float64), 64, "cubic")).any()


# ---- encoder = vskd.gaf ------------------------------------------------------------------------
def _reference_float(series, kind, size, interpolation, convention):
    gray = mat2gray(gramian_angular_field(series, kind, convention))
    if size == gray.shape[-1]:
        return gray
    flag = resize_flag(gray.shape[-1], size, interpolation)
    return np.clip(np.stack([cv2.resize(g.astype(np.float32), (size, size), interpolation=flag) for g in gray]), 0, 1)


def _compare_encoder(recordings, kind, convention="matlab", interpolation="area", size=64):
    enc_q = GafEncoder(kind, size, interpolation, convention, quantize=True)
    enc_f = GafEncoder(kind, size, interpolation, convention, quantize=False)
    flips = off_diag = total = 0
    for rec in recordings:
        series = rec[:, :3].T
        x = torch.tensor(series, dtype=torch.float32)[None]
        ref = series_image(series.astype(np.float32).astype(np.float64), kind, size, interpolation, convention)
        ref_f = _reference_float(series.astype(np.float32).astype(np.float64), kind, size, interpolation, convention)
        with torch.no_grad():
            out = enc_q(x)[0].numpy()
            out_f = enc_f(x)[0].numpy() / 255
        np.testing.assert_allclose(out_f, ref_f, atol=2e-6)
        diff = np.abs(out - ref.astype(np.float32))
        assert diff.max() <= 1
        flips += int((diff > 0).sum())
        off_diag += int((diff * (1 - np.eye(size))[None] > 0).sum())
        total += diff.size
    return flips, off_diag, total


def _generated(n=20):
    spec = SyntheticSpec(frame_width=32, frame_height=24)
    return [synthesize_clip(spec, utd.ClipId(1 + i % 27, 1 + i % 8, 1 + i % 4))[1] for i in range(n)]


@pytest.mark.parametrize("kind,convention", [("gasf", "matlab"), ("gadf", "matlab"), ("gadf", "pyts")])
def test_encoder_matches_gaf_on_generated_recordings(kind, convention):
    recs = _generated()
    # lengths around the image size too: enlarging (area, linear), equal, shrinking
    rng = np.random.default_rng(1)
    recs += [np.cumsum(rng.normal(size=(n, 6)), 0) for n in (9, 40, 63, 64, 65, 130)]
    flips, off_diag, total = _compare_encoder(recs, kind, convention)
    assert off_diag <= 1e-4 * total, (off_diag, total)
    if kind == "gasf":
        assert flips <= 1e-4 * total
    flips_lin, off_lin, total_lin = _compare_encoder(recs[-6:], kind, convention, "linear")
    assert off_lin <= 1e-3 * total_lin


def test_encoder_matches_gaf_on_real_utd(utd_inertial_dir):
    from vskd.data.readers import read_inertial

    files = sorted(utd_inertial_dir.glob("*_inertial.mat"))[::9]
    recs = [read_inertial(f) for f in files]
    flips, off_diag, total = _compare_encoder(recs, "gasf")
    print(f"real UTD GASF: {flips} of {total} pixels on another level ({len(recs)} recordings)")
    assert flips <= 2e-5 * total
    flips, off_diag, total = _compare_encoder(recs[:20], "gadf")
    assert off_diag <= 2e-5 * total


def test_constant_channel_gives_a_blank_image_like_gaf():
    rec = np.cumsum(np.random.default_rng(0).normal(size=(150, 6)), 0)
    rec[:, 1] = 0.25
    out = GafEncoder("gasf", 64)(torch.tensor(rec[:, :3].T, dtype=torch.float32)[None])[0].numpy()
    ref = gaf_image(rec.astype(np.float32).astype(np.float64), CHANNELS, "gasf", 64)
    assert (out[1] == 0).all() and (ref[1] == 0).all()
    assert np.abs(out - ref).max() <= 1


# ---- export: files, parity, int8 ---------------------------------------------------------------
def test_export_writes_onnx_torchscript_and_sidecar(exported):
    d, model, meta = exported
    side = json.loads((d / "student.json").read_text())
    assert side == json.loads(json.dumps(meta))
    assert side["class_names"] == list(get_adapter("utd_mhad").class_names)
    assert side["input"]["channels"] == CHANNELS and side["input"]["sampling_rate_hz"] == 50.0
    assert side["input"]["t_min"] <= 107 and side["input"]["t_max"] >= 326
    assert side["gaf"]["kind"] == "gasf" and side["gaf"]["image_size"] == 64
    prov = side["provenance"]
    assert prov["run"] == "dask" and prov["seed"] == 0 and prov["config_hash"] == "test"
    assert len(prov["model_sha256"]) == 64


def test_onnx_has_a_dynamic_length_and_matches_torch(exported):
    d, model, _ = exported
    student = load_student(model)
    pipe = build_pipeline(student, student.gaf_config)
    sess = ort_session(d / "student.onnx")
    ts = torch.jit.load(str(d / "student.pt"))
    rng = np.random.default_rng(0)
    for n in (8, 50, 64, 107, 326, 1024):
        x = np.cumsum(rng.normal(size=(2, 3, n)), -1).astype(np.float32)
        with torch.no_grad():
            ref = pipe(torch.from_numpy(x)).numpy()
            out_ts = ts(torch.from_numpy(x)).numpy()
        out = sess.run(None, {"raw": x})[0]
        np.testing.assert_allclose(out, ref, atol=1e-5, err_msg=f"T={n}")
        np.testing.assert_allclose(out_ts, ref, atol=1e-5, err_msg=f"T={n}")
        np.testing.assert_allclose(out.sum(1), 1, atol=1e-5)


def _parity(d, sub, model, rows):
    manifest, split, gaf_h5 = dataset(sub, rows)
    report = check_export(model, d / "student.onnx", d / "student.pt", d / "student.json", split, manifest, gaf_h5)
    tol = report["max_abs_prob_diff_vs_training_code"]
    assert tol["onnx_stored_images"] <= 1e-4, report
    assert tol["torchscript_stored_images"] <= 1e-4, report
    assert tol["onnx_raw"] <= 1e-3 and tol["torchscript_raw"] <= 1e-3, report
    acc = report["accuracy"]
    assert acc["onnx_stored_images"] == acc["training_code_stored_images"] == acc["torchscript_stored_images"]
    assert report["gaf_max_level_diff"] <= 1
    return report


def test_parity_on_generated_clips_through_the_gaf_stage(exported):
    d, model, _ = exported
    sub = d / "generated"
    report = _parity(d, sub, model, generated_clips(sub / "raw"))
    print(json.dumps(report))
    assert report["top1_agreement_raw_vs_training_code"] == 1.0


def test_parity_on_real_utd(exported, utd_inertial_dir):
    d, model, _ = exported
    sub = d / "real"
    sub.mkdir()
    files = sorted(utd_inertial_dir.glob("*_inertial.mat"))[::24]
    rows = []
    for f in files:
        clip_id = f.name.replace("_inertial.mat", "")
        action = int(clip_id.split("_")[0][1:])
        rows.append({"clip_id": clip_id, "label": action - 1, "inertial_path": str(f)})
    report = _parity(d, sub, model, rows)
    print(f"real UTD ({len(rows)} clips): {json.dumps(report)}")


def test_int8_variant_is_smaller_and_close(exported, tmp_path):
    d, model, _ = exported
    recs = [r[:, :3].T.astype(np.float32) for r in _generated(8)]
    info = quantize_int8(d / "student.onnx", tmp_path / "student_int8.onnx", recs)
    assert info["calibration_recordings"] == 8
    f, q = ort_session(d / "student.onnx"), ort_session(tmp_path / "student_int8.onnx")
    assert (tmp_path / "student_int8.onnx").stat().st_size < 0.35 * (d / "student.onnx").stat().st_size
    for x in recs[:4]:
        pf, pq = f.run(None, {"raw": x[None]})[0], q.run(None, {"raw": x[None]})[0]
        np.testing.assert_allclose(pq.sum(), 1, atol=1e-4)
        assert np.abs(pf - pq).max() < 0.05
    # the backbone's convolutions are int8, the head (fc0, classifier) float
    import onnx

    graph = onnx.load(str(tmp_path / "student_int8.onnx")).graph
    made_by = {o: n for n in graph.node for o in n.output}

    def quantised(node):
        return any(i in made_by and made_by[i].op_type == "DequantizeLinear" for i in node.input)

    nodes = {n.name: n for n in graph.node}
    assert all(quantised(n) for name, n in nodes.items() if "/backbone/" in name and n.op_type == "Conv")
    heads = [n for name, n in nodes.items() if n.op_type == "Gemm"]
    assert len(heads) == 2 and not any(quantised(n) for n in heads)


def test_the_wearable_student_exports_with_parity(tmp_path):
    """The wearable student of the run sheet (smallcnn with its own widths, passed as
    backbone_options) is rebuilt from its model file, exports, and matches the training code."""
    model = save_student(tmp_path / "model.pt", backbone="smallcnn", backbone_options={"widths": [32, 64, 128, 256]})
    eff = {
        "name": "utd",
        "seed": 0,
        "gaf": dict(GAF),
        "dataset": {"kind": "utd_mhad", "source": "synthetic", "split": "trial"},
    }
    meta = export_student(model, tmp_path / "student.onnx", tmp_path / "student.pt", tmp_path / "student.json", eff)
    assert meta["network"]["backbone"] == "smallcnn"
    assert meta["network"]["backbone_options"] == {"widths": [32, 64, 128, 256]}
    assert meta["network"]["parameters"] < 500_000
    report = _parity(tmp_path, tmp_path / "generated", model, generated_clips(tmp_path / "generated" / "raw", n=8))
    assert report["top1_agreement_raw_vs_training_code"] == 1.0


def test_export_refuses_a_config_that_disagrees_with_the_model(exported, tmp_path):
    _, model, _ = exported
    eff = {"gaf": {**GAF, "image_size": 32}}
    with pytest.raises(ModelFileError, match="image_size"):
        export_student(model, tmp_path / "a.onnx", tmp_path / "a.pt", tmp_path / "a.json", eff)


def test_model_file_without_optional_keys(tmp_path):
    """Only state_dict + student_config + gaf_config: classes and channels are inferred."""
    path = save_student(tmp_path / "m.pt", backbone="resnet18", num_classes=5)
    state = torch.load(path, weights_only=False)
    for k in ("num_classes", "class_names", "in_channels", "network", "run", "seed", "config_hash"):
        state.pop(k)
    torch.save(state, path)
    student = load_student(path)
    assert student.num_classes == 5 and student.in_channels == 3
    assert student.class_names == [f"class_{i}" for i in range(5)]
    with pytest.raises(ModelFileError, match="state_dict"):
        torch.save({"weights": 1}, tmp_path / "bad.pt")
        load_student(tmp_path / "bad.pt")


def test_stored_images_training_probabilities_helper(exported):
    _, model, _ = exported
    student = load_student(model)
    imgs = np.random.default_rng(0).integers(0, 256, (3, 3, 64, 64), dtype=np.uint8)
    p = training_probabilities(student, imgs)
    assert p.shape == (3, 27) and np.allclose(p.sum(1), 1, atol=1e-5)
    assert onnx_pipeline(build_pipeline(student, student.gaf_config), 3)[:4]  # bytes
