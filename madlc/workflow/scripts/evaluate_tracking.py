"""Snakemake job: madlc.evaluate_tracking for one video with ground truth."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "evaluate_tracking", video=snakemake.params.video, ground_truth_h5=snakemake.input.ground_truth, shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex, track_method=snakemake.params.track_method)  # noqa: F821
