# Export (target `export`; part of `all` when pipeline.export lists formats): the final tracks of
# each video written beside the tracks .h5 as NWB (ndx-pose), SLEAP .slp or SLEAP analysis .h5.
from madlc.stages.export_tracks import SUFFIXES as EXPORT_SUFFIXES

EXPORT_FORMATS = list(PIPE.get("export") or ["nwb", "slp"])


def export_files(wildcards):
    """The exported files of every video, once the scorer is known."""
    scorer = trained_scorer()
    return [PLAN.output("tracks", stem, scorer)[: -len(".h5")] + EXPORT_SUFFIXES[fmt]
            for stem in VIDEOS for fmt in EXPORT_FORMATS]


EXPORTS = export_files


rule export_tracks:
    input: upstream("tracks")
    output: [OUT["tracks"][: -len(".h5")] + EXPORT_SUFFIXES[fmt] for fmt in EXPORT_FORMATS]
    log: PLAN.log("export_tracks", "{folder}/{stem}{scorer}")
    params: **TRACKED, formats=EXPORT_FORMATS, video=video_of
    threads: 1
    resources: mem_mb=4000, runtime=30
    script: "../scripts/export.py"


rule export:
    input: export_files
