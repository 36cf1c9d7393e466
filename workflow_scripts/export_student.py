"""Snakemake glue: export a trained student (GAF in the graph), its int8 variant and the checks."""

import torch

from vskd.export.exporter import export_run
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
inp, out = snakemake.input, snakemake.output
export_run(
    inp.model,
    snakemake.params.eff,
    {"onnx": out.onnx, "torchscript": out.torchscript, "json": out.json, "int8": out.int8, "report": out.report},
    inp.split,
    inp.manifest,
    inp.gaf,
)
