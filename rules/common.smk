# Shared rule parameters. Snakemake reruns a job whose params changed, so params hold only
# what a job depends on: the shuffle, the tracker, and (per rule) `settings`, the resolved
# values of the settings groups that stage reads (plan.STAGE_GROUPS). The Hydra overrides
# themselves reach the jobs through `config["overrides"]`, not through params, so that
# changing e.g. tracking.iou_threshold reruns tracking onward and nothing before it.
COMMON = dict(shuffle=PLAN.shuffle, trainingsetindex=PLAN.trainingsetindex, track_method=PLAN.track_method)
GPU = int(PIPE.get("gpu", 0))
THREADS = int(PIPE.get("threads", 4))


def log_of(rule_name, per_video=False):
    return f"{PLAN.model_state}/logs/{rule_name}" + ("/{stem}.log" if per_video else ".log")


def video_of(wildcards):
    return str(PLAN.videos[wildcards.stem])
