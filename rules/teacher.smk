# Video teacher: multi-scale TRN over TSN segments, trained (`teacher`) or left at its seeded
# initialisation (`teacher_untrained`, the control); then its knowledge cached for the runs.


rule train_teacher:
    """Train and evaluate the video teacher (resumes from its checkpoint after an interruption);
    for `teacher_untrained` only evaluate the initialised network (the untrained-teacher control)."""
    input:
        frames=f"{RESULTS}/{{dataset}}/frames.h5",
        split=split_file,
        code=TRAINING_CODE + BACKBONE_CODE,
    output:
        model=f"{RESULTS}/{{dataset}}/{{teacher}}/model.pt",
        history=f"{RESULTS}/{{dataset}}/{{teacher}}/history.csv",
        per_class=f"{RESULTS}/{{dataset}}/{{teacher}}/per_class.csv",
        confusion=f"{RESULTS}/{{dataset}}/{{teacher}}/confusion.csv",
        metrics=f"{RESULTS}/{{dataset}}/{{teacher}}_metrics.csv",
    params:
        cfg=lambda w: stage_params(w, "teacher"),
        untrained=lambda w: w.teacher == "teacher_untrained",
        checkpoint=f"{RESULTS}/{{dataset}}/checkpoints/{{teacher}}.pt",
    log:
        f"{RESULTS}/logs/{{dataset}}/train_{{teacher}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/train_{{teacher}}.tsv"
    # 1 thread locally: on 2 cores the teacher then trains beside the CE run instead of waiting
    # for it (priority only orders jobs that are ready); a cluster profile sets more
    threads: 1
    priority: 10                # the critical path: every distillation run waits for it
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/train_teacher.py"


rule teacher_knowledge:
    """Frozen teacher's outputs (logits, fc0, pooled, relation; stage maps for the first views)
    for sampled views of every training clip. Reads only the teacher's and the cache's sections:
    a method's parameters never rebuild it."""
    input:
        frames=f"{RESULTS}/{{dataset}}/frames.h5",
        split=split_file,
        teacher=f"{RESULTS}/{{dataset}}/{{teacher}}/model.pt",
        code=TRAINING_CODE + BACKBONE_CODE,
    output:
        f"{RESULTS}/{{dataset}}/{{teacher}}/knowledge.h5",
    params:
        cfg=lambda w: stage_params(w, "knowledge"),
    log:
        f"{RESULTS}/logs/{{dataset}}/{{teacher}}_knowledge.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/{{teacher}}_knowledge.tsv"
    threads: 1
    priority: 10
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/teacher_knowledge.py"
