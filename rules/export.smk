# Rules; their input functions are in rules/common_export.smk.
rule export_student:
    """The design-card (DASK) student of a dataset, exported with its GAF encoder."""
    input:
        model=design_card_model,
        gaf=gaf_file,
        split=split_file,
        manifest=f"{RESULTS}/{{dataset}}/clips.csv",
        code=EXPORT_CODE + BACKBONE_CODE,
    output:
        onnx=f"{RESULTS}/{{dataset}}/export/student.onnx",
        torchscript=f"{RESULTS}/{{dataset}}/export/student.pt",
        json=f"{RESULTS}/{{dataset}}/export/student.json",
        int8=f"{RESULTS}/{{dataset}}/export/student_int8.onnx",
        report=f"{RESULTS}/{{dataset}}/export/checks.json",
    params:
        eff=export_params,
    log:
        f"{RESULTS}/logs/{{dataset}}/export_student.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/export_student.tsv"
    threads: 2
    resources:
        mem_mb=3000,
        runtime=20,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/export_student.py"


rule export_run_student:
    """Any run of the run sheet, exported the same way into its own folder."""
    input:
        model=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/model.pt",
        gaf=gaf_file,
        split=split_file,
        manifest=f"{RESULTS}/{{dataset}}/clips.csv",
        code=EXPORT_CODE + BACKBONE_CODE,
    output:
        onnx=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/export/student.onnx",
        torchscript=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/export/student.pt",
        json=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/export/student.json",
        int8=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/export/student_int8.onnx",
        report=f"{RESULTS}/{{dataset}}/runs/{{run}}/seed{{seed}}/export/checks.json",
    params:
        eff=export_params,
    log:
        f"{RESULTS}/logs/{{dataset}}/runs/{{run}}/seed{{seed}}_export.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/runs/{{run}}/seed{{seed}}_export.tsv"
    threads: 2
    resources:
        mem_mb=3000,
        runtime=20,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/export_student.py"
