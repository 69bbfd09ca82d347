# One job per video: analysis of many videos fans out (one Slurm job each on a cluster).

rule analyze_videos:
    input:
        model=PLAN.marker("evaluate"),
        video=video_of,
    output: PLAN.marker("analyze", "{stem}")
    log: log_of("analyze", per_video=True)
    params: **COMMON, settings=PLAN.params("analyze")
    threads: THREADS
    resources: mem_mb=8000, runtime=12 * 60, gpu=GPU
    script: "../scripts/analyze_videos.py"
