# madlc: the whole multi-animal workflow as file-to-file rules.
#
#   madlc run CONFIG [TARGET] [--profile local|slurm] [--dry-run] [overrides...]
# or directly:
#   snakemake --snakefile Snakefile --config project=/path/to/config.yaml --cores 2 [TARGET]
#
# Targets: all (default), train, evaluate, analyze, track, videos; and maps, outliers, detections,
# raw_outliers, export, report (not in all; export is when pipeline.export lists formats).
# Each rule calls one thin script in scripts/ that calls one public madlc function.
from madlc.pipeline.plan import make_plan

PLAN = make_plan(
    config["project"],
    overrides=config.get("overrides", []),
    extra_videos=config.get("videos", []),
)
PIPE = PLAN.settings.get("pipeline", {})
workdir: str(PLAN.project)

wildcard_constraints:
    stem="[^/]+",

LABELS = [PLAN.labels_file(s) for s in PLAN.labeled]
VIDEOS = sorted(PLAN.videos)


include: "rules/common.smk"
include: "rules/frames.smk"
include: "rules/dataset.smk"
include: "rules/train.smk"
include: "rules/evaluate.smk"
include: "rules/analyze.smk"
include: "rules/track.smk"
include: "rules/postprocess.smk"
include: "rules/export.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        PLAN.marker("check_labels"),
        expand(PLAN.marker("labeled_video", "{stem}"), stem=VIDEOS),
        expand(PLAN.marker("plots", "{stem}"), stem=VIDEOS),
        expand(PLAN.marker("tracking_metrics", "{stem}"), stem=[s for s in VIDEOS if PLAN.has_ground_truth(s)]),
        expand(PLAN.marker("export", "{stem}"), stem=VIDEOS) if PIPE.get("export") else [],


rule train:
    input: PLAN.marker("train")


rule evaluate:
    input: PLAN.marker("evaluate")


rule analyze:
    input: expand(PLAN.marker("analyze", "{stem}"), stem=VIDEOS)


rule track:
    input: expand(PLAN.marker("stitch", "{stem}"), stem=VIDEOS)


rule videos:
    input: expand(PLAN.marker("labeled_video", "{stem}"), stem=VIDEOS)


rule maps:
    input: PLAN.marker("maps")


rule outliers:
    input: expand(PLAN.marker("outliers", "{stem}"), stem=VIDEOS)


rule detections:
    input: expand(PLAN.marker("detections_video", "{stem}"), stem=VIDEOS)


rule raw_outliers:
    input: expand(PLAN.marker("raw_outliers", "{stem}"), stem=VIDEOS)
