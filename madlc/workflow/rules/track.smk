# Assembly + frame-to-frame tracklets, then global stitching into n tracks.

rule convert_detections2tracklets:
    input: upstream("full"), upstream("meta")
    output: OUT["tracklets"]
    log: PLAN.log("convert_detections2tracklets", "{folder}/{stem}{scorer}")
    params: **TRACKED, settings=lambda wildcards: PLAN.params("tracklets"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=120
    script: "../scripts/convert_detections2tracklets.py"


rule stitch_tracklets:
    input: upstream("tracklets")
    output: OUT["tracks"]
    log: PLAN.log("stitch_tracklets", "{folder}/{stem}{scorer}")
    params: **TRACKED, settings=lambda wildcards: PLAN.params("stitch"), video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=120
    script: "../scripts/stitch_tracklets.py"


# Tracking metrics against ground truth, for videos that have it (<project>/ground-truth/<video>_gt.h5,
# e.g. synthetic projects): MOTA, IDF1, identity switches, in <tracks>_tracking_metrics.json.
rule evaluate_tracking:
    input:
        tracks=upstream("tracks"),
        ground_truth="ground-truth/{stem}_gt.h5",
    output: OUT["tracking_metrics"]
    log: PLAN.log("evaluate_tracking", "{folder}/{stem}{scorer}")
    params: **TRACKED, video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=30
    script: "../scripts/evaluate_tracking.py"
