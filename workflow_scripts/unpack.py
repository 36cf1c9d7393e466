"""Snakemake glue: unpack the archives of the configured modalities."""
from vskd.data.sources import unpack_archive
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
for modality in snakemake.params.modalities:
    unpack_archive(snakemake.input[modality], snakemake.output[0], modality,
                   origin=snakemake.params.origin)
