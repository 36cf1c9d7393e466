# Export a trained student for a wearable: the GAF encoder inside the graph (raw samples ->
# probabilities) as ONNX (dynamic T), TorchScript and a JSON sidecar, an int8 ONNX variant, and a
# report of parity with the training code and of accuracy on the test clips (vskd/export/).
#
#   snakemake --cores 2 results/utd/export/student.onnx                  # the design-card student
#   snakemake --cores 2 results/utd/runs/ce/seed0/export/student.onnx    # any run of the run sheet


def design_card_model(wildcards):
    """The design-card student's model file: run `dask` (design_card.student) at the config's seed."""
    name = config.get("design_card", {}).get("student", "dask")
    return f"{RESULTS}/{wildcards.dataset}/runs/{name}/seed{config['seed']}/model.pt"


def export_params(wildcards):
    """The parts of the dataset's config the export reads: GAF settings, dataset kind, identity."""
    e = eff(wildcards)
    return {"name": e["name"], "seed": e["seed"], "dataset": e["dataset"], "gaf": e["gaf"]}


EXPORT_CODE = code("vskd/export/__init__.py", "vskd/export/encoder.py", "vskd/export/resize.py",
                   "vskd/export/model.py", "vskd/export/exporter.py", "vskd/export/recordings.py")


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
