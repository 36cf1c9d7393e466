"""Snakemake glue: train and evaluate one run of the run sheet (either direction)."""

import torch

from vskd.progress import setup_logging
from vskd.training.common import RunOutputs
from vskd.training.runs import train_run

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
out = RunOutputs.of(dict(snakemake.output.items()), snakemake.params.checkpoint)
train_run(snakemake.params.direction, snakemake.params.cfg, dict(snakemake.input.items()), out)
