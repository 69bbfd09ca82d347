# The project report: <project>/report.html (self-contained plots), after everything `all` makes.

rule report:
    input:
        PLAN.marker("check_labels"),
        expand(PLAN.marker("labeled_video", "{stem}"), stem=VIDEOS),
        expand(PLAN.marker("plots", "{stem}"), stem=VIDEOS),
        expand(PLAN.marker("tracking_metrics", "{stem}"), stem=[s for s in VIDEOS if PLAN.has_ground_truth(s)]),
    output: "report.html"
    log: log_of("report")
    params: **COMMON
    threads: 1
    resources: mem_mb=4000, runtime=30
    script: "../scripts/report.py"
