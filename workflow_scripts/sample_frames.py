"""Snakemake glue: frames of every (clip, camera) sample of an adapter dataset into HDF5."""
from vskd.data.clip_frames import write_sample_frames_h5
from vskd.data.manifest import read_manifest, verify_raw_files
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
manifest = verify_raw_files(read_manifest(snakemake.input.manifest), ["video"])
write_sample_frames_h5(manifest, snakemake.output[0], snakemake.params.frames, snakemake.params.dataset_kind)
