"""Snakemake glue: train and evaluate one run of the run sheet."""

import torch

from vskd.progress import setup_logging
from vskd.training.common import RunOutputs
from vskd.training.stages import train_run

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
inp, out = snakemake.input, snakemake.output
train_run(
    snakemake.params.cfg,
    inp.split,
    inp.gaf,
    RunOutputs(out.model, out.metrics, out.history, out.per_class, out.confusion, snakemake.params.checkpoint),
    knowledge_h5=inp.get("knowledge"),
    frames_h5=inp.get("frames"),
    teacher_path=inp.get("teacher"),
    class_embeddings=inp.get("class_embeddings"),
)
