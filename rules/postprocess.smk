# After tracking: filtered tracks, trajectory plots, labeled videos.

rule filterpredictions:
    input: PLAN.marker("stitch", "{stem}")
    output: PLAN.marker("filter", "{stem}")
    log: log_of("filter", per_video=True)
    params: **COMMON, settings=PLAN.params("filter"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=60
    script: "../scripts/filterpredictions.py"


rule plot_trajectories:
    input: PLAN.marker("filter", "{stem}")
    output: PLAN.marker("plots", "{stem}")
    log: log_of("plots", per_video=True)
    params: **COMMON, settings=PLAN.params("plots"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=60
    script: "../scripts/plot_trajectories.py"


rule create_labeled_video:
    input: PLAN.marker("filter", "{stem}")
    output: PLAN.marker("labeled_video", "{stem}")
    log: log_of("labeled_video", per_video=True)
    params: **COMMON, settings=PLAN.params("labeled_video"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=120
    script: "../scripts/create_labeled_video.py"


# Active learning (target `outliers`): frames where the tracks jump, written to labeled-data with
# machinelabels-iter<N>.h5 to correct (madlc label-frames), then `madlc merge-datasets`.
rule extract_outlier_frames:
    input: PLAN.marker("stitch", "{stem}")
    output: PLAN.marker("outliers", "{stem}")
    log: log_of("outliers", per_video=True)
    params: **COMMON, video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=60
    script: "../scripts/extract_outlier_frames.py"
