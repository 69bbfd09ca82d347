# Shared rule parameters. Snakemake reruns a job whose params changed, so params hold only
# what a job depends on: the shuffle, the tracker (TRACKED: the rules from tracking on), and (per
# rule) `settings`, the resolved settings of that stage (plan.stage_settings), which the job passes
# on to the stage; a settings function is called when the job is made, so a shuffle made during the
# run brings its DeepLabCut files in. Changing e.g. tracking.iou_threshold or pipeline.track_method
# reruns tracking onward and nothing before it.
COMMON = dict(shuffle=PLAN.shuffle, trainingsetindex=PLAN.trainingsetindex)
TRACKED = dict(COMMON, track_method=PLAN.track_method)
GPU = int(PIPE.get("gpu", 0))
THREADS = int(PIPE.get("threads", 4))


def trained_scorer():
    """The scorer of the trained snapshot; asks Snakemake to finish the train_network checkpoint first."""
    checkpoints.train_network.get()
    return PLAN.scorer()


def per_video(kind, stems=None):
    """Input function: the `kind` file of every video (or of `stems`), once the scorer is known."""
    def files(wildcards):
        chosen = VIDEOS if stems is None else stems
        if kind == "plots":
            return [f for stem in chosen for f in PLAN.plots(stem)]
        scorer = trained_scorer()
        return [PLAN.output(kind, stem, scorer) for stem in chosen]
    return files


def upstream(kind):
    """Input function: the `kind` file of the same video and scorer as the job's output."""
    def files(wildcards):
        scorer = getattr(wildcards, "scorer", None) or trained_scorer()
        return OUT[kind].format(folder=wildcards.folder, stem=wildcards.stem, scorer=scorer)
    return files


def video_of(wildcards):
    return str(PLAN.videos[wildcards.stem])
