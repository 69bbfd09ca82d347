"""Snakemake job: madlc.extract_outlier_frames for one video."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "extract_outlier_frames", videos=[snakemake.params.video], shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex, track_method=snakemake.params.track_method)  # noqa: F821
