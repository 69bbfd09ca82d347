"""The workflow: Snakefile, rules, job scripts and Snakemake profiles (shipped in the package), and `madlc run`."""
