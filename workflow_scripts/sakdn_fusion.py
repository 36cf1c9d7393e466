"""Snakemake glue: train and evaluate the SPAMFM teacher (SAKDN)."""

import torch

from vskd.progress import setup_logging
from vskd.training.common import RunOutputs
from vskd.training.sensor_teachers import train_fusion_teacher

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
inp, out = snakemake.input, snakemake.output
train_fusion_teacher(
    snakemake.params.cfg,
    inp.split,
    list(inp.gaf),
    inp.class_embeddings,
    RunOutputs(out.model, out.metrics, out.history, out.per_class, out.confusion, snakemake.params.checkpoint),
    branch_metrics=out.branches,
    fusion_weights=out.weights,
    test_logits=out.test_logits,
    init_models=list(inp.get("init", [])) or None,
)
