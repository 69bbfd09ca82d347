# A checkpoint: the analysis file names hold the scorer of the trained snapshot, read once it is done.
# learning_stats.csv is `update`d, not remade: training resumes from the last snapshot and appends to
# it (Snakemake keeps it before the job, and puts it back if the job fails).
checkpoint train_network:
    input:
        training_data=PLAN.dataset_outputs()["training_data"],
        pytorch_config=ancient(PLAN.dataset_outputs()["pytorch_config"]),
    output: update(PLAN.learning_stats)
    log: PLAN.log("train_network")
    params: **COMMON, settings=lambda wildcards: PLAN.params("train")
    threads: THREADS
    resources: mem_mb=16000, runtime=24 * 60, gpu=GPU
    script: "../scripts/train_network.py"
