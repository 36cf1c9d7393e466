"""Snakemake glue: train and evaluate one model of the model sheet (or initialise the untrained control)."""

import torch

from vskd.progress import setup_logging
from vskd.training.common import ModelOutputs
from vskd.training.models import train_model

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
out = ModelOutputs.of(dict(snakemake.output.items()), snakemake.params.checkpoint)
train_model(snakemake.params.cfg, snakemake.params.model, dict(snakemake.input.items()), out)
