"""Snakemake glue: one comparison table (csv, md, tex) of one dataset, either direction."""

from vskd.progress import setup_logging
from vskd.tables import write_comparison_table

setup_logging(snakemake.log[0])
write_comparison_table(
    snakemake.wildcards.table,
    snakemake.wildcards.dataset,
    dict(snakemake.input.items()),
    snakemake.params.table,
    snakemake.output.csv,
    snakemake.output.md,
    snakemake.output.tex,
)
