# Class-name semantic embeddings for the semantic term of DASK.


rule class_embeddings:
    """(classes x D) embeddings of the class names, with a note of the source used."""
    input:
        code=code("vskd/semantic.py"),
    output:
        npy=f"{RESULTS}/{{dataset}}/class_embeddings.npy",
        source=f"{RESULTS}/{{dataset}}/class_embeddings.json",
    params:
        semantic=lambda w: eff(w)["semantic"],
        class_names=dataset_class_names,
    log:
        f"{RESULTS}/logs/{{dataset}}/class_embeddings.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/class_embeddings.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/class_embeddings.py"
