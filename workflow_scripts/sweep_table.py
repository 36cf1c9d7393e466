"""Snakemake glue: the sweep table of one dataset (selected value beside the fixed default)."""

from vskd.progress import setup_logging
from vskd.sweeps import make_sweep_table

setup_logging(snakemake.log[0])
p = snakemake.params.table
make_sweep_table(
    snakemake.wildcards.dataset,
    list(snakemake.input.runs),
    dict(zip(p["sweeps"], snakemake.input.selections)),
    p["labels"],
    p["baselines"],
    snakemake.output.csv,
    snakemake.output.md,
)
