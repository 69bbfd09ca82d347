"""Snakemake job: extract frames for a video that has none, then wait for its labels."""
from madlc.workflow.job import require_labels

require_labels(snakemake, snakemake.wildcards.stem)  # noqa: F821
