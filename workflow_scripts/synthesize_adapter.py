"""Snakemake glue: write a synthetic Berkeley-MHAD or MMAct dataset as an unpacked folder."""
from vskd.data.synthetic_berkeley import BerkeleySpec, write_synthetic_berkeley
from vskd.data.synthetic_mmact import MMActSpec, write_synthetic_mmact
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
kind, cfg = snakemake.params.kind, dict(snakemake.params.synthetic)
if kind == "berkeley_mhad":
    write_synthetic_berkeley(BerkeleySpec.from_config(cfg), snakemake.output[0], workers=snakemake.threads)
elif kind == "mmact":
    write_synthetic_mmact(MMActSpec.from_config(cfg), snakemake.output[0], workers=snakemake.threads)
else:
    raise ValueError(f"no synthetic generator for dataset kind {kind!r}")
