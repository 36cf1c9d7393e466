# Features every model reads: video frames in HDF5, GAF image sets, class-name embeddings.


rule extract_frames:
    """frames.h5: every (clip, camera) sample's frames, decoded by the adapter, resized, stored
    in the layouts of vskd/frames.py (raw + none is memory-mapped at training time)."""
    input:
        manifest="results/{dataset}/clips.csv",
        code=script_code("frames.py"),
    output:
        "results/{dataset}/frames.h5",
    log:
        "results/logs/{dataset}/frames.log",
    benchmark:
        "results/benchmarks/{dataset}/frames.tsv"
    priority: UPSTREAM_PRIORITY
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        frames=lambda w: eff(w)["frames"],
        kind=lambda w: eff(w)["dataset"]["kind"],
    script:
        "../workflow_scripts/frames.py"


rule gaf_images:
    """One GAF image set of a dataset: `gaf_{kind}.h5` for the configured sensors and channels
    (the student's input, and a sensor teacher's where its selection is the same), or
    `gaf_{kind}_{sensor}.h5` for a SAKDN sensor teacher's other selection."""
    input:
        manifest="results/{dataset}/clips.csv",
        code=script_code("gaf.py"),
    output:
        "results/{dataset}/gaf_{images}.h5",
    log:
        "results/logs/{dataset}/gaf_{images}.log",
    benchmark:
        "results/benchmarks/{dataset}/gaf_{images}.tsv"
    priority: UPSTREAM_PRIORITY
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        gaf=gaf_images_params,
        kind=lambda w: eff(w)["dataset"]["kind"],
    script:
        "../workflow_scripts/gaf.py"


rule class_embeddings:
    """(classes x D) embeddings of the class names, with a note of the source used."""
    input:
        unpack(semantic_vectors),
        code=script_code("class_embeddings.py"),
    output:
        npy="results/{dataset}/class_embeddings.npy",
        source="results/{dataset}/class_embeddings.json",
    log:
        "results/logs/{dataset}/class_embeddings.log",
    priority: UPSTREAM_PRIORITY
    conda:
        "../envs/vskd.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        semantic=lambda w: eff(w)["semantic"],
        class_names=class_names,
    script:
        "../workflow_scripts/class_embeddings.py"
