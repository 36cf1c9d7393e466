# The runs of the run sheet: one rule, parameterised by (dataset, run, seed).


rule train_run:
    """Train and evaluate the GAF student of one run: its method and parameters, its teacher
    (trained, shuffled or untrained; cached or online), its seed."""
    input:
        unpack(run_inputs),
        code=TRAINING_CODE + DISTILL_CODE + BACKBONE_CODE,
        method=method_code,
    output:
        model=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/model.pt",
        history=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/history.csv",
        per_class=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/per_class.csv",
        confusion=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/confusion.csv",
        metrics=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/metrics.csv",
    params:
        cfg=run_params,
        checkpoint=f"{RESULTS}/{{dataset}}/checkpoints/runs/{{run}}/seed{{seed}}.pt",
    log:
        f"{RESULTS}/logs/{{dataset}}/runs/{{run}}/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/runs/{{run}}/seed{{seed}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/train_run.py"


rule design_card:
    """results/{dataset}/student_metrics.csv (DASK) and student_baseline_metrics.csv (CE): copies
    of the design-card runs' metrics at the config's seed (`design_card` in config.yaml)."""
    input:
        design_card_metrics,
    output:
        f"{RESULTS}/{{dataset}}/{{card}}_metrics.csv",
    log:
        f"{RESULTS}/logs/{{dataset}}/design_card_{{card}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/design_card_{{card}}.tsv"
    threads: 1
    resources:
        mem_mb=200,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/copy_file.py"
