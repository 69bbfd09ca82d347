"""Snakemake job: madlc.plot_trajectories for one video."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "plot_trajectories", videos=[snakemake.params.video], filtered=True, shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex, track_method=snakemake.params.track_method)  # noqa: F821
