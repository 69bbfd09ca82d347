rule evaluate_network:
    input: PLAN.learning_stats
    output: OUT["evaluation"]
    log: PLAN.log("evaluate_network", "{scorer}")
    params: **COMMON, settings=lambda wildcards: PLAN.params("evaluate")
    threads: THREADS
    resources: mem_mb=8000, runtime=120, gpu=GPU
    script: "../scripts/evaluate_network.py"


# Score-map, location-refinement and PAF figures of the labeled images (target `maps`).
MAPS = f"{PLAN.evaluation_folder}/maps"


rule extract_save_all_maps:
    input: lambda wc: PLAN.output("evaluation", scorer=trained_scorer())
    output: directory(MAPS)
    log: PLAN.log("extract_save_all_maps")
    params: **COMMON
    threads: THREADS
    resources: mem_mb=4000, runtime=60
    script: "../scripts/extract_save_all_maps.py"
