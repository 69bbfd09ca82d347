rule create_multianimaltraining_dataset:
    input: LABELS
    output: PLAN.marker("dataset")
    log: log_of("dataset")
    params: **COMMON, settings=PLAN.params("dataset")
    threads: 1
    resources: mem_mb=4000, runtime=30
    script: "../scripts/create_multianimaltraining_dataset.py"
