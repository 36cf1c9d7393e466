# Models that serve as teachers, each trained, evaluated and cached as knowledge for the runs:
# the video TRN (`teacher`) and its untrained control (`teacher_untrained`), SAKDN's per-sensor
# GAF teachers and the SPAMFM teacher fused from their branches.


rule train_teacher:
    """Train and evaluate the video teacher (resumes from its checkpoint after an interruption);
    for `teacher_untrained` only evaluate the initialised network (the untrained-teacher control)."""
    input:
        frames="results/{dataset}/frames.h5",
        split=split_file,
        code=script_code("train_teacher.py"),
    output:
        model="results/{dataset}/{teacher}/model.pt",
        history="results/{dataset}/{teacher}/history.csv",
        per_class="results/{dataset}/{teacher}/per_class.csv",
        confusion="results/{dataset}/{teacher}/confusion.csv",
        metrics="results/{dataset}/{teacher}_metrics.csv",
    log:
        "results/logs/{dataset}/train_{teacher}.log",
    benchmark:
        "results/benchmarks/{dataset}/train_{teacher}.tsv"
    # 1 thread locally: on 2 cores the teacher then trains beside the CE run instead of waiting
    # for it (priority only orders jobs that are ready); a cluster profile sets more
    priority: 10  # the critical path: every distillation run waits for it
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=gpus,
    params:
        cfg=lambda w: stage_params(w, "teacher"),
        untrained=lambda w: w.teacher == "teacher_untrained",
        checkpoint="results/{dataset}/checkpoints/{teacher}.pt",
    script:
        "../workflow_scripts/train_teacher.py"


rule teacher_knowledge:
    """Frozen teacher's outputs (logits, fc0, pooled, relation; stage maps for the first views)
    for sampled views of every training clip. Reads only the teacher's and the cache's sections:
    a method's parameters never rebuild it."""
    input:
        frames="results/{dataset}/frames.h5",
        split=split_file,
        teacher="results/{dataset}/{teacher}/model.pt",
        code=script_code("teacher_knowledge.py"),
    output:
        "results/{dataset}/{teacher}/knowledge.h5",
    log:
        "results/logs/{dataset}/{teacher}_knowledge.log",
    benchmark:
        "results/benchmarks/{dataset}/{teacher}_knowledge.tsv"
    priority: 10
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=gpus,
    params:
        cfg=lambda w: stage_params(w, "knowledge"),
    script:
        "../workflow_scripts/teacher_knowledge.py"


rule sensor_teacher:
    """Train and evaluate one sensor's GAF teacher (CE + class-name semantic term)."""
    input:
        gaf=lambda w: sakdn_gaf(w.dataset, w.sensor),
        split=split_file,
        class_embeddings="results/{dataset}/class_embeddings.npy",
        code=script_code("sakdn_teacher.py"),
    output:
        model="results/{dataset}/sakdn/teacher_{sensor}/model.pt",
        history="results/{dataset}/sakdn/teacher_{sensor}/history.csv",
        per_class="results/{dataset}/sakdn/teacher_{sensor}/per_class.csv",
        confusion="results/{dataset}/sakdn/teacher_{sensor}/confusion.csv",
        test_logits="results/{dataset}/sakdn/teacher_{sensor}/test_logits.csv",
        metrics="results/{dataset}/sakdn/teacher_{sensor}_metrics.csv",
    log:
        "results/logs/{dataset}/sakdn/teacher_{sensor}.log",
    benchmark:
        "results/benchmarks/{dataset}/sakdn/teacher_{sensor}.tsv"
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=gpus,
    params:
        cfg=lambda w: sensor_teacher_config(eff(w), sakdn(w), w.sensor),
        checkpoint="results/{dataset}/checkpoints/sakdn/teacher_{sensor}.pt",
    script:
        "../workflow_scripts/sakdn_teacher.py"


rule sensor_teacher_knowledge:
    """The frozen sensor teacher's outputs and stage maps over the training clips (cached once)."""
    input:
        gaf=lambda w: sakdn_gaf(w.dataset, w.sensor),
        split=split_file,
        model="results/{dataset}/sakdn/teacher_{sensor}/model.pt",
        code=script_code("sakdn_teacher_knowledge.py"),
    output:
        "results/{dataset}/sakdn/teacher_{sensor}/knowledge.h5",
    log:
        "results/logs/{dataset}/sakdn/teacher_{sensor}_knowledge.log",
    benchmark:
        "results/benchmarks/{dataset}/sakdn/teacher_{sensor}_knowledge.tsv"
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
        gpu=gpus,
    params:
        cfg=lambda w: sensor_teacher_config(eff(w), sakdn(w), w.sensor),
    script:
        "../workflow_scripts/sakdn_teacher_knowledge.py"


rule fusion_teacher:
    """Train the SPAMFM teacher (one branch per sensor, fused), evaluate it (sum of branch logits),
    write each branch's accuracy and the mean fusion gate per class."""
    input:
        unpack(fusion_inputs),
        code=script_code("sakdn_fusion.py"),
    output:
        model="results/{dataset}/sakdn/fusion/model.pt",
        history="results/{dataset}/sakdn/fusion/history.csv",
        per_class="results/{dataset}/sakdn/fusion/per_class.csv",
        confusion="results/{dataset}/sakdn/fusion/confusion.csv",
        branches="results/{dataset}/sakdn/fusion/branch_metrics.csv",
        weights="results/{dataset}/sakdn/fusion/fusion_weights.csv",
        test_logits="results/{dataset}/sakdn/fusion/test_logits.csv",
        metrics="results/{dataset}/sakdn/fusion_metrics.csv",
    log:
        "results/logs/{dataset}/sakdn/fusion_teacher.log",
    benchmark:
        "results/benchmarks/{dataset}/sakdn/fusion_teacher.tsv"
    conda:
        "../envs/vskd.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=gpus,
    params:
        cfg=lambda w: fusion_teacher_config(eff(w), sakdn(w)),
        checkpoint="results/{dataset}/checkpoints/sakdn/fusion.pt",
    script:
        "../workflow_scripts/sakdn_fusion.py"


rule fusion_knowledge:
    """One SPAMFM branch's outputs and stage maps over the training clips (fused with the others)."""
    input:
        gaf=lambda w: [sakdn_gaf(w.dataset, s) for s in sakdn_sensors(w)],
        split=split_file,
        model="results/{dataset}/sakdn/fusion/model.pt",
        code=script_code("sakdn_fusion_knowledge.py"),
    output:
        "results/{dataset}/sakdn/fusion/knowledge_{sensor}.h5",
    log:
        "results/logs/{dataset}/sakdn/fusion_knowledge_{sensor}.log",
    benchmark:
        "results/benchmarks/{dataset}/sakdn/fusion_knowledge_{sensor}.tsv"
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
        gpu=gpus,
    params:
        cfg=lambda w: fusion_teacher_config(eff(w), sakdn(w)),
    script:
        "../workflow_scripts/sakdn_fusion_knowledge.py"
