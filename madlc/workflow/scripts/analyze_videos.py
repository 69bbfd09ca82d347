"""Snakemake job: madlc.analyze_videos for one video."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "analyze_videos", videos=[snakemake.input.video], shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex)  # noqa: F821
