"""Snakemake glue: GAF images of the named sensors of an adapter dataset."""
from vskd.data.clips import write_sensor_gaf_h5
from vskd.data.manifest import read_manifest, verify_raw_files
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
manifest = verify_raw_files(read_manifest(snakemake.input.manifest), ["inertial"])
write_sensor_gaf_h5(manifest, snakemake.output[0], snakemake.params.gaf, snakemake.params.dataset_kind)
