"""A complete synthetic DeepLabCut project with exact ground truth: the test and demo data of madlc.

``synth_project(dir)`` makes ``dir`` a project folder (``dir/config.yaml``) with:

- ``videos/synth<v>.mp4`` (mp4v) for ``videos`` videos, all listed in ``video_sets``;
- ``labeled-data/synth<v>/img<idx>.png`` for ``labeled_frames`` frames per video, read back from the
  video like :func:`madlc.extract_frames` would, and ``CollectedData_<scorer>.h5/.csv`` with the
  exact positions of the visible parts (hidden parts NaN);
- ``ground-truth/<video stem>_gt.h5``: every frame's true positions in the tracks layout (scorer
  ``groundtruth``; likelihood 1 = visible, 0 = hidden), one per video, held-out ones included;
- ``held-out/heldout<v>.mp4`` (``held_out`` videos, not in ``video_sets``): fresh videos for the
  analysis demo, with ground truth, never labeled;
- ``ground-truth/synth.yaml``: the parameters used.

Individuals are ``animal1..N``; body parts run head to tail along a chain skeleton; unique body
parts are fixed landmarks ``landmark1, landmark2``. Deterministic from ``seed``.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from madlc.errors import ConfigError

BODYPART_NAMES = ["snout", "neck", "back", "tailbase", "tailmid", "tailend"]
LANDMARK_NAMES = ["landmark1", "landmark2"]
SCORER = "synth"
TASK = "synth"


def bodypart_names(n_bodyparts: int) -> list[str]:
    """``snout, neck, back, tailbase, ...``; ``part<k>`` beyond the named ones."""
    if n_bodyparts <= len(BODYPART_NAMES):
        return BODYPART_NAMES[:n_bodyparts]
    return BODYPART_NAMES + [f"part{k}" for k in range(len(BODYPART_NAMES) + 1, n_bodyparts + 1)]


def pick_labeled_frames(n_frames: int, n_pick: int, seed: int) -> list[int]:
    """One random frame in each of ``n_pick`` equal slices of the video (sorted, distinct)."""
    n_pick = min(n_pick, n_frames)
    if n_pick <= 0:
        return []
    rng = np.random.default_rng(seed + 31337)
    edges = np.linspace(0, n_frames, n_pick + 1)
    picks = [int(rng.integers(int(np.ceil(lo)), max(int(np.ceil(hi)), int(np.ceil(lo)) + 1)))
             for lo, hi in zip(edges[:-1], edges[1:])]
    return sorted(set(min(p, n_frames - 1) for p in picks))


def synth_project(dir: str, animals: int = 3, bodyparts: int = 4, frames: int = 200, size: str = "160x120",
                  labeled_frames: int = 20, identity: bool = False, unique: bool = False, seed: int = 0,
                  videos: int = 1, fps: float = 30.0, held_out: int = 0, occlusion: bool = False,
                  multianimal: bool = True, overwrite: bool = False) -> str:
    """Create a synthetic project (videos, labels, ground-truth tracks) in DIR; return its config.yaml path.

    ``animals`` animals of ``bodyparts`` body parts move in ``videos`` videos of ``frames`` frames
    (``size`` "WxH"); ``labeled_frames`` frames per video are labeled exactly. ``identity``: each animal
    has its own colour (config ``identity: true``). ``unique``: two fixed landmarks as unique body parts.
    ``held_out``: extra videos in held-out/ (not in the project) for analysis. ``occlusion``: a box
    hides parts passing under it. ``multianimal=False`` (needs ``animals=1``) makes a single-animal
    project. Ground truth: ground-truth/<video>_gt.h5. Same seed, same project.
    """
    from madlc.io.config import write_config
    from madlc.project.config import validate_config
    from madlc.project.manage import default_config
    from madlc.project.paths import image_name
    from madlc.synth.groundtruth import labels_frame, write_ground_truth_tracks, write_labels_file
    from madlc.synth.video import parse_size, write_synthetic_video
    from madlc.video.reader import VideoReader

    try:
        width, height = parse_size(size)
    except ValueError as err:
        raise ConfigError(f"synth_project: {err}.") from None
    if animals < 1 or bodyparts < 2 or frames < 1 or videos < 1:
        raise ConfigError(f"synth_project: need animals >= 1, bodyparts >= 2, frames >= 1, videos >= 1 "
                          f"(got {animals}, {bodyparts}, {frames}, {videos}).")
    if not multianimal and animals != 1:
        raise ConfigError(f"synth_project: a single-animal project (multianimal=False) has one animal, got "
                          f"animals={animals}. What to do: pass animals=1, or keep multianimal=True.")
    root = Path(dir).expanduser().resolve()
    config_path = root / "config.yaml"
    if config_path.exists():
        if not overwrite:
            raise ConfigError(f"{config_path}: a project already exists here. What to do: choose another "
                              "folder, or pass overwrite=True to replace it.")
        shutil.rmtree(root)
    for sub in ("videos", "labeled-data", "training-datasets", "dlc-models", "ground-truth"):
        (root / sub).mkdir(parents=True, exist_ok=True)

    parts = bodypart_names(bodyparts)
    landmarks = LANDMARK_NAMES if unique else []
    individuals = [f"animal{a + 1}" for a in range(animals)]
    cfg = default_config(TASK, SCORER, multianimal=multianimal)
    cfg["project_path"] = str(root)
    skeleton = [[parts[k], parts[k + 1]] for k in range(bodyparts - 1)]
    if multianimal:
        cfg.update(identity=bool(identity), individuals=individuals, uniquebodyparts=list(landmarks),
                   multianimalbodyparts=parts, bodyparts="MULTI!")
    else:
        cfg.update(bodyparts=parts + list(landmarks))
    short = min(width, height)
    cfg.update(skeleton=skeleton, numframes2pick=int(labeled_frames), TrainingFraction=[0.8],
               dotsize=max(2, int(round(0.03 * short))), colormap="rainbow", x2=width, y2=height, y1=0)
    video_sets = {}
    specs = [(f"synth{v}", root / "videos" / f"synth{v}.mp4", True) for v in range(videos)]
    specs += [(f"heldout{v}", root / "held-out" / f"heldout{v}.mp4", False) for v in range(held_out)]
    for number, (stem, path, labeled) in enumerate(specs):
        video_seed = seed * 1000 + number
        truth, _ = write_synthetic_video(path, animals, bodyparts, frames, (width, height), fps, video_seed,
                                         identity, len(landmarks), occlusion, progress=frames >= 2000)
        write_ground_truth_tracks(root / "ground-truth" / f"{stem}_gt.h5", truth.poses, truth.visible,
                                  individuals, parts, truth.landmarks, truth.landmark_visible, landmarks,
                                  multianimal=multianimal)
        if not labeled:
            continue
        video_sets[str(path)] = {"crop": f"0, {width}, 0, {height}"}
        folder = root / "labeled-data" / stem
        folder.mkdir(parents=True, exist_ok=True)
        picks = pick_labeled_frames(frames, labeled_frames, video_seed)
        if not picks:
            continue
        _save_frames(VideoReader, path, picks, folder, frames, image_name)
        index = [("labeled-data", stem, image_name(t, frames)) for t in picks]
        df = labels_frame(truth.poses[picks], truth.visible[picks], SCORER, individuals, parts, index,
                          truth.landmarks if landmarks else None,
                          truth.landmark_visible[picks] if landmarks else None, landmarks, multianimal)
        write_labels_file(df, folder / f"CollectedData_{SCORER}.h5")
    cfg["video_sets"] = video_sets
    validate_config(cfg, config_path)
    write_config(cfg, config_path)
    _write_settings(root / "madlc.yaml", width, height, bodyparts, multianimal)
    _write_manifest(root / "ground-truth" / "synth.yaml", dict(
        animals=animals, bodyparts=bodyparts, frames=frames, size=f"{width}x{height}",
        labeled_frames=labeled_frames, identity=identity, unique=unique, seed=seed, videos=videos, fps=fps,
        held_out=held_out, occlusion=occlusion, multianimal=multianimal))
    return str(config_path)


def _save_frames(reader_cls, video: Path, picks: list[int], folder: Path, n_frames: int, image_name) -> None:
    import cv2

    from madlc.io.atomic import atomic_path

    with reader_cls(video) as reader:
        for t in picks:
            frame = reader.read(t)
            with atomic_path(folder / image_name(t, n_frames)) as tmp:
                cv2.imwrite(str(tmp), np.ascontiguousarray(frame[..., ::-1]))


def _write_settings(path: Path, width: int, height: int, n_bodyparts: int, multianimal: bool = True) -> None:
    """``<project>/madlc.yaml``: a new project's settings (as ``create_new_project`` writes them) and
    settings that suit small synthetic frames (any stage reads them).

    The part affinity fields are as wide as the drawn bodies, and at least 1.5 score-map
    cells (stride 8): a narrower strip leaves cells of a diagonal limb without a field.
    """
    from madlc.io.atomic import atomic_path
    from madlc.project.manage import new_project_settings
    from madlc.synth.motion import BodyGeometry

    pafwidth = max(BodyGeometry.for_size((width, height), n_bodyparts).limb_width, 12)

    text = (
        "# madlc settings of this synthetic project (small frames, small animals); see madlc/configs/.\n"
        "# The tiny network trains on a CPU; narrow target maps and a small NMS radius keep\n"
        "# neighbouring animals' parts apart at this scale. Command-line overrides still win.\n"
        "overrides: [model=tiny]\n"
        "data:\n"
        f"  crop_size: [{width}, {height}]\n"
        "  pos_dist_thresh: 8\n"
        f"  pafwidth: {pafwidth}\n"
        "inference:\n"
        "  nmsradius: 2\n"
    )
    with atomic_path(path) as tmp:
        tmp.write_text(new_project_settings(multianimal) + text)


def _write_manifest(path: Path, params: dict) -> None:
    import yaml

    from madlc.io.atomic import atomic_path

    text = "# parameters of madlc.synth.synth_project that made this project\n" + yaml.safe_dump(params, sort_keys=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text)
