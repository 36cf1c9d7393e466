"""Snakemake glue: train and evaluate one run of the run sheet (either direction)."""

import torch

from vskd.progress import setup_logging
from vskd.training.common import RunOutputs
from vskd.training.runs import train_run

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
out = snakemake.output
train_run(
    snakemake.params.direction,
    snakemake.params.cfg,
    dict(snakemake.input.items()),
    RunOutputs(
        out.model,
        out.metrics,
        out.history,
        out.per_class,
        out.confusion,
        snakemake.params.checkpoint,
        test_logits=out.test_logits,
    ),
)
