# What the workflow publishes: comparison tables, report figures, the exported wearable student.


rule table:
    """results/tables/{dataset}_{table}.{csv,md,tex}: every comparison table, either direction:
    mean +- std over seeds, paired difference to CE with its 95 % interval, the teachers, controls,
    optional published reference (sensor_to_vision: sensor teachers, SPAMFM, late fusion)."""
    input:
        unpack(table_inputs),
        code=script_code("table.py"),
    output:
        csv=report(
            "results/tables/{dataset}_{table}.csv",
            category="Tables",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "table": "{table}", "format": "csv"},
        ),
        md="results/tables/{dataset}_{table}.md",
        tex="results/tables/{dataset}_{table}.tex",
    log:
        "results/logs/{dataset}/table_{table}.log",
    wildcard_constraints:
        table="|".join(TABLE_NAMES),
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        table=table_params,
    script:
        "../workflow_scripts/table.py"


rule sweep_table:
    """results/tables/{dataset}_sweep.{csv,md}: each sweep row with the validation accuracy of every
    value, the selected and the default value, the test accuracy of both paired with CE, and
    whether the reading of the row changes."""
    input:
        unpack(sweep_table_inputs),
        code=script_code("sweep_table.py"),
    output:
        csv=report(
            "results/tables/{dataset}_sweep.csv",
            category="Tables",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "table": "sweep", "format": "csv"},
        ),
        md="results/tables/{dataset}_sweep.md",
    log:
        "results/logs/{dataset}/table_sweep.log",
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        table=sweep_table_params,
    script:
        "../workflow_scripts/sweep_table.py"


rule per_class_table:
    """results/tables/{dataset}_sensor_to_vision_per_class.{csv,md}: per-class F1 of each sensor
    teacher, SPAMFM and each video-student run (over its seeds), beside SPAMFM's gate per sensor."""
    input:
        unpack(per_class_inputs),
        code=script_code("per_class_table.py"),
    output:
        csv="results/tables/{dataset}_{table}_per_class.csv",
        md="results/tables/{dataset}_{table}_per_class.md",
    log:
        "results/logs/{dataset}/table_{table}_per_class.log",
    wildcard_constraints:
        table=SENSOR_TO_VISION_TABLE,
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        groups=sensor_to_vision_per_class_groups,
    script:
        "../workflow_scripts/per_class_table.py"


# ---- report figures (`snakemake --report results/report.html`) --------------------------------
rule figure_run_curves:
    """Training curves of one run over its seeds: every loss term, train / test accuracy."""
    input:
        histories=lambda w: [f"{s.folder}/history.csv" for s in runs_of(w.dataset, w.run)],
        code=script_code("figures.py"),
    output:
        report(
            "results/figures/{dataset}/curves/{run}.svg",
            caption="../report/curves.rst",
            category="Training curves",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "model": "{run}", "figure": "training curves"},
        ),
    log:
        "results/logs/{dataset}/figures/curves_{run}.log",
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        title=lambda w: f"{w.dataset}: {runs_of(w.dataset, w.run)[0].label} (run {w.run})",
    script:
        "../workflow_scripts/figures.py"


use rule figure_run_curves as figure_model_curves with:
    input:
        histories="results/{dataset}/models/{model}/history.csv",
        code=script_code("figures.py"),
    output:
        report(
            "results/figures/{dataset}/curves_{model}.svg",
            caption="../report/curves.rst",
            category="Training curves",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "model": "{model}", "figure": "training curves"},
        ),
    log:
        "results/logs/{dataset}/figures/curves_{model}.log",
    params:
        title=lambda w: f"{w.dataset}: model {w.model.replace('_', ' ')}",


use rule figure_run_curves as figure_confusion with:
    input:
        unpack(lambda w: design_card_files(w, "confusion.csv")),
        code=script_code("figures.py"),
    output:
        report(
            "results/figures/{dataset}/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "figure": "confusion matrices"},
        ),
    log:
        "results/logs/{dataset}/figures/confusion.log",
    params:
        roles=["teacher", "baseline", "student"],
        labels=design_card_legend,
        title=lambda w: f"{w.dataset}: confusion matrices, seed {config['seed']}",


use rule figure_run_curves as figure_per_class_f1 with:
    input:
        unpack(lambda w: design_card_files(w, "per_class.csv", all_seeds=True)),
        code=script_code("figures.py"),
    output:
        report(
            "results/figures/{dataset}/per_class_f1.svg",
            caption="../report/per_class_f1.rst",
            category="Per-class F1",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "figure": "per-class F1"},
        ),
    log:
        "results/logs/{dataset}/figures/per_class_f1.log",
    params:
        roles=["teacher", "baseline", "student"],
        labels=design_card_legend,
        title=lambda w: f"{w.dataset}: per-class F1",


use rule figure_run_curves as figure_gaf_examples with:
    input:
        gaf=gaf_file,
        code=script_code("figures.py"),
    output:
        report(
            "results/figures/{dataset}/gaf_examples.png",
            caption="../report/gaf_examples.rst",
            category="GAF examples",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "figure": "GAF examples"},
        ),
    log:
        "results/logs/{dataset}/figures/gaf_examples.log",
    params:
        class_names=class_names,
        per_class=1,
        max_channels=6,
        title=lambda w: f"{w.dataset}",


rule report_figures:
    """Every figure of every configured dataset; writes their index (path, bytes, sha256)."""
    input:
        figures=figure_targets(),
        code=script_code("figures.py"),
    output:
        "results/figures/index.tsv",
    log:
        "results/logs/figures_index.log",
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=200,
        runtime=5,
    script:
        "../workflow_scripts/figures.py"


# ---- a student for a wearable: GAF encoder in the graph, ONNX + TorchScript + int8 -----------
#   snakemake --cores 2 results/utd/export/student.onnx                  # the design-card student
#   snakemake --cores 2 results/utd/runs/ce/seed0/export/student.onnx    # any run of the run sheet
rule export_run_student:
    """Any run of the run sheet, exported with its GAF encoder into the run's folder."""
    input:
        model="results/{dataset}/runs/{run}/seed{seed}/model.pt",
        gaf=gaf_file,
        split=split_file,
        manifest="results/{dataset}/clips.csv",
        code=script_code("export_student.py"),
    output:
        onnx="results/{dataset}/runs/{run}/seed{seed}/export/student.onnx",
        torchscript="results/{dataset}/runs/{run}/seed{seed}/export/student.pt",
        json="results/{dataset}/runs/{run}/seed{seed}/export/student.json",
        int8="results/{dataset}/runs/{run}/seed{seed}/export/student_int8.onnx",
        report="results/{dataset}/runs/{run}/seed{seed}/export/checks.json",
    log:
        "results/logs/{dataset}/runs/{run}/seed{seed}_export.log",
    benchmark:
        "results/benchmarks/{dataset}/runs/{run}/seed{seed}_export.tsv"
    conda:
        "../envs/vskd.yaml"
    threads: 2
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        eff=export_params,
    script:
        "../workflow_scripts/export_student.py"


use rule export_run_student as export_student with:
    input:
        model=design_card_model,
        gaf=gaf_file,
        split=split_file,
        manifest="results/{dataset}/clips.csv",
        code=script_code("export_student.py"),
    output:
        onnx="results/{dataset}/export/student.onnx",
        torchscript="results/{dataset}/export/student.pt",
        json="results/{dataset}/export/student.json",
        int8="results/{dataset}/export/student_int8.onnx",
        report="results/{dataset}/export/checks.json",
    log:
        "results/logs/{dataset}/export_student.log",
    benchmark:
        "results/benchmarks/{dataset}/export_student.tsv"
