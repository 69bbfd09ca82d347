# The project report: <project>/report.html (self-contained plots), after everything `all` makes.

rule project_report:
    input:
        CHECKED_LABELS,
        per_video("labeled_video"),
        per_video("plots"),
        per_video("tracking_metrics", WITH_GROUND_TRUTH),
    output: "report.html"
    log: PLAN.log("report")
    params: **COMMON
    threads: 1
    resources: mem_mb=4000, runtime=30
    script: "../scripts/report.py"


rule report:
    input: "report.html"
