"""Snakemake job: madlc.report (the project's report.html)."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "report", shuffle=snakemake.params.shuffle, output=snakemake.output[0])  # noqa: F821
