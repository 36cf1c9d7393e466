"""Snakemake glue: late fusion of the CE video student and the sensor teachers (SAKDN's reference)."""

from vskd.progress import setup_logging
from vskd.training.sensor_to_vision import late_fusion

setup_logging(snakemake.log[0])
cfg = snakemake.params.cfg
late_fusion(
    cfg,
    snakemake.input.video,
    snakemake.input.sensor,
    snakemake.output.metrics,
    snakemake.output.per_class,
    mode=cfg["late_fusion"],
)
