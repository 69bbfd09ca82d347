"""Snakemake job: madlc.create_video_with_all_detections for one video."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "create_video_with_all_detections", videos=[snakemake.params.video], shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex)  # noqa: F821
