"""Snakemake job: madlc.export_tracks for one video (formats from pipeline.export)."""
from madlc.workflow.job import run_stage

run_stage(snakemake, "export_tracks", videos=[snakemake.params.video], formats=list(snakemake.params.formats), shuffle=snakemake.params.shuffle, trainingsetindex=snakemake.params.trainingsetindex, track_method=snakemake.params.track_method)  # noqa: F821
