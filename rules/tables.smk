# Comparison tables over seeds (methods incl. controls; DASK ablation), and the `tables` target.


rule table:
    """results/tables/{dataset}_{table}.{csv,md,tex}: mean +- std over seeds, paired difference
    to CE with its 95 % interval, teacher accuracy, controls, optional published reference."""
    input:
        unpack(table_inputs),
        reference=lambda w: [config["reference"]] if config.get("reference") else [],
        code=code("vskd/tables.py"),
    output:
        csv=report(f"{RESULTS}/tables/{{dataset}}_{{table}}.csv", category="Tables",
                   subcategory="{dataset}", labels={"dataset": "{dataset}", "table": "{table}", "format": "csv"}),
        md=f"{RESULTS}/tables/{{dataset}}_{{table}}.md",
        tex=f"{RESULTS}/tables/{{dataset}}_{{table}}.tex",
    params:
        order=table_order,
        baseline=lambda w: config["design_card"]["baseline"],
        baselines=table_baselines,
        controls=table_controls,
        reference=lambda w: config.get("reference"),
        dataset_kind=lambda w: eff(w)["dataset"]["kind"],
    wildcard_constraints:
        table="|".join(TABLES),
    log:
        f"{RESULTS}/logs/{{dataset}}/table_{{table}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{dataset}}/table_{{table}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/vskd.yaml"
    script:
        "../workflow_scripts/table.py"
