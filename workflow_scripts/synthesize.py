"""Snakemake glue: write the synthetic dataset's archives."""
from vskd.data.synthetic import SyntheticSpec, write_synthetic_archives
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
write_synthetic_archives(SyntheticSpec.from_config(snakemake.params.synthetic),
                         snakemake.output.rgb, snakemake.output.inertial, workers=snakemake.threads)
