# Frames and labels: the step that waits for human (or imported/synthetic) labels. It exists only
# for videos without labels yet: existing labels are no rule's output, so no Snakemake command
# (e.g. --delete-all-output) ever removes them.
UNLABELED = [stem for stem in PLAN.labeled if not (PLAN.project / PLAN.labels_file(stem)).exists()]

if UNLABELED:
    rule labels:
        output: "labeled-data/{stem}/CollectedData_%s.h5" % PLAN.cfg["scorer"]
        input: lambda wc: [ancient(video_of(wc))] if wc.stem in PLAN.videos else []
        log: PLAN.log("labels", "{stem}")
        params: **COMMON
        wildcard_constraints: stem="|".join(re.escape(stem) for stem in UNLABELED)
        threads: 1
        resources: mem_mb=2000, runtime=30
        script: "../scripts/labels.py"


CHECKED_LABELS = [f"labeled-data/{stem}_labeled" for stem in PLAN.labeled]


rule check_labels:
    input: LABELS
    output: [directory(d) for d in CHECKED_LABELS]
    log: PLAN.log("check_labels")
    params: **COMMON, settings=lambda wildcards: PLAN.params("plots")
    threads: 1
    resources: mem_mb=2000, runtime=30
    script: "../scripts/check_labels.py"
