# Export (target `export`; part of `all` when pipeline.export lists formats): the final tracks of
# each video written beside the tracks .h5 as NWB (ndx-pose), SLEAP .slp or SLEAP analysis .h5.
EXPORT_FORMATS = list(PIPE.get("export") or ["nwb", "slp"])


rule export_tracks:
    input: PLAN.marker("stitch", "{stem}")
    output: PLAN.marker("export", "{stem}")
    log: log_of("export", per_video=True)
    params: **COMMON, formats=EXPORT_FORMATS, video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=30
    script: "../scripts/export.py"


rule export:
    input: expand(PLAN.marker("export", "{stem}"), stem=VIDEOS)
