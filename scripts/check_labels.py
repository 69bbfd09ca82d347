"""Snakemake job: madlc.check_labels."""
from madlc.pipeline.job import run_stage

run_stage(snakemake, "check_labels")  # noqa: F821
