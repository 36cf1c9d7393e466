"""Snakemake glue: train and evaluate a GAF student (baseline or DASK)."""
import json

import torch

from vskd.progress import setup_logging
from vskd.training.stages import RunOutputs, train_student

setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
inp, out = snakemake.input, snakemake.output
semantic = None
if "class_embeddings_source" in inp.keys():
    with open(inp.class_embeddings_source) as f:
        semantic = json.load(f)["source"]
train_student(snakemake.params.cfg, snakemake.params.mode, inp.split, inp.gaf,
              RunOutputs(out.model, out.metrics, out.history, out.per_class, out.confusion,
                         snakemake.params.checkpoint),
              knowledge_h5=inp.get("knowledge"), frames_h5=inp.get("frames"),
              teacher_path=inp.get("teacher"), class_embeddings=inp.get("class_embeddings"),
              semantic_source=semantic)
