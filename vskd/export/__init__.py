"""A trained student for a wearable: the GAF encoder inside an exported graph.

- :mod:`.resize`: OpenCV's INTER_AREA / INTER_LINEAR resize as exact per-axis linear maps, built
  in torch for any recording length;
- :mod:`.encoder`: :class:`GafEncoder`, ``vskd.gaf`` as a torch module (raw (B, C, T) -> images);
- :mod:`.model`: load a training model file, :class:`StudentPipeline` (raw -> probabilities);
- :mod:`.exporter`: ONNX (dynamic T), TorchScript, JSON sidecar, int8 variant, parity checks;
- :mod:`.recordings` / :mod:`.runtime`: what ``vskd predict`` reads and runs.
"""

from .encoder import GafEncoder
from .exporter import check_export, export_run, export_student, quantize_int8
from .model import ModelFileError, StudentPipeline, build_pipeline, load_student
from .runtime import Predictor

__all__ = [
    "GafEncoder",
    "ModelFileError",
    "Predictor",
    "StudentPipeline",
    "build_pipeline",
    "check_export",
    "export_run",
    "export_student",
    "load_student",
    "quantize_int8",
]
