"""Snakemake glue: train and evaluate one sensor's GAF teacher (SAKDN)."""

import torch

from vskd.progress import setup_logging
from vskd.training.common import RunOutputs
from vskd.training.sensor_teachers import train_sensor_teacher

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
inp, out = snakemake.input, snakemake.output
train_sensor_teacher(
    snakemake.params.cfg,
    inp.split,
    inp.gaf,
    inp.class_embeddings,
    RunOutputs(out.model, out.metrics, out.history, out.per_class, out.confusion, snakemake.params.checkpoint),
    test_logits=out.test_logits,
)
