"""Snakemake glue: train and evaluate the video teacher (or evaluate the untrained control)."""

import torch

from vskd.progress import setup_logging
from vskd.training.common import RunOutputs
from vskd.training.stages import train_teacher

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
out = snakemake.output
train_teacher(
    snakemake.params.cfg,
    snakemake.input.split,
    snakemake.input.frames,
    RunOutputs(out.model, out.metrics, out.history, out.per_class, out.confusion, snakemake.params.checkpoint),
    untrained=snakemake.params.untrained,
)
