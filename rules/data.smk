# Data stages: archives (synthesized / downloaded / given) -> unpacked files -> clip manifest + splits.


rule synthesize_dataset:
    """The embedded synthetic UTD-MHAD, written as the official archives."""
    output:
        rgb=f"{RESULTS}/{{dataset}}/archives/RGB.zip",
        inertial=f"{RESULTS}/{{dataset}}/archives/Inertial.zip",
    params:
        synthetic=lambda w: eff(w)["dataset"].get("synthetic", {}),
    log:
        f"{RESULTS}/logs/{{dataset}}/synthesize.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/synthesize.tsv"
    wildcard_constraints:
        dataset=datasets_where(lambda e: e["dataset"]["source"] == "synthetic"),
    threads: 2
    resources:
        mem_mb=2000,
        runtime=15,
    conda:
        "../envs/vskd.yaml"
    input:
        code=code("vskd/data/synthetic.py", "vskd/data/synthetic_motion.py"),
    script:
        "../workflow_scripts/synthesize.py"


rule download_archive:
    """Official archive, streamed and resumable, verified against the configured sha256."""
    output:
        f"{RESULTS}/{{dataset}}/archives/{{archive}}.zip",
    params:
        url=lambda w: eff(w)["dataset"]["download"][f"{w.archive.lower()}_url"],
        sha256=lambda w: eff(w)["dataset"]["download"].get(f"{w.archive.lower()}_sha256"),
    log:
        f"{RESULTS}/logs/{{dataset}}/download_{{archive}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/download_{{archive}}.tsv"
    wildcard_constraints:
        dataset=datasets_where(lambda e: e["dataset"]["source"] == "download"),
    threads: 1
    resources:
        mem_mb=500,
        runtime=120,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/download.py"


rule unpack_archives:
    """Extract the files of the configured modalities, matched by file name."""
    input:
        unpack(unpack_inputs),
    output:
        directory(f"{RESULTS}/{{dataset}}/raw"),
    params:
        modalities=lambda w: eff(w)["dataset"]["modalities"],
        origin=lambda w: kind_of(w.dataset),
    log:
        f"{RESULTS}/logs/{{dataset}}/unpack.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/unpack.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=30,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/unpack.py"


rule build_manifest:
    """clips.csv (ids, labels, paths, counts, skipped clips) and one split file per protocol."""
    input:
        raw=raw_root,
        # a local source's files (and SHA256SUMS) one by one: an edit in place reruns the manifest
        source_files=lambda w: source_files(eff(w)["dataset"]["source"]),
        code=code("vskd/data/manifest.py", "vskd/data/readers.py", "vskd/data/utd.py",
                  "vskd/data/sources.py"),
    output:
        manifest=f"{RESULTS}/{{dataset}}/clips.csv",
        trial=f"{RESULTS}/{{dataset}}/splits/trial.csv",
        cross_subject=f"{RESULTS}/{{dataset}}/splits/cross_subject.csv",
    params:
        modalities=lambda w: eff(w)["dataset"]["modalities"],
        skip_clips=lambda w: eff(w)["dataset"].get("skip_clips", []),
    log:
        f"{RESULTS}/logs/{{dataset}}/manifest.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/manifest.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=15,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/manifest.py"
