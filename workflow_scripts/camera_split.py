"""Snakemake glue: a camera-dependent protocol split (MMAct cross_view), one row per (clip, camera)."""
from vskd.atomic import atomic_path
from vskd.data.clips import make_sample_split
from vskd.data.manifest import read_manifest
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
split = make_sample_split(read_manifest(snakemake.input.manifest), snakemake.params.kind,
                          snakemake.wildcards.protocol)
with atomic_path(snakemake.output[0]) as tmp:
    split.to_csv(tmp, index=False)
