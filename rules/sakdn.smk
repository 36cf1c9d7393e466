# Rules; their input functions are in rules/common_sakdn.smk.
rule sensor_gaf:
    """GAF images of one sensor's channels (UTD: acc or gyro), the input of that sensor's teacher."""
    input:
        manifest=f"{RESULTS}/{{dataset}}/clips.csv",
        code=SAKDN_CODE + code("vskd/data/readers.py"),
    output:
        f"{RESULTS}/{{dataset}}/sakdn/gaf_{{sensor}}.h5",
    params:
        gaf=lambda w: eff(w)["gaf"],
        channels=lambda w: _sk(w)["sensors"][w.sensor],
        dataset_kind=lambda w: eff(w)["dataset"]["kind"],
    log:
        f"{RESULTS}/logs/{{dataset}}/sakdn/gaf_{{sensor}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/sakdn/gaf_{{sensor}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/sakdn_gaf.py"


rule sensor_teacher:
    """Train and evaluate one sensor's GAF teacher (CE + class-name semantic term)."""
    input:
        gaf=f"{RESULTS}/{{dataset}}/sakdn/gaf_{{sensor}}.h5",
        split=split_file,
        class_embeddings=f"{RESULTS}/{{dataset}}/class_embeddings.npy",
        code=SAKDN_CODE + TRAINING_CODE + BACKBONE_CODE,
    output:
        model=f"{RESULTS}/{{dataset}}/sakdn/teacher_{{sensor}}/model.pt",
        history=f"{RESULTS}/{{dataset}}/sakdn/teacher_{{sensor}}/history.csv",
        per_class=f"{RESULTS}/{{dataset}}/sakdn/teacher_{{sensor}}/per_class.csv",
        confusion=f"{RESULTS}/{{dataset}}/sakdn/teacher_{{sensor}}/confusion.csv",
        test_logits=f"{RESULTS}/{{dataset}}/sakdn/teacher_{{sensor}}/test_logits.csv",
        metrics=f"{RESULTS}/{{dataset}}/sakdn/teacher_{{sensor}}_metrics.csv",
    params:
        cfg=lambda w: sensor_teacher_config(eff(w), _sk(w), w.sensor),
        checkpoint=f"{RESULTS}/{{dataset}}/checkpoints/sakdn/teacher_{{sensor}}.pt",
    log:
        f"{RESULTS}/logs/{{dataset}}/sakdn/teacher_{{sensor}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/sakdn/teacher_{{sensor}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/sakdn_teacher.py"


rule sensor_teacher_knowledge:
    """The frozen sensor teacher's outputs and stage maps over the training clips (cached once)."""
    input:
        gaf=f"{RESULTS}/{{dataset}}/sakdn/gaf_{{sensor}}.h5",
        split=split_file,
        model=f"{RESULTS}/{{dataset}}/sakdn/teacher_{{sensor}}/model.pt",
        code=SAKDN_CODE + TRAINING_CODE + BACKBONE_CODE,
    output:
        f"{RESULTS}/{{dataset}}/sakdn/teacher_{{sensor}}/knowledge.h5",
    params:
        cfg=lambda w: sensor_teacher_config(eff(w), _sk(w), w.sensor),
    log:
        f"{RESULTS}/logs/{{dataset}}/sakdn/teacher_{{sensor}}_knowledge.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/sakdn/teacher_{{sensor}}_knowledge.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/sakdn_teacher_knowledge.py"


rule fusion_teacher:
    """Train the SPAMFM teacher (one branch per sensor, fused), evaluate it (sum of branch logits),
    write each branch's accuracy and the mean fusion gate per class."""
    input:
        unpack(fusion_inputs),
        code=SAKDN_CODE + TRAINING_CODE + BACKBONE_CODE,
    output:
        model=f"{RESULTS}/{{dataset}}/sakdn/fusion/model.pt",
        history=f"{RESULTS}/{{dataset}}/sakdn/fusion/history.csv",
        per_class=f"{RESULTS}/{{dataset}}/sakdn/fusion/per_class.csv",
        confusion=f"{RESULTS}/{{dataset}}/sakdn/fusion/confusion.csv",
        branches=f"{RESULTS}/{{dataset}}/sakdn/fusion/branch_metrics.csv",
        weights=f"{RESULTS}/{{dataset}}/sakdn/fusion/fusion_weights.csv",
        test_logits=f"{RESULTS}/{{dataset}}/sakdn/fusion/test_logits.csv",
        metrics=f"{RESULTS}/{{dataset}}/sakdn/fusion_metrics.csv",
    params:
        cfg=lambda w: fusion_teacher_config(eff(w), _sk(w)),
        checkpoint=f"{RESULTS}/{{dataset}}/checkpoints/sakdn/fusion.pt",
    log:
        f"{RESULTS}/logs/{{dataset}}/sakdn/fusion_teacher.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/sakdn/fusion_teacher.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/sakdn_fusion.py"


rule fusion_knowledge:
    """One SPAMFM branch's outputs and stage maps over the training clips (fused with the others)."""
    input:
        gaf=lambda w: [f"{RESULTS}/{w.dataset}/sakdn/gaf_{s}.h5" for s in _sensors(w)],
        split=split_file,
        model=f"{RESULTS}/{{dataset}}/sakdn/fusion/model.pt",
        code=SAKDN_CODE + TRAINING_CODE + BACKBONE_CODE,
    output:
        f"{RESULTS}/{{dataset}}/sakdn/fusion/knowledge_{{sensor}}.h5",
    params:
        cfg=lambda w: fusion_teacher_config(eff(w), _sk(w)),
    log:
        f"{RESULTS}/logs/{{dataset}}/sakdn/fusion_knowledge_{{sensor}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/sakdn/fusion_knowledge_{{sensor}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/sakdn_fusion_knowledge.py"


rule s2v_run:
    """Train and evaluate the video (TRN) student of one sensor_to_vision run of the run sheet."""
    input:
        unpack(s2v_inputs),
        code=REVERSE_CODE + TRAINING_CODE + DISTILL_CODE + BACKBONE_CODE,
        method=lambda w: code(f"vskd/distill/methods/{s2v_spec(w).method}.py"),
    output:
        model=f"{RESULTS}/{{dataset}}/s2v/{{s2v_run}}/seed{{seed}}/model.pt",
        history=f"{RESULTS}/{{dataset}}/s2v/{{s2v_run}}/seed{{seed}}/history.csv",
        per_class=f"{RESULTS}/{{dataset}}/s2v/{{s2v_run}}/seed{{seed}}/per_class.csv",
        confusion=f"{RESULTS}/{{dataset}}/s2v/{{s2v_run}}/seed{{seed}}/confusion.csv",
        test_logits=f"{RESULTS}/{{dataset}}/s2v/{{s2v_run}}/seed{{seed}}/test_logits.csv",
        metrics=f"{RESULTS}/{{dataset}}/s2v/{{s2v_run}}/seed{{seed}}/metrics.csv",
    params:
        cfg=lambda w: reverse_run_config(eff(w), s2v_spec(w), _sk(w)),
        checkpoint=f"{RESULTS}/{{dataset}}/checkpoints/s2v/{{s2v_run}}/seed{{seed}}.pt",
    log:
        f"{RESULTS}/logs/{{dataset}}/s2v/{{s2v_run}}/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/s2v/{{s2v_run}}/seed{{seed}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=gpus,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/s2v_run.py"


rule late_fusion:
    """The upper reference: the CE video student's and the SPAMFM teacher's test predictions combined."""
    input:
        video=lambda w: f"{RESULTS}/{w.dataset}/s2v/{s2v_baseline(w.dataset)}/seed{w.seed}/test_logits.csv",
        sensor=f"{RESULTS}/{{dataset}}/sakdn/fusion/test_logits.csv",
        code=code("vskd/training/reverse.py"),
    output:
        metrics=f"{RESULTS}/{{dataset}}/s2v/late_fusion/seed{{seed}}/metrics.csv",
        per_class=f"{RESULTS}/{{dataset}}/s2v/late_fusion/seed{{seed}}/per_class.csv",
    params:
        cfg=lambda w: {"name": w.dataset, "dataset": eff(w)["dataset"], "seed": int(w.seed),
                       "late_fusion": _sk(w)["late_fusion"]},
    log:
        f"{RESULTS}/logs/{{dataset}}/s2v/late_fusion_seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/s2v/late_fusion_seed{{seed}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/late_fusion.py"


rule s2v_table:
    """results/tables/{dataset}_sensor_to_vision.{csv,md,tex}: sensor teachers, fused teacher, video
    student CE / KD (best single) / KD (fused) / SAKDN, late fusion; mean +- std, paired diff to CE."""
    input:
        unpack(s2v_table_inputs),
        code=code("vskd/tables.py"),
    output:
        csv=f"{RESULTS}/tables/{{dataset}}_sensor_to_vision.csv",
        md=f"{RESULTS}/tables/{{dataset}}_sensor_to_vision.md",
        tex=f"{RESULTS}/tables/{{dataset}}_sensor_to_vision.tex",
        per_class_csv=f"{RESULTS}/tables/{{dataset}}_sensor_to_vision_per_class.csv",
        per_class_md=f"{RESULTS}/tables/{{dataset}}_sensor_to_vision_per_class.md",
    params:
        order=s2v_order,
        baseline=lambda w: s2v_baseline(w.dataset),
        sensors=_sensors,
    log:
        f"{RESULTS}/logs/{{dataset}}/table_sensor_to_vision.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/table_sensor_to_vision.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/s2v_table.py"
