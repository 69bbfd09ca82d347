"""Snakemake job: madlc.create_multianimaltraining_dataset."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "create_multianimaltraining_dataset", Shuffles=[snakemake.params.shuffle])  # noqa: F821
