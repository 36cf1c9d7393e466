"""Snakemake glue: class-name embeddings and a note of their source."""

import json

import numpy as np

from vskd.atomic import atomic_path, write_text_atomic
from vskd.progress import setup_logging
from vskd.semantic import class_embeddings

setup_logging(snakemake.log[0])
names = snakemake.params.class_names  # the dataset adapter's, in label order
emb, source = class_embeddings(names, snakemake.params.semantic)
with atomic_path(snakemake.output.npy) as tmp:
    np.save(tmp, emb)
write_text_atomic(snakemake.output.source, json.dumps({"source": source, "shape": list(emb.shape)}) + "\n")
