"""Snakemake glue: GAF images of one sensor's channels (SAKDN's per-sensor teacher input)."""
from vskd.progress import setup_logging
from vskd.sakdn.teachers import write_sensor_gaf

setup_logging(snakemake.log[0])
write_sensor_gaf(snakemake.input.manifest, snakemake.output[0], snakemake.params.gaf,
                 snakemake.params.channels, snakemake.wildcards.sensor, snakemake.params.dataset_kind)
