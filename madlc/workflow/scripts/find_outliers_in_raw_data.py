"""Snakemake job: madlc.find_outliers_in_raw_data for one video (from its _full.pickle)."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "find_outliers_in_raw_data", pickle_file=None, video_file=snakemake.params.video, shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex)  # noqa: F821
