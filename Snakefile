# vskd: vision-to-sensor knowledge distillation for human action recognition, as one Snakemake DAG.
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
include: "rules/common_datasets.smk"
include: "rules/datasets.smk"
include: "rules/features.smk"
include: "rules/semantic.smk"
include: "rules/teacher.smk"
include: "rules/runs.smk"
include: "rules/common_sakdn.smk"
include: "rules/sakdn.smk"
include: "rules/tables.smk"
include: "rules/common_export.smk"
include: "rules/export.smk"
include: "rules/report.smk"


localrules:
    all,
    data_all,
    unpack_archives,
    build_manifest,
    class_embeddings,
    design_card,
    table,
    tables,


rule all:
    input:
        all_targets(),
        rules.report_figures.output,
    default_target: True


rule tables:
    """Every comparison table of every configured dataset (results/tables/; the
    sensor_to_vision ones from rules/sakdn.smk)."""
    input:
        table_targets() + s2v_table_targets(),


rule data_all:
    """The data stages of every dataset (archives -> manifest -> frames/GAF), no training."""
    input:
        data_targets(),
