# Assembly + frame-to-frame tracklets, then global stitching into n tracks.

rule convert_detections2tracklets:
    input: PLAN.marker("analyze", "{stem}")
    output: PLAN.marker("tracklets", "{stem}")
    log: log_of("tracklets", per_video=True)
    params: **COMMON, settings=PLAN.params("tracklets"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=120
    script: "../scripts/convert_detections2tracklets.py"


rule stitch_tracklets:
    input: PLAN.marker("tracklets", "{stem}")
    output: PLAN.marker("stitch", "{stem}")
    log: log_of("stitch", per_video=True)
    params: **COMMON, settings=PLAN.params("stitch"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=120
    script: "../scripts/stitch_tracklets.py"


# Tracking metrics against ground truth, for videos that have it (<project>/ground-truth/<video>_gt.h5,
# e.g. synthetic projects): MOTA, IDF1, identity switches.
rule evaluate_tracking:
    input:
        tracks=PLAN.marker("stitch", "{stem}"),
        ground_truth="ground-truth/{stem}_gt.h5",
    output: PLAN.marker("tracking_metrics", "{stem}")
    log: log_of("tracking_metrics", per_video=True)
    params: **COMMON, video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=30
    script: "../scripts/evaluate_tracking.py"
