"""Snakemake job: madlc.filterpredictions for one video."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "filterpredictions", videos=[snakemake.params.video], shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex, track_method=snakemake.params.track_method)  # noqa: F821
