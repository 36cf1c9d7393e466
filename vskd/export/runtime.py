"""Load an exported student (or a training model file) and run it on one recording."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .model import ModelFileError


def find_sidecar(model_path: Path) -> Path | None:
    """``student.json`` beside ``student.onnx`` / ``student.pt`` (same stem first)."""
    for cand in (
        model_path.with_suffix(".json"),
        model_path.with_name(model_path.name.split(".")[0].split("_int8")[0] + ".json"),
    ):
        if cand.is_file():
            return cand
    return None


#: what a sidecar must hold for a prediction
SIDECAR_KEYS = ("class_names", "input")


def read_sidecar(path: Path) -> dict[str, Any]:
    """The sidecar (``student.json``) of an exported student; ModelFileError naming it when it is no
    JSON object or lacks what a prediction needs."""
    try:
        meta = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: not a readable sidecar ({exc})") from None
    missing = [k for k in SIDECAR_KEYS if not isinstance(meta, dict) or k not in meta]
    if missing:
        raise ModelFileError(f"{path}: sidecar without {', '.join(missing)}; export the student again")
    return meta


class Predictor:
    """``predict(x (C, T) float32) -> probabilities (K,)``; ``meta``: the sidecar."""

    def __init__(self, model_path: str | Path, threads: int = 2, trust_model_file: bool = False):
        path = Path(model_path)
        if not path.is_file():
            raise ModelFileError(f"{path}: model file does not exist")
        self.path = path
        self.backend = ""
        sidecar = find_sidecar(path)
        self.meta: dict[str, Any] | None = read_sidecar(sidecar) if sidecar else None
        if path.suffix == ".onnx":
            from .exporter import ort_session

            if self.meta is None:
                raise ModelFileError(
                    f"{path}: no sidecar {path.with_suffix('.json').name} beside it "
                    "(class names, channels, sampling rate)"
                )
            try:
                self.session = ort_session(path, threads)
            except Exception as exc:  # onnxruntime raises its own types for a damaged graph
                raise ModelFileError(f"{path}: not a readable ONNX model ({type(exc).__name__}: {exc})") from None
            self.input_name = self.session.get_inputs()[0].name
            self.backend = "onnxruntime"
            self._run = lambda x: self.session.run(None, {self.input_name: x[None]})[0][0]
            return
        torch.set_num_threads(threads)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch.jit.load's deprecation notice
                module = torch.jit.load(str(path), map_location="cpu")
            if self.meta is None:
                raise ModelFileError(f"{path}: TorchScript model without a sidecar {path.with_suffix('.json').name}")
            self.backend = "torchscript"
        except RuntimeError:  # not TorchScript: a model file written by training
            from .exporter import sidecar as make_sidecar
            from .model import build_pipeline, load_student, resolve_gaf_config

            student = load_student(path, trust=trust_model_file)
            gaf = resolve_gaf_config(student, None)
            module = build_pipeline(student, gaf)
            if self.meta is None:
                self.meta = make_sidecar(student, gaf, None, None, None, None, {"model": path.name})
            self.backend = "torch (training model file)"
        self.module = module.eval()

        def run(x: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                return self.module(torch.from_numpy(x)[None]).numpy()[0]

        self._run = run

    @property
    def class_names(self) -> list[str]:
        return list(self.meta["class_names"])

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._run(np.ascontiguousarray(x, dtype=np.float32)), dtype=np.float64)
