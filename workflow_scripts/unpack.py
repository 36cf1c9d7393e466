"""Snakemake glue: unpack the archives of the configured modalities."""

from vskd.data.sources import unpack_archive
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
for modality, archive in snakemake.params.archives.items():
    unpack_archive(archive, snakemake.output[0], modality, snakemake.params.kind, origin=snakemake.params.origin)
