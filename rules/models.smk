# Models that serve as teachers (vskd/model_sheet.py): the video TRN and its untrained control, the
# SAKDN sensor teachers and the SPAMFM teacher. One rule trains any of them, one caches its knowledge.


rule train_model:
    """Train and evaluate one model (resumes from its checkpoint after an interruption); for the
    untrained control only evaluate the initialised network."""
    input:
        unpack(model_inputs),
        code=script_code("train_model.py"),
    output:
        model="results/{dataset}/models/{model}/model.pt",
        history="results/{dataset}/models/{model}/history.csv",
        per_class="results/{dataset}/models/{model}/per_class.csv",
        confusion="results/{dataset}/models/{model}/confusion.csv",
        test_logits="results/{dataset}/models/{model}/test_logits.csv",
        branches="results/{dataset}/models/{model}/branch_metrics.csv",
        gates="results/{dataset}/models/{model}/gates.csv",
        metrics="results/{dataset}/models/{model}/metrics.csv",
    log:
        "results/logs/{dataset}/models/{model}.log",
    benchmark:
        "results/benchmarks/{dataset}/models/{model}.tsv"
    priority: UPSTREAM_PRIORITY  # the critical path: every distillation run waits for its teacher
    conda:
        "../envs/vskd.yaml"
    # 1 thread locally, SPAMFM too: on 2 cores a 2-thread job waits until no 1-thread job is ready
    # (priority only orders the jobs that fit), i.e. behind every run; the SLURM profile sets 8
    threads: 1
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=gpus,
    params:
        cfg=model_params,
        model=lambda w: model_spec(w).as_dict(),
        checkpoint="results/{dataset}/checkpoints/models/{model}.pt",
    script:
        "../workflow_scripts/train_model.py"


rule model_knowledge:
    """A frozen model's outputs (logits, embedding, pooled, relation; stage maps for the first views)
    over the training clips, cached once for every run that reads it (one file per SPAMFM branch).
    Reads only the model's and the cache's sections: a method's parameters never rebuild it."""
    input:
        unpack(knowledge_inputs),
        code=script_code("model_knowledge.py"),
    output:
        "results/{dataset}/models/{model}/knowledge{branch}.h5",
    log:
        "results/logs/{dataset}/models/{model}_knowledge{branch}.log",
    benchmark:
        "results/benchmarks/{dataset}/models/{model}_knowledge{branch}.tsv"
    priority: UPSTREAM_PRIORITY
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=gpus,
    params:
        cfg=knowledge_params,
        model=lambda w: model_spec(w).as_dict(),
    script:
        "../workflow_scripts/model_knowledge.py"
