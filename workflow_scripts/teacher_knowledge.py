"""Snakemake glue: cache the frozen teacher's outputs on the training clips."""

import torch

from vskd.progress import setup_logging
from vskd.training.stages import cache_teacher_knowledge

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
cache_teacher_knowledge(
    snakemake.params.cfg, snakemake.input.split, snakemake.input.frames, snakemake.input.teacher, snakemake.output[0]
)
