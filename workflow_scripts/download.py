"""Snakemake glue: download one archive (resumable, sha256-verified)."""
from vskd.data.download import download
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
download(snakemake.params.url, snakemake.output[0], sha256=snakemake.params.sha256)
