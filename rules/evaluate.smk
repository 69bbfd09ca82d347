rule evaluate_network:
    input: PLAN.marker("train")
    output: PLAN.marker("evaluate")
    log: log_of("evaluate")
    params: **COMMON, settings=PLAN.params("evaluate")
    threads: THREADS
    resources: mem_mb=8000, runtime=120, gpu=GPU
    script: "../scripts/evaluate_network.py"
