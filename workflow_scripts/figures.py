"""Snakemake glue: one report figure (the rule's name picks which), or the figure index."""

import hashlib
import logging
from pathlib import Path

from vskd.atomic import write_text_atomic
from vskd.progress import setup_logging
from vskd.report import figures

setup_logging(snakemake.log[0])
log = logging.getLogger("figures")
rule, inp, p, out = snakemake.rule, snakemake.input, snakemake.params, snakemake.output


def files(role):
    """A named input as a list of paths (a single file comes as a string)."""
    value = getattr(inp, role)
    return [value] if isinstance(value, str) else list(value)


if rule in ("figure_run_curves", "figure_model_curves"):
    figures.curves_figure(files("histories"), out[0], p.title)
elif rule == "figure_confusion":
    panels = {p.labels[r]: files(r)[0] for r in p.roles if files(r)}
    figures.confusion_figure(panels, out[0], p.title)
elif rule == "figure_per_class_f1":
    figures.per_class_f1_figure({p.labels[r]: files(r) for r in p.roles}, out[0], p.title)
elif rule == "figure_gaf_examples":
    figures.gaf_examples_figure(
        inp.gaf, out[0], p.title, class_names=p.class_names, per_class=p.per_class, max_channels=p.max_channels
    )
elif rule == "report_figures":
    lines = ["path\tbytes\tsha256"]
    for f in inp.figures:
        data = Path(f).read_bytes()
        lines.append(f"{f}\t{len(data)}\t{hashlib.sha256(data).hexdigest()}")
    write_text_atomic(out[0], "\n".join(lines) + "\n")
else:
    raise ValueError(f"workflow_scripts/figures.py does not know rule {rule!r}")
log.info("%s -> %s", rule, ", ".join(map(str, out)))
