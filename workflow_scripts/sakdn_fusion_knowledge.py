"""Snakemake glue: cache one SPAMFM branch's outputs over the training clips (SAKDN)."""

import torch

from vskd.progress import setup_logging
from vskd.training.sensor_teachers import cache_fusion_knowledge

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
inp = snakemake.input
cache_fusion_knowledge(
    snakemake.params.cfg, inp.split, list(inp.gaf), inp.model, {snakemake.wildcards.sensor: snakemake.output[0]}
)
