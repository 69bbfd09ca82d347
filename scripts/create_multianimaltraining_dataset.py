"""Snakemake job: madlc.create_multianimaltraining_dataset."""
from madlc.pipeline.job import run_stage

run_stage(snakemake, "create_multianimaltraining_dataset", Shuffles=[snakemake.params.shuffle], trainingsetindex=snakemake.params.trainingsetindex)  # noqa: F821
