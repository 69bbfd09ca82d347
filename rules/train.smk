rule train_network:
    input: PLAN.marker("dataset")
    output: PLAN.marker("train")
    log: log_of("train")
    params: **COMMON, settings=PLAN.params("train")
    threads: THREADS
    resources: mem_mb=16000, runtime=24 * 60, gpu=GPU
    script: "../scripts/train_network.py"
