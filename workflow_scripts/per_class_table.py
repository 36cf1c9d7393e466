"""Snakemake glue: the per-class F1 table of the sensor_to_vision direction."""

from vskd.progress import setup_logging
from vskd.tables import make_sensor_to_vision_per_class

setup_logging(snakemake.log[0])
groups = {k: v for k, v in snakemake.params.groups.items() if v}
make_sensor_to_vision_per_class(groups, snakemake.input.gates, snakemake.output.csv, snakemake.output.md)
