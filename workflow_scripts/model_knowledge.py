"""Snakemake glue: cache a frozen model's outputs over the training clips (one file, or one SPAMFM branch)."""

import torch

from vskd.progress import setup_logging
from vskd.training.models import branch_of, cache_model_knowledge

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
model, path = snakemake.params.model, snakemake.output[0]
branch = branch_of(path, model["sensors"]) if model["network"] == "spamfm" else None
cache_model_knowledge(snakemake.params.cfg, model, dict(snakemake.input.items()), {branch or model["name"]: path})
