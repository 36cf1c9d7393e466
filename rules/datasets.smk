# Rules; their input functions are in rules/common_datasets.smk.
rule synthesize_adapter_dataset:
    """The embedded synthetic Berkeley-MHAD / MMAct, written as the real files (an unpacked folder)."""
    output:
        directory(f"{RESULTS}/{{dataset}}/raw"),
    input:
        code=code("vskd/data/synthetic_berkeley.py", "vskd/data/synthetic_mmact.py",
                  "vskd/data/synthetic_programs.py", "vskd/data/synthetic_sensors.py",
                  "vskd/data/synthetic_motion.py", "vskd/data/synthetic.py"),
    params:
        kind=lambda w: eff(w)["dataset"]["kind"],
        synthetic=lambda w: eff(w)["dataset"].get("synthetic", {}),
    log:
        f"{RESULTS}/logs/{{dataset}}/synthesize.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/synthesize.tsv"
    wildcard_constraints:
        dataset=adapter_datasets(synthetic=True),
    threads: 2
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/synthesize_adapter.py"


rule build_clip_manifest_berkeley:
    """clips.csv and the cross_subject split (S01-S07 / S08-S12) of a Berkeley-MHAD dataset."""
    input:
        raw=raw_root,
        source_files=lambda w: adapter_source_files("berkeley_mhad", eff(w)["dataset"]["source"]),
        code=ADAPTER_CODE,
    output:
        **_manifest_rule("berkeley_mhad"),
    params:
        cfg=clip_manifest_params,
    log:
        f"{RESULTS}/logs/{{dataset}}/manifest.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/manifest.tsv"
    wildcard_constraints:
        dataset=adapter_datasets("berkeley_mhad"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=15,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/clip_manifest.py"


rule build_clip_manifest_mmact:
    """clips.csv and the cross_subject / cross_scene / cross_session splits of an MMAct dataset
    (cross_view splits cameras, not clips: no per-clip split file)."""
    input:
        raw=raw_root,
        source_files=lambda w: adapter_source_files("mmact", eff(w)["dataset"]["source"]),
        code=ADAPTER_CODE,
    output:
        **_manifest_rule("mmact"),
    params:
        cfg=clip_manifest_params,
    log:
        f"{RESULTS}/logs/{{dataset}}/manifest.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/manifest.tsv"
    wildcard_constraints:
        dataset=adapter_datasets("mmact"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=15,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/clip_manifest.py"


rule camera_split:
    """A protocol that splits the cameras of each clip (MMAct cross_view: cam1-3 / cam4), one row
    per (clip, camera) sample; needs video and cameras of both sides in dataset.cameras."""
    input:
        manifest=f"{RESULTS}/{{dataset}}/clips.csv",
        code=ADAPTER_CODE,
    output:
        f"{RESULTS}/{{dataset}}/splits/{{protocol}}.csv",
    params:
        kind=lambda w: eff(w)["dataset"]["kind"],
    log:
        f"{RESULTS}/logs/{{dataset}}/split_{{protocol}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/split_{{protocol}}.tsv"
    wildcard_constraints:
        dataset=adapter_datasets("mmact"),
        protocol="cross_view",
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/camera_split.py"


rule extract_sample_frames:
    """frames.h5 of an adapter dataset: one entry per (clip, camera) of dataset.cameras, decoded by
    the adapter (Berkeley Bayer PGM folders demosaiced, MMAct MP4), in the layouts of vskd/frames.py."""
    input:
        manifest=f"{RESULTS}/{{dataset}}/clips.csv",
        code=ADAPTER_CODE + code("vskd/data/clip_frames.py", "vskd/frames.py"),
    output:
        f"{RESULTS}/{{dataset}}/frames.h5",
    params:
        frames=lambda w: eff(w)["frames"],
        dataset_kind=lambda w: eff(w)["dataset"]["kind"],
    log:
        f"{RESULTS}/logs/{{dataset}}/frames.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/frames.tsv"
    wildcard_constraints:
        dataset=adapter_datasets(),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/sample_frames.py"


rule sensor_gaf_images:
    """GAF images of the named sensors (conditioned: sorted, de-duplicated, despiked, resampled)."""
    input:
        manifest=f"{RESULTS}/{{dataset}}/clips.csv",
        code=ADAPTER_CODE + code("vskd/gaf.py"),
    output:
        f"{RESULTS}/{{dataset}}/gaf_{{kind}}.h5",
    params:
        gaf=lambda w: {**gaf_params(eff(w)["gaf"], w.kind),
                       "sensors": eff(w)["gaf"].get("sensors") or eff(w)["dataset"].get("sensors")},
        dataset_kind=lambda w: eff(w)["dataset"]["kind"],
    log:
        f"{RESULTS}/logs/{{dataset}}/gaf_{{kind}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/gaf_{{kind}}.tsv"
    wildcard_constraints:
        dataset=adapter_datasets(),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/sensor_gaf.py"


ruleorder: synthesize_adapter_dataset > unpack_archives


ruleorder: build_clip_manifest_berkeley > build_manifest


ruleorder: build_clip_manifest_mmact > build_manifest


ruleorder: sensor_gaf_images > gaf_images


ruleorder: extract_sample_frames > extract_frames
