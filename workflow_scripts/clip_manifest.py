"""Snakemake glue: clip manifest and protocol splits (one row per sample) of an adapter dataset."""
from vskd.atomic import atomic_path
from vskd.data.clips import build_clip_manifest, clip_protocols, make_sample_split
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
p = snakemake.params.cfg
manifest = build_clip_manifest(snakemake.input.raw, p["kind"], p["modalities"], p["sensors"], p["cameras"],
                               p["skip_clips"], p["on_missing"], p["label_scheme"], p["conditioning"])
for protocol in clip_protocols(p["kind"]):
    with atomic_path(snakemake.output[protocol]) as tmp:
        make_sample_split(manifest, p["kind"], protocol).to_csv(tmp, index=False)
with atomic_path(snakemake.output.manifest) as tmp:
    manifest.to_csv(tmp, index=False)
