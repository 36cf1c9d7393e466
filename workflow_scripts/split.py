"""Snakemake glue: one protocol's split file (one row per sample)."""

from vskd.atomic import atomic_path
from vskd.data.manifest import make_split, read_manifest
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
split = make_split(read_manifest(snakemake.input.manifest), snakemake.params.kind, snakemake.wildcards.protocol)
with atomic_path(snakemake.output[0]) as tmp:
    split.to_csv(tmp, index=False)
