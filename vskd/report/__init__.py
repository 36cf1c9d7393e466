"""The Snakemake report's figures (``figures``) and their paths in the DAG (``targets``)."""
