"""Snakemake glue: one comparison table (csv, md, tex) of one dataset."""

from vskd.progress import setup_logging
from vskd.tables import make_table

setup_logging(snakemake.log[0])
p = snakemake.params
make_table(
    snakemake.wildcards.table,
    snakemake.wildcards.dataset,
    snakemake.input.runs,
    snakemake.input.teachers,
    p.order,
    p.baseline,
    p.controls,
    *snakemake.output,
    reference=p.reference,
    dataset_kind=p.dataset_kind,
    baselines=p.baselines,
)
