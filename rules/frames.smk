# Frames and labels: the checkpoint that waits for human (or imported/synthetic) labels.

rule labels:
    output: "labeled-data/{stem}/CollectedData_%s.h5" % PLAN.cfg["scorer"]
    input: lambda wc: [video_of(wc)] if wc.stem in PLAN.videos else []
    log: log_of("labels", per_video=True)
    params: **COMMON
    threads: 1
    resources: mem_mb=2000, runtime=30
    script: "../scripts/labels.py"


rule check_labels:
    input: LABELS
    output: PLAN.marker("check_labels")
    log: log_of("check_labels")
    params: **COMMON, settings=PLAN.params("plots")
    threads: 1
    resources: mem_mb=2000, runtime=30
    script: "../scripts/check_labels.py"
