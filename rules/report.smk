# Figures of the Snakemake report (`snakemake --report results/report.html`), per dataset:
# training curves of every run and of the teacher, confusion matrices and per-class F1 of
# teacher / CE / DASK, and a GAF example grid. The tables are in the report through rule `table`.
from vskd.report.targets import design_card_files, design_card_labels, figure_paths, run_names
from vskd.training.stages import class_names

FIGURES = f"{RESULTS}/figures"
FIGURE_CODE = code("vskd/report/figures.py", "workflow_scripts/figures.py")


localrules:
    report_figures,


rule figure_run_curves:
    """Training curves of one run over its seeds: every loss term, train / test accuracy."""
    input:
        histories=lambda w: [f"{s.folder}/history.csv" for s in runs_of(w.dataset, w.run)],
        code=FIGURE_CODE,
    output:
        report(
            f"{FIGURES}/{{dataset}}/curves/{{run}}.svg",
            caption="../report/curves.rst",
            category="Training curves",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "model": "{run}", "figure": "training curves"},
        ),
    params:
        title=lambda w: f"{w.dataset}: {runs_of(w.dataset, w.run)[0].label} (run {w.run})",
    log:
        f"{RESULTS}/logs/{{dataset}}/figures/curves_{{run}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/figures/curves_{{run}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/figures.py"


rule figure_teacher_curves:
    """Training curves of the video teacher (its loss and accuracies per epoch)."""
    input:
        histories=f"{RESULTS}/{{dataset}}/{{teacher}}/history.csv",
        code=FIGURE_CODE,
    output:
        report(
            f"{FIGURES}/{{dataset}}/curves_{{teacher}}.svg",
            caption="../report/curves.rst",
            category="Training curves",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "model": "{teacher}", "figure": "training curves"},
        ),
    params:
        title=lambda w: f"{w.dataset}: video {w.teacher.replace('_', ' ')}",
    log:
        f"{RESULTS}/logs/{{dataset}}/figures/curves_{{teacher}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/figures/curves_{{teacher}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/figures.py"


rule figure_confusion:
    """Confusion matrices of teacher / CE / DASK at the design-card seed (those the dataset has)."""
    input:
        unpack(lambda w: design_card_files(RESULTS, w.dataset, "confusion.csv", config["design_card"],
                                           config["seed"], runs_of, has_video(w.dataset))),
        code=FIGURE_CODE,
    output:
        report(
            f"{FIGURES}/{{dataset}}/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "figure": "confusion matrices"},
        ),
    params:
        roles=["teacher", "baseline", "student"],
        labels=lambda w: design_card_labels(w.dataset, config["design_card"], runs_of),
        title=lambda w: f"{w.dataset}: confusion matrices, seed {config['seed']}",
    log:
        f"{RESULTS}/logs/{{dataset}}/figures/confusion.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/figures/confusion.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/figures.py"


rule figure_per_class_f1:
    """Per-class F1 of teacher / CE / DASK (students: mean and std over their seeds)."""
    input:
        unpack(lambda w: design_card_files(RESULTS, w.dataset, "per_class.csv", config["design_card"],
                                           config["seed"], runs_of, has_video(w.dataset), all_seeds=True)),
        code=FIGURE_CODE,
    output:
        report(
            f"{FIGURES}/{{dataset}}/per_class_f1.svg",
            caption="../report/per_class_f1.rst",
            category="Per-class F1",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "figure": "per-class F1"},
        ),
    params:
        roles=["teacher", "baseline", "student"],
        labels=lambda w: design_card_labels(w.dataset, config["design_card"], runs_of),
        title=lambda w: f"{w.dataset}: per-class F1",
    log:
        f"{RESULTS}/logs/{{dataset}}/figures/per_class_f1.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/figures/per_class_f1.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/figures.py"


rule figure_gaf_examples:
    """GAF images of the first clip of every class (each channel as stored)."""
    input:
        gaf=gaf_file,
        code=FIGURE_CODE,
    output:
        report(
            f"{FIGURES}/{{dataset}}/gaf_examples.png",
            caption="../report/gaf_examples.rst",
            category="GAF examples",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "figure": "GAF examples"},
        ),
    params:
        class_names=lambda w: class_names(eff(w)),
        per_class=1,
        max_channels=6,
        title=lambda w: f"{w.dataset}",
    log:
        f"{RESULTS}/logs/{{dataset}}/figures/gaf_examples.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/figures/gaf_examples.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/figures.py"


rule report_figures:
    """Every figure of every configured dataset; writes their index (path, bytes, sha256)."""
    input:
        figures=[p for d in DATASETS
                 for p in figure_paths(RESULTS, d, run_names(runs_of, d, config["runs"]), has_video(d))],
        code=FIGURE_CODE,
    output:
        f"{FIGURES}/index.tsv",
    log:
        f"{RESULTS}/logs/figures_index.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures_index.tsv"
    threads: 1
    resources:
        mem_mb=200,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/figures.py"
