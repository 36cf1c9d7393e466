"""Snakemake glue: frames of every (clip, camera) sample into HDF5."""

from vskd.data.manifest import read_manifest, verify_raw_files
from vskd.frames import write_frames_h5
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
manifest = verify_raw_files(read_manifest(snakemake.input.manifest), ["video"])
write_frames_h5(manifest, snakemake.output[0], snakemake.params.frames, snakemake.params.kind)
