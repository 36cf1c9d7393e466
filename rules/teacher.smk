# Video teacher: multi-scale TRN over TSN segments; then its knowledge cached for the students.


rule train_teacher:
    """Train and evaluate the video teacher; resumes from its checkpoint after an interruption."""
    input:
        frames=f"{RESULTS}/{{dataset}}/frames.h5",
        split=split_file,
        code=TRAINING_CODE + BACKBONE_CODE + code("vskd/models/teacher.py", "vskd/models/trn.py"),
    output:
        model=f"{RESULTS}/{{dataset}}/teacher/model.pt",
        history=f"{RESULTS}/{{dataset}}/teacher/history.csv",
        per_class=f"{RESULTS}/{{dataset}}/teacher/per_class.csv",
        confusion=f"{RESULTS}/{{dataset}}/teacher/confusion.csv",
        metrics=f"{RESULTS}/{{dataset}}/teacher_metrics.csv",
    params:
        cfg=lambda w: stage_params(w, "frames", "teacher"),
        checkpoint=f"{RESULTS}/{{dataset}}/checkpoints/teacher.pt",
    log:
        f"{RESULTS}/logs/{{dataset}}/train_teacher.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/train_teacher.tsv"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/train_teacher.py"


rule teacher_knowledge:
    """Frozen teacher's logits and embeddings for sampled views of every training clip."""
    input:
        frames=f"{RESULTS}/{{dataset}}/frames.h5",
        split=split_file,
        teacher=f"{RESULTS}/{{dataset}}/teacher/model.pt",
        code=TRAINING_CODE,
    output:
        f"{RESULTS}/{{dataset}}/teacher/knowledge.h5",
    params:
        cfg=lambda w: stage_params(w, "frames", "teacher", "distill"),
    log:
        f"{RESULTS}/logs/{{dataset}}/teacher_knowledge.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/teacher_knowledge.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/teacher_knowledge.py"
