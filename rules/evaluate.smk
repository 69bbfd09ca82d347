rule evaluate_network:
    input: PLAN.marker("train")
    output: PLAN.marker("evaluate")
    log: log_of("evaluate")
    params: **COMMON, settings=PLAN.params("evaluate")
    threads: THREADS
    resources: mem_mb=8000, runtime=120, gpu=GPU
    script: "../scripts/evaluate_network.py"


# Score-map, location-refinement and PAF figures of the labeled images (target `maps`).
rule extract_save_all_maps:
    input: PLAN.marker("evaluate")
    output: PLAN.marker("maps")
    log: log_of("maps")
    params: **COMMON
    threads: THREADS
    resources: mem_mb=4000, runtime=60
    script: "../scripts/extract_save_all_maps.py"
