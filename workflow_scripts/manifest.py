"""Snakemake glue: clip manifest and protocol splits."""
from vskd.atomic import atomic_path
from vskd.data.manifest import build_manifest, make_split
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
manifest = build_manifest(snakemake.input.raw, snakemake.params.modalities, snakemake.params.skip_clips)
for protocol in ("trial", "cross_subject"):
    with atomic_path(snakemake.output[protocol]) as tmp:
        make_split(manifest, protocol).to_csv(tmp, index=False)
with atomic_path(snakemake.output.manifest) as tmp:
    manifest.to_csv(tmp, index=False)
