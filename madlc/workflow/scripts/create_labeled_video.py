"""Snakemake job: madlc.create_labeled_video for one video."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "create_labeled_video", videos=[snakemake.params.video], filtered=True, shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex, track_method=snakemake.params.track_method)  # noqa: F821
