"""Snakemake job: madlc.train_network."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "train_network", shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex)  # noqa: F821
