"""Snakemake job: madlc.evaluate_network."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "evaluate_network", Shuffles=[snakemake.params.shuffle], trainingsetindex=snakemake.params.trainingsetindex)  # noqa: F821
