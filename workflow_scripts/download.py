"""Snakemake glue: download one archive (resumable, sha256-verified)."""

from vskd.data.download import download
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
params = snakemake.params[0]
download(params["url"], snakemake.output[0], sha256=params["sha256"])
