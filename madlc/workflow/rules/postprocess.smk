# After tracking: filtered tracks, trajectory plots, labeled videos.

rule filterpredictions:
    input: upstream("tracks")
    output: OUT["filtered"]
    log: PLAN.log("filterpredictions", "{folder}/{stem}{scorer}")
    params: **TRACKED, settings=lambda wildcards: PLAN.params("filter"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=60
    script: "../scripts/filterpredictions.py"


rule plot_trajectories:
    input: upstream("filtered")
    output: PLAN.plot_patterns()
    log: PLAN.log("plot_trajectories", "{folder}/plot-poses/{stem}")
    params: **TRACKED, settings=lambda wildcards: PLAN.params("plots"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=60
    script: "../scripts/plot_trajectories.py"


rule create_labeled_video:
    input: upstream("filtered")
    output: OUT["labeled_video"]
    log: PLAN.log("create_labeled_video", "{folder}/{stem}{scorer}")
    params: **TRACKED, settings=lambda wildcards: PLAN.params("labeled_video"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=120
    script: "../scripts/create_labeled_video.py"


# Active learning (target `outliers`): frames where the tracks jump, written to labeled-data with
# machinelabels-iter<N>.h5 to correct (madlc label-frames), then `madlc merge-datasets`. The frames
# extracted are listed in <tracks>_outlier_frames.json.
rule extract_outlier_frames:
    input: upstream("tracks")
    output: report=OUT["outliers"]
    log: PLAN.log("extract_outlier_frames", "{folder}/{stem}{scorer}")
    params: **TRACKED, video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=60
    script: "../scripts/extract_outlier_frames.py"
