# Dataset stages, one rule each for every dataset kind (the adapter of `kind` knows the dataset):
# synthetic / downloaded / given source -> raw files -> clips.csv -> protocol split files.


rule synthesize:
    """The embedded synthetic dataset of the kind of the dataset (vskd/data/synthetic/), written as
    the real one is published: archives (UTD-MHAD) or an unpacked folder (Berkeley-MHAD, MMAct)."""
    input:
        code=script_code("synthesize.py"),
    output:
        directory("results/{dataset}/synthetic"),
    log:
        "results/logs/{dataset}/synthesize.log",
    benchmark:
        "results/benchmarks/{dataset}/synthesize.tsv"
    wildcard_constraints:
        dataset=datasets_where(lambda e: e["dataset"]["source"] == "synthetic"),
    priority: UPSTREAM_PRIORITY
    conda:
        "../envs/vskd.yaml"
    # 1 locally: a job asking for both of 2 cores waits until no 1-core job is ready (Snakemake
    # reserves no cores for it), i.e. until the end of the grid; the SLURM profile sets 4
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        kind=lambda w: eff(w)["dataset"]["kind"],
        synthetic=lambda w: eff(w)["dataset"].get("synthetic", {}),
    script:
        "../workflow_scripts/synthesize.py"


rule download_archive:
    """An official archive, streamed and resumable, verified against the configured sha256."""
    input:
        code=script_code("download.py"),
    output:
        "results/{dataset}/archives/{archive}.zip",
    log:
        "results/logs/{dataset}/download_{archive}.log",
    wildcard_constraints:
        dataset=datasets_where(lambda e: e["dataset"]["source"] == "download"),
    priority: UPSTREAM_PRIORITY
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=500,
        runtime=120,
    params:
        download_params,
    script:
        "../workflow_scripts/download.py"


rule unpack_archives:
    """Extract the files of the configured modalities into the dataset's official layout."""
    input:
        unpack(unpack_inputs),
        code=script_code("unpack.py"),
    output:
        directory("results/{dataset}/raw"),
    log:
        "results/logs/{dataset}/unpack.log",
    wildcard_constraints:
        dataset=datasets_where(lambda e: from_archives(e["name"])),
    priority: UPSTREAM_PRIORITY
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=500,
        runtime=30,
    params:
        archives=unpack_archives_params,
        kind=lambda w: eff(w)["dataset"]["kind"],
        origin=lambda w: origin_of(w.dataset),
    script:
        "../workflow_scripts/unpack.py"


rule build_manifest:
    """clips.csv: ids, labels, file paths, frame and sample counts, skipped clips, fingerprints."""
    input:
        raw=raw_root,
        # a local source's files (and SHA256SUMS) one by one: an edit in place reruns the manifest
        source_files=lambda w: source_files(eff(w)["dataset"]["kind"], eff(w)["dataset"]["source"]),
        code=script_code("manifest.py"),
    output:
        "results/{dataset}/clips.csv",
    log:
        "results/logs/{dataset}/manifest.log",
    benchmark:
        "results/benchmarks/{dataset}/manifest.tsv"
    priority: UPSTREAM_PRIORITY
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=1000,
        runtime=15,
    params:
        manifest_params,
    script:
        "../workflow_scripts/manifest.py"


rule make_split:
    """One protocol's split file: sample key, label, train/test (one row per (clip, camera) for
    a protocol that splits cameras, MMAct cross_view)."""
    input:
        manifest="results/{dataset}/clips.csv",
        code=script_code("split.py"),
    output:
        "results/{dataset}/splits/{protocol}.csv",
    log:
        "results/logs/{dataset}/split_{protocol}.log",
    priority: UPSTREAM_PRIORITY
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        kind=lambda w: eff(w)["dataset"]["kind"],
    script:
        "../workflow_scripts/split.py"


rule validation_split:
    """The validation split of a protocol: its training side cut into a fit part and a held-out
    validation part by whole groups (subjects or trials, `validation` in the config); the test
    clips are not in it, so a parameter sweep that selects on it never reads them."""
    input:
        split="results/{dataset}/splits/{protocol}.csv",
        code=script_code("validation_split.py"),
    output:
        "results/{dataset}/splits/validation/{protocol}.csv",
    log:
        "results/logs/{dataset}/split_{protocol}_validation.log",
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        kind=lambda w: eff(w)["dataset"]["kind"],
        validation=lambda w: eff(w)["validation"],
    script:
        "../workflow_scripts/validation_split.py"
