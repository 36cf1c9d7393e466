# Sensor students on GAF images: cross-entropy baseline and DASK-distilled.


rule train_student_baseline:
    """The student alone (cross-entropy only): the reference every distillation is compared to."""
    input:
        gaf=gaf_file,
        split=split_file,
        code=TRAINING_CODE + BACKBONE_CODE + code("vskd/models/student.py"),
    output:
        model=f"{RESULTS}/{{dataset}}/student_baseline/model.pt",
        history=f"{RESULTS}/{{dataset}}/student_baseline/history.csv",
        per_class=f"{RESULTS}/{{dataset}}/student_baseline/per_class.csv",
        confusion=f"{RESULTS}/{{dataset}}/student_baseline/confusion.csv",
        metrics=f"{RESULTS}/{{dataset}}/student_baseline_metrics.csv",
    params:
        cfg=lambda w: stage_params(w, "gaf", "student"),
        mode="baseline",
        checkpoint=f"{RESULTS}/{{dataset}}/checkpoints/student_baseline.pt",
    log:
        f"{RESULTS}/logs/{{dataset}}/train_student_baseline.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/train_student_baseline.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/train_student.py"


rule train_student_dask:
    """The student distilled from the frozen video teacher with DASK."""
    input:
        unpack(dask_inputs),
        gaf=gaf_file,
        split=split_file,
        code=TRAINING_CODE + BACKBONE_CODE + code("vskd/models/student.py"),
    output:
        model=f"{RESULTS}/{{dataset}}/student_dask/model.pt",
        history=f"{RESULTS}/{{dataset}}/student_dask/history.csv",
        per_class=f"{RESULTS}/{{dataset}}/student_dask/per_class.csv",
        confusion=f"{RESULTS}/{{dataset}}/student_dask/confusion.csv",
        metrics=f"{RESULTS}/{{dataset}}/student_metrics.csv",
    params:
        cfg=lambda w: stage_params(w, "gaf", "student", "distill", "semantic", "frames", "teacher"),
        mode="dask",
        checkpoint=f"{RESULTS}/{{dataset}}/checkpoints/student_dask.pt",
    log:
        f"{RESULTS}/logs/{{dataset}}/train_student_dask.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/train_student_dask.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/train_student.py"
