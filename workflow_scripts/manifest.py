"""Snakemake glue: the clip manifest of a dataset (its adapter scans the raw folder)."""

from vskd.atomic import atomic_path
from vskd.data.manifest import build_manifest
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
p = snakemake.params[0]
manifest = build_manifest(
    snakemake.input.raw,
    p["kind"],
    p["modalities"],
    p["sensors"],
    p["cameras"],
    p["skip_clips"],
    p["on_missing"],
    p["label_scheme"],
    p["conditioning"],
)
with atomic_path(snakemake.output[0]) as tmp:
    manifest.to_csv(tmp, index=False)
