# One job per video: analysis of many videos fans out (one Slurm job each on a cluster).

rule analyze_videos:
    input:
        model=PLAN.marker("evaluate"),
        video=video_of,
    output: PLAN.marker("analyze", "{stem}")
    log: log_of("analyze", per_video=True)
    params: **COMMON, settings=PLAN.params("analyze")
    threads: THREADS
    resources: mem_mb=8000, runtime=12 * 60, gpu=GPU
    script: "../scripts/analyze_videos.py"


# Checks before tracking (targets `detections` and `raw_outliers`, not in `all`): every detection
# drawn onto the video (<video><scorer>_full.mp4), and frames with unusual detections added to
# labeled-data with machine labels to correct.
rule create_video_with_all_detections:
    input: PLAN.marker("analyze", "{stem}")
    output: PLAN.marker("detections_video", "{stem}")
    log: log_of("detections_video", per_video=True)
    params: **COMMON, settings=PLAN.params("detections_video"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=120
    script: "../scripts/create_video_with_all_detections.py"


rule find_outliers_in_raw_data:
    input: PLAN.marker("analyze", "{stem}")
    output: PLAN.marker("raw_outliers", "{stem}")
    log: log_of("raw_outliers", per_video=True)
    params: **COMMON, settings=PLAN.params("raw_outliers"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=60
    script: "../scripts/find_outliers_in_raw_data.py"
