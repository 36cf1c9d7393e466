"""Snakemake glue: train and evaluate the video student of one sensor_to_vision run (SAKDN)."""

import torch

from vskd.progress import setup_logging
from vskd.training.common import RunOutputs
from vskd.training.sensor_to_vision import train_reverse_run

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
inp, out = snakemake.input, snakemake.output
train_reverse_run(
    snakemake.params.cfg,
    inp.split,
    inp.frames,
    RunOutputs(out.model, out.metrics, out.history, out.per_class, out.confusion, snakemake.params.checkpoint),
    test_logits=out.test_logits,
    knowledge=list(inp.get("knowledge", [])),
    teacher_metrics=list(inp.get("teacher_metrics", [])),
    class_embeddings=inp.get("class_embeddings"),
)
