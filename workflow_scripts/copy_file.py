"""Snakemake glue: copy the input file to the output, atomically."""

import logging
import shutil

from vskd.atomic import atomic_path
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
with atomic_path(snakemake.output[0]) as tmp:
    shutil.copyfile(snakemake.input[0], tmp)
logging.getLogger("copy").info("%s -> %s", snakemake.input[0], snakemake.output[0])
