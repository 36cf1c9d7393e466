# Feature stages: video -> frames.h5 ; inertial -> GAF images.
from vskd.gaf_store import gaf_params  # noqa: E402


rule extract_frames:
    """Decode, resize and store every clip's frames in one chunked HDF5 file."""
    input:
        manifest=f"{RESULTS}/{{dataset}}/clips.csv",
        code=code("vskd/frames.py", "vskd/data/readers.py"),
    output:
        f"{RESULTS}/{{dataset}}/frames.h5",
    params:
        frames=lambda w: eff(w)["frames"],
    log:
        f"{RESULTS}/logs/{{dataset}}/frames.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/frames.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/frames.py"


rule gaf_images:
    """Gramian Angular Field images (GASF or GADF) of the inertial recordings."""
    input:
        manifest=f"{RESULTS}/{{dataset}}/clips.csv",
        code=code("vskd/gaf.py", "vskd/gaf_store.py", "vskd/data/readers.py"),
    output:
        f"{RESULTS}/{{dataset}}/gaf_{{kind}}.h5",
    params:
        gaf=lambda w: gaf_params(eff(w)["gaf"], w.kind),
    log:
        f"{RESULTS}/logs/{{dataset}}/gaf_{{kind}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/gaf_{{kind}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/gaf.py"
