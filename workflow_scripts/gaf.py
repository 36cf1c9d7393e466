"""Snakemake glue: one GAF image set of a dataset into HDF5."""

from vskd.data.manifest import read_manifest, verify_raw_files
from vskd.gaf_store import write_gaf_h5
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
manifest = verify_raw_files(read_manifest(snakemake.input.manifest), ["inertial"])
write_gaf_h5(manifest, snakemake.output[0], snakemake.params.gaf, snakemake.params.kind)
