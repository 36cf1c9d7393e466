"""Snakemake glue: the validation split (fit / validation parts of a protocol's training side)."""

import logging

from vskd.atomic import atomic_path
from vskd.data.manifest import read_split
from vskd.data.validation import make_validation_split
from vskd.progress import setup_logging

setup_logging(snakemake.log[0])
split = make_validation_split(read_split(snakemake.input.split), snakemake.params.kind, snakemake.params.validation)
with atomic_path(snakemake.output[0]) as tmp:
    split.to_csv(tmp, index=False)
held = split[split.subset == "test"]
logging.getLogger("vskd").info(
    "validation split of %s: %d fit clips, %d validation clips (by %s)",
    snakemake.input.split,
    int((split.subset == "train").sum()),
    len(held),
    snakemake.params.validation["by"],
)
