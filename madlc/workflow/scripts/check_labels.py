"""Snakemake job: madlc.check_labels."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "check_labels")  # noqa: F821
