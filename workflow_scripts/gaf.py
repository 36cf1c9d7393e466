"""Snakemake glue: GAF images of every clip into HDF5."""
from vskd.data.manifest import read_manifest
from vskd.gaf_store import write_gaf_h5
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
write_gaf_h5(read_manifest(snakemake.input.manifest), snakemake.output[0], snakemake.params.gaf)
