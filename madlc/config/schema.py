"""The typed schema of madlc's settings: one dataclass per Hydra group, the ONLY place a default is written.

Each field is declared with :func:`setting`: its default, a one-line help text and what values it
accepts (a number range, a list of words, null). Number fields are typed ``Any`` for Hydra (and
checked by their ``Allowed`` rule) so that a number keeps the type it is written with (``17`` stays
``17``, as in the YAML files before the schema). Hydra's ConfigStore holds these dataclasses
(:func:`register`), so composing the settings checks types and refuses unknown keys; the ranges
are checked afterwards by :func:`madlc.config.resolve.validate`. The YAML files under
``madlc/configs`` keep only what differs per option (``model/resnet_50.yaml``).

Groups: ``model`` (options: tiny, resnet_50, ...), ``data``, ``train``, ``inference``, ``tracking``,
``filter``, ``review``, ``analyze``, ``pipeline`` and the top-level ``seed``.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

@dataclass(frozen=True)
class Allowed:
    """What one setting accepts.

    ``numeric``: numbers, within ``lo``/``hi`` (``lo_open``/``hi_open``: exclusive), whole numbers only
    with ``integer``, or exactly one of ``numbers`` when given; ``words``: accepted strings; ``text``:
    any string (a name, a path); ``boolean``: true/false; ``null``: None; ``is_list``: a list (of
    ``length`` items, each checked by ``items``).
    """

    numeric: bool = False
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False
    numbers: tuple[float, ...] = ()
    words: tuple[str, ...] = ()
    text: bool = False
    boolean: bool = False
    null: bool = False
    is_list: bool = False
    items: "Allowed | None" = None
    length: int | None = None

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is allowed."""
        if value is None:
            return self.null
        if isinstance(value, bool):  # before int: True is an int in Python
            return self.boolean
        if isinstance(value, str):
            return value in self.words or self.text
        if isinstance(value, (list, tuple)):
            if not self.is_list or (self.length is not None and len(value) != self.length):
                return False
            return self.items is None or all(self.items.accepts(v) for v in value)
        if isinstance(value, (int, float)):
            if not self.numeric or (isinstance(value, float) and not math.isfinite(value)):
                return False
            if self.integer and float(value) != int(value):
                return False
            if self.numbers:
                return value in self.numbers
            if self.lo is not None and (value < self.lo or (self.lo_open and value == self.lo)):
                return False
            return self.hi is None or not (value > self.hi or (self.hi_open and value == self.hi))
        return False

    def describe(self) -> str:
        """The allowed values in words, e.g. ``a number in [0, 1]`` or ``auto or an integer >= 0``."""
        parts: list[str] = list(self.words)
        if self.boolean:
            parts.append("true | false")
        if self.is_list:
            inner = self.items.describe() if self.items else "any value"
            n = f"{self.length} " if self.length is not None else ""
            parts.append(f"a list of {n}items (each {inner})")
        if self.numeric:
            kind = "an integer" if self.integer else "a number"
            if self.numbers:
                parts.append(" | ".join(_num(n) for n in self.numbers))
            elif self.lo is not None and self.hi is not None:
                left, right = "(" if self.lo_open else "[", ")" if self.hi_open else "]"
                parts.append(f"{kind} in {left}{_num(self.lo)}, {_num(self.hi)}{right}")
            elif self.lo is not None:
                parts.append(f"{kind} {'>' if self.lo_open else '>='} {_num(self.lo)}")
            elif self.hi is not None:
                parts.append(f"{kind} {'<' if self.hi_open else '<='} {_num(self.hi)}")
            else:
                parts.append(kind)
        if self.text:
            parts.append("a text (name or path)")
        if self.null:
            parts.append("null")
        return " | ".join(parts) or "any value"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def setting(default: Any, help: str, allowed: Allowed | None = None) -> Any:
    """A schema field: ``default`` (lists and dicts are copied per instance), ``help``, ``allowed``."""
    meta = {"help": help, "allowed": allowed}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: _copy(d), metadata=meta)
    return field(default=default, metadata=meta)


def _copy(value: Any) -> Any:
    import copy

    return copy.deepcopy(value)


# ---- shorthands for common rules -------------------------------------------------------
def number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False, hi_open: bool = False,
           null: bool = False, words: tuple[str, ...] = ()) -> Allowed:
    return Allowed(numeric=True, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open, null=null, words=words)


def integer(lo: float | None = None, hi: float | None = None, *, null: bool = False,
            words: tuple[str, ...] = ()) -> Allowed:
    return Allowed(numeric=True, lo=lo, hi=hi, integer=True, null=null, words=words)


def one_of(*words: str, null: bool = False) -> Allowed:
    return Allowed(words=tuple(words), null=null)


PROBABILITY = number(0, 1)
FLAG = Allowed(boolean=True)
TEXT = Allowed(text=True)
OPTIONAL_TEXT = Allowed(text=True, null=True)


def list_of(items: Allowed | None = None, length: int | None = None) -> Allowed:
    return Allowed(is_list=True, items=items, length=length)


# ======================================================================== groups
@dataclass
class ModelSchema:
    """``model``: the network (options: madlc/configs/model/<name>.yaml hold what differs)."""

    name: str = setting("tiny", "option name of the model group", TEXT)
    net_type: str = setting("tiny", "DeepLabCut name (stored in pytorch_config.yaml and the scorer name)", TEXT)
    backbone: str = setting("tiny", "key of madlc.nn backbones (tiny, resnet_50, resnet_101, mobilenet_v2, efficientnet_b0)", TEXT)
    pretrained: bool = setting(False, "ImageNet weights through torchvision when they can be had; else random init + one warning", FLAG)
    weights: Optional[str] = setting(None, "optional local weights file (a state_dict) for the backbone", OPTIONAL_TEXT)
    tiny_channels: Optional[List[int]] = setting(None, "tiny backbone only: channels of its 5 stride-2 stages (strides 2..32)",
                                                 Allowed(is_list=True, items=integer(1), length=5, null=True))
    stride: int = setting(8, "output stride of all maps (8, or 4: finer maps for animals that touch, ~3x slower heads)",
                          Allowed(numeric=True, integer=True, numbers=(4, 8)))
    neck: str = setting("fusion", "fusion: DLCRNet-style multi-scale fusion of strides 8/16/32; single: deepest map only",
                        one_of("fusion", "single"))
    neck_channels: int = setting(64, "channels of the neck", integer(1))
    head_channels: int = setting(32, "hidden channels of each head (one 3x3 conv, then a 1x1 projection)", integer(1))
    lr: Any = setting(1.0e-3, "learning rate used when train.lr is auto", number(0, lo_open=True))


@dataclass
class AugmentationSchema:
    """``data.augmentation``: image augmentation of training crops."""

    rotation: Any = setting(25, "max rotation (degrees)", number(0, 180))
    rotation_p: Any = setting(0.4, "probability of a rotation", PROBABILITY)
    scale: List[Any] = setting([0.5, 1.25], "scale jitter range [min, max]", list_of(number(0, lo_open=True), 2))
    scale_p: Any = setting(0.5, "probability of a scale change", PROBABILITY)
    hflip: Any = setting(0.0, "probability of a horizontal flip", PROBABILITY)
    symmetric_pairs: List[Any] = setting([], "left/right body-part pairs swapped on a flip, e.g. [[left_ear, right_ear]] (names or indices)",
                                         list_of())
    blur: Any = setting(0.0, "probability of a motion/gaussian blur", PROBABILITY)
    brightness_contrast: Any = setting(0.3, "probability of a brightness/contrast change", PROBABILITY)
    occlusion: Any = setting(0.5, "probability of occluding patches (coarse dropout)", PROBABILITY)


@dataclass
class DataSchema:
    """``data``: training data pipeline: crops, augmentation, target maps."""

    batch_size: int = setting(8, "training images per batch", integer(1))
    num_workers: Any = setting("auto", "DataLoader worker processes; auto = min(4, cpu_count - 1)", integer(0, words=("auto",)))
    cache_images: bool = setting(True, "keep decoded training images in memory (one copy per worker) ...", FLAG)
    cache_limit_mb: Any = setting(2048, "... unless all copies together would exceed this many MiB", number(0))
    crop_size: List[int] = setting([400, 400], "training crop (width, height); smaller images are zero-padded",
                                   list_of(integer(1), 2))
    crop_sampling: str = setting("hybrid", "uniform | keypoints | density | hybrid (half uniform, half density)",
                                 one_of("uniform", "keypoints", "density", "hybrid"))
    crop_jitter: Any = setting(0.1, "random shift of keypoint-centred crops, as a fraction of the crop size", number(0, 1))
    heatmap: str = setting("disk", "disk: 1 within pos_dist_thresh of a keypoint (DeepLabCut); gaussian: exp(-d^2 / (2 sigma^2)), sigma = pos_dist_thresh / 2",
                           one_of("disk", "gaussian"))
    pos_dist_thresh: Any = setting(17, "radius (px) of the score-map disk, the locref area and the identity area", number(0, lo_open=True))
    locref_stdev: Any = setting(7.2801, "location refinement targets are (keypoint - cell centre) / locref_stdev", number(0, lo_open=True))
    pafwidth: Any = setting(20, "width (px) of the part affinity field around each limb", number(0, lo_open=True))
    augmentation: AugmentationSchema = field(default_factory=AugmentationSchema)


@dataclass
class TrainSchema:
    """``train``: the training loop (train_network's maxiters/saveiters/displayiters arguments win)."""

    max_steps: int = setting(50000, "optimizer steps (DeepLabCut: maxiters); multi-animal: 20K-100K suggested", integer(1))
    max_epochs: Optional[int] = setting(None, "optional cap in epochs", integer(1, null=True))
    save_epochs: int = setting(25, "write train/snapshot-<epoch>.pt every this many epochs (and at the end)", integer(1))
    display_iters: int = setting(500, "log the losses every this many steps", integer(1))
    max_snapshots_to_keep: Optional[int] = setting(5, "older non-best snapshots are deleted (null keeps all)", integer(1, null=True))
    resume: bool = setting(True, "continue from the last snapshot in train/ when one exists", FLAG)
    init_weights: Optional[str] = setting(None, "a snapshot-*.pt (or state_dict) to start from instead (weights only)", OPTIONAL_TEXT)
    optimizer: str = setting("adam", "adam | adamw | sgd", one_of("adam", "adamw", "sgd"))
    lr: Any = setting("auto", "auto = the model's lr (tiny 1e-3, torchvision backbones 1e-4); or a number > 0",
                      number(0, lo_open=True, words=("auto",)))
    weight_decay: Any = setting(0.0, "weight decay of the optimizer", number(0))
    schedule: str = setting("step", "step (lr x factor from each milestone, like DeepLabCut's multi_step) | cosine | constant",
                            one_of("step", "cosine", "constant"))
    milestones: List[int] = setting([7500, 12000], "steps where the step schedule multiplies the lr", list_of(integer(0)))
    lr_factors: List[Any] = setting([0.5, 0.1], "lr factor from each milestone on", list_of(number(0)))
    warmup_steps: int = setting(0, "linear lr warmup steps", integer(0))
    loss_weights: Dict[str, float] = setting({"heatmap": 1.0, "locref": 0.05, "paf": 0.1, "identity": 1.0},
                                             "weight of each head's loss", None)
    locref_huber: bool = setting(True, "Huber (smooth L1) loss for location refinement, else L2", FLAG)
    device: str = setting("auto", "auto | cpu | cuda | cuda:N", TEXT)
    precision: Any = setting("auto", "auto: 16-mixed on GPU, 32 on CPU; or any Lightning precision string",
                             Allowed(text=True, numeric=True, integer=True, lo=0, words=("auto",)))
    num_threads: Any = setting("auto", "torch CPU threads; auto = cores minus DataLoader workers minus current load (at least 1)",
                               integer(1, words=("auto",)))
    logger: str = setting("csv", "csv | tensorboard (falls back to csv when tensorboard is missing)", one_of("csv", "tensorboard"))
    progress_bar: bool = setting(True, "show a progress bar", FLAG)
    eval_at_end: bool = setting(True, "report train/test RMSE of the final model in train/train.txt", FLAG)


@dataclass
class InferenceSchema:
    """``inference``: peak finding and assembly (DeepLabCut keeps most in test/inference_cfg.yaml
    and nmsradius/minconfidence in test/pose_cfg.yaml; see madlc.config.dlc_files for the rule)."""

    # ---- DeepLabCut inference_cfg.yaml keys
    variant: int = setting(0, "unused legacy selector (kept for DeepLabCut)", integer())
    pafthreshold: Any = setting(0.1, "min PAF affinity for two detections to be linked", number(0, 1))
    method: str = setting("m1", "which cost in the _full.pickle to use (m1 = PAF line integral)", TEXT)
    minimalnumberofconnections: Optional[int] = setting(
        None, "min links (affinity >= pafthreshold) for a group to be an animal; null = int(n_multianimalbodyparts / 2)",
        integer(0, null=True))
    pcutoff: Any = setting(0.1, "detections below this score are ignored", number(0, 1))
    topktoretain: Optional[int] = setting(
        None, "max animals per frame (1 = single-animal shortcut); null = the individuals of the _meta.pickle if known, else 3",
        integer(1, null=True))
    withid: bool = setting(False, "assemble by predicted identity (config.yaml identity: true)", FLAG)
    boundingboxslack: Any = setting(0, "px added around keypoint boxes (box tracker)", number(0))
    iou_threshold: Any = setting(0.6, "tracker similarity threshold written to inference_cfg.yaml", number(0, 1))
    max_age: int = setting(1, "frames a lost track is kept (written to inference_cfg.yaml)", integer(0))
    min_hits: int = setting(1, "detections before a track is confirmed (written to inference_cfg.yaml)", integer(0))
    oks_threshold: Any = setting(0.5, "skeleton tracker threshold (optional DLC key)", number(0, 1))
    greedy_oks: bool = setting(False, "evaluation matching: greedy instead of optimal (optional DLC key)", FLAG)
    # ---- peak finding (DeepLabCut: test/pose_cfg.yaml)
    nmsradius: Any = setting(5.0, "px, non-maximum suppression radius for score-map peaks", number(0, lo_open=True))
    minconfidence: Any = setting(0.01, "peaks below this score are not reported", number(0, 1))
    split_distance: Any = setting(
        "auto", "px: two cells of one NMS window both become detections when their refined positions are this far apart; "
                "auto = half a score-map cell (stride / 2); null = plain NMS", number(0, null=True, words=("auto",)))
    # ---- madlc assembler options (not in DeepLabCut's file)
    grouping: str = setting("average", "average: merge groups by mean affinity over all joining edges; greedy: DeepLabCut-style",
                            one_of("average", "greedy"))
    merge_rule: str = setting("max", "average grouping: merge if the strongest joining link (max) or the mean affinity (mean) >= pafthreshold",
                              one_of("max", "mean"))
    pairing: str = setting("optimal", "optimal: per PAF edge, only the pairs of one optimal assignment keep their affinity; all: every pair",
                           one_of("optimal", "all"))
    max_candidates: Optional[int] = setting(None, "best detections per body part considered (null = all >= pcutoff)", integer(1, null=True))
    calibration: Any = setting(True, "true = calibration.yaml beside inference_cfg.yaml if there is one; false = off; or a path to such a file",
                               Allowed(boolean=True, text=True))
    calibration_z: Any = setting(4.0, "refuse merges whose proportions are this many spreads off the labelled animals' (0 = off)", number(0))
    length_weight: Any = setting(1.0, "exponent of the absolute-length plausibility multiplied into link affinities (0 = off)", number(0))
    refine: bool = setting(True, "average grouping: move or swap single detections between animals while that raises the affinity", FLAG)
    score: str = setting("affinity", "animal score used in evaluation: affinity or expected_oks", one_of("affinity", "expected_oks"))
    score_px: Any = setting(5.0, "localisation error (px) assumed by score: expected_oks", number(0, lo_open=True))


@dataclass
class TrackingSchema:
    """``tracking``: frame-to-frame trackers (convert_detections2tracklets / track) and stitching."""

    # ---- frame-to-frame tracker (DeepLabCut inference_cfg keys)
    boundingboxslack: Any = setting(0, "px added around keypoint boxes (box tracker)", number(0))
    iou_threshold: Any = setting(None, "min similarity to link a track and a detection: box IoU or ellipse similarity; null = 0.3 box / 0.6 ellipse",
                                             number(0, 1, null=True))
    max_age: int = setting(1, "frames a lost track is kept before it ends", integer(0))
    min_hits: int = setting(1, "matches after its first detection before a track is written", integer(0))
    oks_threshold: Any = setting(0.5, "min object keypoint similarity (skeleton tracker)", number(0, 1))
    pcutoff: Any = setting(0.1, "keypoints below this likelihood are ignored (NaN in tracklets)", number(0, 1))
    # ---- madlc tracker options
    keypoint_state: bool = setting(True, "Kalman-filter the pose (centre + part offsets); false = the box/ellipse parameters (DeepLabCut's way)", FLAG)
    backfill: bool = setting(True, "also write the frames a track was seen before min_hits confirmed it (DeepLabCut drops them)", FLAG)
    box_relative_slack: Any = setting(0.2, "box tracker: grow boxes by this fraction of their diagonal", number(0))
    oks_sigma: Any = setting(0.35, "skeleton tracker: keypoint tolerance as a fraction of the animal size", number(0, lo_open=True))
    ellipse_sd: Any = setting(2.0, "ellipse size in standard deviations of the keypoint scatter", number(0, lo_open=True))
    kf_measurement_std: Any = setting(2.0, "px, keypoint localisation noise assumed by the Kalman filter", number(0, lo_open=True))
    kf_process_std: Any = setting(1.0, "px/frame^2, acceleration noise of the animal centre", number(0, lo_open=True))
    pose_weight: Any = setting(0.5, "box/ellipse: weight of the pose similarity (OKS) in the assignment", number(0, 1))
    ambiguity_margin: Any = setting(0.1, "a match a rival almost equals (within this similarity) ends the track (0 = off, as DLC)", number(0))
    use_identity: Any = setting("auto", "auto: use identity predictions when the assemblies carry them; true / false to force",
                                Allowed(boolean=True, words=("auto",)))
    identity_weight: Any = setting(0.5, "tracker: bonus for identity agreement in the assignment", number(0))
    # ---- stitcher
    min_length: int = setting(10, "tracklets shorter than this never make a track on their own", integer(0))
    flow_min_length: int = setting(3, "even shorter pieces only fill gaps afterwards", integer(0))
    split_tracklets: bool = setting(True, "split tracklets where an animal jumps implausibly far in a frame", FLAG)
    split_jump: Any = setting(3.0, "...more than this many body sizes (and 5x the fast speed)", number(0, lo_open=True))
    prestitch_residuals: bool = setting(True, "slot short / leftover tracklets into gaps of the tracks", FLAG)
    residual_max_cost: Any = setting(12.0, "...when their link cost is below this", number())
    max_gap: Optional[int] = setting(None, "longest gap (frames) bridged between two tracklets; null = any", integer(0, null=True))
    max_overlap: int = setting(2, "a tracklet may continue one that ends up to this many frames later", integer(0))
    coverage_reward: Any = setting(1.0, "reward per frame a track covers (keeps tracks long)", number(0))
    boundary_cost: Any = setting(10.0, "cost of a track starting after the first / ending before the last frame", number(0))
    motion_weight: Any = setting(0.5, "weight of the motion cost (NLL of the predicted position)", number(0))
    shape_weight: Any = setting(2.0, "weight of the body-part-distance disagreement", number(0))
    gap_weight: Any = setting(0.02, "cost per missing frame between two tracklets", number(0))
    stitch_identity_weight: Any = setting(5.0, "weight of identity disagreement (when identities are predicted)", number(0))
    velocity_window: int = setting(8, "frames used to estimate a tracklet's velocity at its ends", integer(1))
    velocity_decay: Any = setting(10.0, "frames; predicted drift across a gap saturates after a few of these", number(0, lo_open=True))
    gap_motion: str = setting("speed", "how far an animal may get across a gap: speed = the median speed x gap; "
                              "measured = the median body-part displacement over that many frames in this video's own "
                              "tracklets (huddling animals stay put, birds fly off). track_method auto uses measured "
                              "(README, Tracking crowded animals)", one_of("speed", "measured"))
    repair_swaps: Any = setting("auto", "exchange the futures of two tracks when whole-track motion joins them more cheaply; "
                                        "auto = on unless the network predicts identities", Allowed(boolean=True, words=("auto",)))
    repair_context: int = setting(30, "frames each side used by repair_swaps", integer(1))
    repair_margin: Any = setting(0.5, "cost margin a swap must gain", number(0))
    max_links: int = setting(12, "candidate successors kept per tracklet", integer(1))
    save_as_csv: bool = setting(False, "also write the tracks as .csv", FLAG)


@dataclass
class FilterSchema:
    """``filter``: filterpredictions (explicit function arguments win over these values)."""

    filtertype: str = setting("median", "median (x/y only), arima (SARIMAX per coordinate; slow) or spline (fills short gaps)",
                              one_of("median", "arima", "spline"))
    windowlength: int = setting(5, "median: window length in frames (odd); spline: the longest gap filled", integer(1))
    p_bound: Any = setting(0.001, "points with likelihood below this are treated as missing", number(0, 1))
    ARdegree: int = setting(3, "arima: autoregressive order", integer(0))
    MAdegree: int = setting(1, "arima: moving-average order", integer(0))
    alpha: Any = setting(0.01, "arima: significance level of the confidence interval", number(0, 1, lo_open=True, hi_open=True))


@dataclass
class DetectionsVideoSchema:
    pcutoff: Any = setting(None, "detections scoring below this are not drawn; null = config.yaml pcutoff", number(0, 1, null=True))
    dotsize: Any = setting(None, "null = config.yaml dotsize", number(0, lo_open=True, null=True))


@dataclass
class RawOutliersSchema:
    pcutoff: Any = setting(0.1, "detections scoring below this do not count", number(0, 1))
    percentiles: List[Any] = setting([5, 95], "a frame is unusual beyond these percentiles of the video's own scores",
                                       list_of(number(0, 100), 2))
    extraction_algo: str = setting("kmeans", "kmeans (visually different frames) or uniform (spread over time)", one_of("kmeans", "uniform"))
    with_annotations: bool = setting(True, "write the assembled animals of the picked frames as machine labels", FLAG)


@dataclass
class ReviewSchema:
    """``review``: create_video_with_all_detections and find_outliers_in_raw_data."""

    detections_video: DetectionsVideoSchema = field(default_factory=DetectionsVideoSchema)
    raw_outliers: RawOutliersSchema = field(default_factory=RawOutliersSchema)


@dataclass
class AnalyzeSchema:
    """``analyze``: madlc-only options of analyze_videos."""

    chunk_size: int = setting(1000, "frames per part file (the unit of memory and of resuming)", integer(1))
    prefetch: int = setting(3, "batches decoded ahead of the network", integer(1))
    max_peaks: int = setting(64, "detections kept per frame and body part", integer(1))
    n_samples: int = setting(10, "points per PAF line integral", integer(1))
    max_bad_run: int = setting(50, "undecodable frames in a row before the rest of a range is given up", integer(1))
    amp: Any = setting("auto", "float16 autocast of the network on a GPU: auto (= on with CUDA), true, false",
                       Allowed(boolean=True, words=("auto",)))


@dataclass
class PipelineSchema:
    """``pipeline``: how `madlc run` walks the project (the Snakemake DAG)."""

    shuffle: Optional[int] = setting(None, "which shuffle the DAG uses (null: the newest one the project has, made "
                                     "by madlc or DeepLabCut; else 1)", integer(1, null=True))
    trainingsetindex: int = setting(0, "index into config.yaml TrainingFraction", integer(0))
    videotype: str = setting("mp4", "extension of new videos in folders given to `madlc run --videos`", TEXT)
    track_method: Optional[str] = setting(None, "null = config.yaml default_track_method (box, ellipse or skeleton); "
                                          "auto = picked per video from how crowded the animals are",
                                          one_of("auto", "box", "ellipse", "skeleton", null=True))
    gpu: int = setting(0, "GPUs requested by train/analyze jobs (the slurm profile sets 1)", integer(0))
    threads: int = setting(4, "CPU threads of train/evaluate/analyze jobs (capped by --cores on one machine)", integer(1))
    export: list = setting([], "also write the final tracks as [nwb, slp, analysis] beside the .h5 (target `export`: "
                           "nwb, slp when empty)", list_of(one_of("nwb", "slp", "analysis")))


@dataclass
class MadlcSettings:
    """The whole tree: one node per group plus the top-level ``seed``."""

    model: ModelSchema = field(default_factory=ModelSchema)
    data: DataSchema = field(default_factory=DataSchema)
    train: TrainSchema = field(default_factory=TrainSchema)
    inference: InferenceSchema = field(default_factory=InferenceSchema)
    tracking: TrackingSchema = field(default_factory=TrackingSchema)
    filter: FilterSchema = field(default_factory=FilterSchema)
    review: ReviewSchema = field(default_factory=ReviewSchema)
    analyze: AnalyzeSchema = field(default_factory=AnalyzeSchema)
    pipeline: PipelineSchema = field(default_factory=PipelineSchema)
    seed: int = setting(0, "random seed of training (engine-independent)", integer())


#: Hydra groups with options (a folder in madlc/configs or an entry in the ConfigStore)
GROUP_SCHEMAS: dict[str, type] = {
    "model": ModelSchema, "data": DataSchema, "train": TrainSchema, "inference": InferenceSchema,
    "tracking": TrackingSchema, "filter": FilterSchema, "review": ReviewSchema, "analyze": AnalyzeSchema,
}
#: every top-level name of the tree
TOP_LEVEL: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(MadlcSettings))

_registered = False


def register() -> None:
    """Put the schema in Hydra's ConfigStore: ``madlc_schema`` (the whole tree, first in
    madlc/configs/config.yaml's defaults list) and a ``default`` option for each group without files."""
    global _registered
    if _registered:
        return
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    store.store(name="madlc_schema", node=MadlcSettings)
    for group, schema in GROUP_SCHEMAS.items():
        if group != "model":
            store.store(group=group, name="default", node=schema)
    _registered = True


def leaf_specs(schema: type = MadlcSettings, prefix: str = "") -> dict[str, dataclasses.Field]:
    """Every leaf of the schema as ``dotted key -> dataclass field`` (nested dataclasses walked)."""
    out: dict[str, dataclasses.Field] = {}
    for f in dataclasses.fields(schema):
        key = f"{prefix}{f.name}"
        if f.default_factory is not dataclasses.MISSING and dataclasses.is_dataclass(f.default_factory):
            out.update(leaf_specs(f.default_factory, key + "."))
        else:
            out[key] = f
    return out


def defaults_of(group: str) -> dict[str, Any]:
    """The schema defaults of one group as a plain dict (``defaults_of("tracking")["max_age"] == 1``)."""
    node = dataclasses.fields(MadlcSettings)
    schema = next(f for f in node if f.name == group)
    if schema.default_factory is dataclasses.MISSING:
        return schema.default  # type: ignore[return-value]
    return dataclasses.asdict(schema.default_factory())
