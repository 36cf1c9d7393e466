# vskd: cross-modal knowledge distillation for human action recognition, as one Snakemake DAG.
#
#   snakemake --cores 2 results/utd/student_metrics.csv        # one dataset, whole chain
#   snakemake --cores 2                                         # every target of `rule all`
#   snakemake --profile profiles/slurm results/utd/student_metrics.csv   # on a SLURM cluster
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/features.smk"
include: "rules/models.smk"
include: "rules/runs.smk"
include: "rules/outputs.smk"


localrules:
    all,
    data_all,
    tables,
    unpack_archives,
    build_manifest,
    make_split,
    validation_split,
    select_sweep,
    sweep_table,
    class_embeddings,
    design_card,
    table,
    report_figures,


rule all:
    default_target: True
    input:
        all_targets(),
        rules.report_figures.output,


rule tables:
    """Every comparison table of every configured dataset (results/tables/)."""
    input:
        table_targets(),


rule data_all:
    """The data stages of every dataset (source -> manifest -> splits -> frames / GAF), no training."""
    input:
        data_targets(),
