# The runs of the run sheet: one job per (dataset, run, seed); the design-card copies.


rule train_run:
    """Train and evaluate the GAF student of one run: its method and parameters, its teacher
    (trained, shuffled or untrained; cached or online), its seed."""
    input:
        unpack(run_inputs),
        code=script_code("train_run.py", "vskd.distill.methods"),
    output:
        model="results/{dataset}/runs/{run}/seed{seed}/model.pt",
        history="results/{dataset}/runs/{run}/seed{seed}/history.csv",
        per_class="results/{dataset}/runs/{run}/seed{seed}/per_class.csv",
        confusion="results/{dataset}/runs/{run}/seed{seed}/confusion.csv",
        metrics="results/{dataset}/runs/{run}/seed{seed}/metrics.csv",
    log:
        "results/logs/{dataset}/runs/{run}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/runs/{run}/seed{seed}.tsv"
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=gpus,
    params:
        cfg=run_params,
        checkpoint="results/{dataset}/checkpoints/runs/{run}/seed{seed}.pt",
    script:
        "../workflow_scripts/train_run.py"


rule s2v_run:
    """Train and evaluate the video (TRN) student of one sensor_to_vision run of the run sheet."""
    input:
        unpack(s2v_inputs),
        code=script_code("s2v_run.py", "vskd.distill.methods"),
    output:
        model="results/{dataset}/s2v/{s2v_run}/seed{seed}/model.pt",
        history="results/{dataset}/s2v/{s2v_run}/seed{seed}/history.csv",
        per_class="results/{dataset}/s2v/{s2v_run}/seed{seed}/per_class.csv",
        confusion="results/{dataset}/s2v/{s2v_run}/seed{seed}/confusion.csv",
        test_logits="results/{dataset}/s2v/{s2v_run}/seed{seed}/test_logits.csv",
        metrics="results/{dataset}/s2v/{s2v_run}/seed{seed}/metrics.csv",
    log:
        "results/logs/{dataset}/s2v/{s2v_run}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/s2v/{s2v_run}/seed{seed}.tsv"
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=gpus,
    params:
        cfg=lambda w: reverse_run_config(eff(w), s2v_spec(w), sakdn(w)),
        checkpoint="results/{dataset}/checkpoints/s2v/{s2v_run}/seed{seed}.pt",
    script:
        "../workflow_scripts/s2v_run.py"


rule late_fusion:
    """The upper reference: the CE video student's and the SPAMFM teacher's test predictions combined."""
    input:
        video=lambda w: f"results/{w.dataset}/s2v/{s2v_baseline(w.dataset)}/seed{w.seed}/test_logits.csv",
        sensor="results/{dataset}/models/spamfm/test_logits.csv",
        code=script_code("late_fusion.py"),
    output:
        metrics="results/{dataset}/s2v/late_fusion/seed{seed}/metrics.csv",
        per_class="results/{dataset}/s2v/late_fusion/seed{seed}/per_class.csv",
    log:
        "results/logs/{dataset}/s2v/late_fusion_seed{seed}.log",
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=lambda w: {
            "name": w.dataset,
            "dataset": eff(w)["dataset"],
            "seed": int(w.seed),
            "late_fusion": sakdn(w)["late_fusion"],
        },
    script:
        "../workflow_scripts/late_fusion.py"


rule design_card:
    """results/{dataset}/student_metrics.csv (DASK), student_baseline_metrics.csv (CE) and
    teacher_metrics.csv: copies of the design-card runs' metrics at the config's seed
    (`design_card` in config.yaml) and of the video teacher's."""
    input:
        design_card_metrics,
    output:
        "results/{dataset}/{card}_metrics.csv",
    log:
        "results/logs/{dataset}/design_card_{card}.log",
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=200,
        runtime=5,
    script:
        "../workflow_scripts/copy_file.py"
