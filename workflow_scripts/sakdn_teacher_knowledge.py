"""Snakemake glue: cache a frozen sensor teacher's outputs over the training clips (SAKDN)."""

import torch

from vskd.progress import setup_logging
from vskd.training.sensor_teachers import cache_sensor_knowledge

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
inp = snakemake.input
cache_sensor_knowledge(snakemake.params.cfg, inp.split, inp.gaf, inp.model, snakemake.output[0])
