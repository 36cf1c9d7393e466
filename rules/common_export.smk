# Input functions and helpers of rules/export.smk (kept apart from the rules: snakemake --lint).
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
