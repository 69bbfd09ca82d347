# One job per video: analysis of many videos fans out (one Slurm job each on a cluster).

rule analyze_videos:
    input:
        model=upstream("evaluation"),
        video=video_of,
    output:
        full=OUT["full"],
        meta=OUT["meta"],
    log: PLAN.log("analyze_videos", "{folder}/{stem}{scorer}")
    params: **COMMON, settings=lambda wildcards: PLAN.params("analyze")
    threads: THREADS
    resources: mem_mb=8000, runtime=12 * 60, gpu=GPU
    script: "../scripts/analyze_videos.py"


# Checks before tracking (targets `detections` and `raw_outliers`, not in `all`): every detection
# drawn onto the video (<video><scorer>_full.mp4), and frames with unusual detections added to
# labeled-data with machine labels to correct (the frames are listed in <video><scorer>_raw_outlier_frames.json).
rule create_video_with_all_detections:
    input: upstream("full")
    output: OUT["detections_video"]
    log: PLAN.log("create_video_with_all_detections", "{folder}/{stem}{scorer}")
    params: **COMMON, settings=lambda wildcards: PLAN.params("detections_video"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=120
    script: "../scripts/create_video_with_all_detections.py"


rule find_outliers_in_raw_data:
    input: upstream("full")
    output: report=OUT["raw_outliers"]
    log: PLAN.log("find_outliers_in_raw_data", "{folder}/{stem}{scorer}")
    params: **COMMON, settings=lambda wildcards: PLAN.params("raw_outliers"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=60
    script: "../scripts/find_outliers_in_raw_data.py"
