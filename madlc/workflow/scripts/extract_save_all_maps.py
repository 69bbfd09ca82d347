"""Snakemake job: madlc.extract_save_all_maps."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "extract_save_all_maps", shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex)  # noqa: F821
