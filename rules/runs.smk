# The runs of the run sheet, either direction: one job per (dataset, run, seed); the late-fusion
# reference of the sensor_to_vision direction; the design-card copies.


rule train_run:
    """Train and evaluate the student of one run: its method and parameters, its teacher model(s)
    (the video teacher, trained, shuffled or untrained, cached or online; or sensor teachers for a
    sensor_to_vision run, whose student is the video network), its seed. No ``benchmark:``: its
    training seconds and peak memory are in its metrics.csv (Snakemake samples a benchmarked job's
    memory from /proc smaps every second for its first 30 s: over the grid's short runs, a large
    share of a core; docs/benchmarks.md)."""
    input:
        unpack(run_inputs),
        code=script_code("train_run.py", "vskd.distill.methods"),
    output:
        model="results/{dataset}/runs/{run}/seed{seed}/model.pt",
        history="results/{dataset}/runs/{run}/seed{seed}/history.csv",
        per_class="results/{dataset}/runs/{run}/seed{seed}/per_class.csv",
        confusion="results/{dataset}/runs/{run}/seed{seed}/confusion.csv",
        test_logits="results/{dataset}/runs/{run}/seed{seed}/test_logits.csv",
        metrics="results/{dataset}/runs/{run}/seed{seed}/metrics.csv",
    log:
        "results/logs/{dataset}/runs/{run}/seed{seed}.log",
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=gpus,
    params:
        cfg=run_params,
        direction=run_direction,
        checkpoint="results/{dataset}/checkpoints/runs/{run}/seed{seed}.pt",
    script:
        "../workflow_scripts/train_run.py"


rule late_fusion:
    """The upper reference: the CE video student's and the SPAMFM teacher's test predictions combined."""
    input:
        video=lambda w: f"results/{w.dataset}/runs/{sensor_to_vision_baseline(w.dataset)}/seed{w.seed}/test_logits.csv",
        sensor="results/{dataset}/models/spamfm/test_logits.csv",
        code=script_code("late_fusion.py"),
    output:
        metrics="results/{dataset}/late_fusion/seed{seed}/metrics.csv",
        per_class="results/{dataset}/late_fusion/seed{seed}/per_class.csv",
    log:
        "results/logs/{dataset}/late_fusion/seed{seed}.log",
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


rule select_sweep:
    """The value of a sweep row selected on validation: every candidate mean validation accuracy
    over the seeds, the best one marked (only the candidates metrics are read: no test clip)."""
    input:
        metrics=sweep_selection_inputs,
        code=script_code("select_sweep.py"),
    output:
        "results/{dataset}/sweeps/{sweep}/selection.csv",
    log:
        "results/logs/{dataset}/sweeps/{sweep}.log",
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        candidates=sweep_candidates,
    script:
        "../workflow_scripts/select_sweep.py"
