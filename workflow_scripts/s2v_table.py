"""Snakemake glue: the sensor_to_vision comparison table (csv, md, tex) of one dataset."""

from vskd.progress import setup_logging
from vskd.tables import make_sensor_to_vision_per_class, make_sensor_to_vision_table

setup_logging(snakemake.log[0])
inp, p = snakemake.input, snakemake.params
make_sensor_to_vision_table(
    snakemake.wildcards.dataset,
    list(inp.runs) + list(inp.late_fusion),
    list(inp.teachers),
    inp.fusion,
    inp.branches,
    p.sensors,
    p.order,
    p.baseline,
    snakemake.output.csv,
    snakemake.output.md,
    snakemake.output.tex,
)
# per-class F1: each sensor teacher, the SPAMFM teacher, each video-student run (over its seeds)
make_sensor_to_vision_per_class(
    {k: v for k, v in p.per_class_groups.items() if v},
    inp.weights,
    snakemake.output.per_class_csv,
    snakemake.output.per_class_md,
)
