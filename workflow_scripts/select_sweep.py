"""Snakemake glue: one sweep's selection on the validation split (vskd.sweeps.select)."""

import logging

from vskd.atomic import atomic_path
from vskd.progress import setup_logging
from vskd.sweeps import select
from vskd.tables import load_metrics

setup_logging(snakemake.log[0])
selection = select(load_metrics(snakemake.input.metrics), snakemake.params.candidates)
with atomic_path(snakemake.output[0]) as tmp:
    selection.to_csv(tmp, index=False)
chosen = selection[selection.selected].iloc[0]
logging.getLogger("vskd").info(
    "%s: selected %s (validation accuracy %.4f over %d seeds)",
    snakemake.wildcards.sweep,
    chosen.candidate,
    chosen.validation_accuracy_mean,
    chosen.n_seeds,
)
