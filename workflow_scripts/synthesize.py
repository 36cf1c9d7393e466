"""Snakemake glue: the embedded synthetic dataset of the dataset's kind, into one folder."""

from vskd.data.synthetic import get_generator
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
get_generator(snakemake.params.kind).write(
    dict(snakemake.params.synthetic), snakemake.output[0], workers=snakemake.threads
)
