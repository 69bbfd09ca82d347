"""``madlc import-labels CONFIG FILE``: another tool's labels as this project's training labels.

Sources: SLEAP ``.slp`` (human instances; predictions only with ``--predicted``), NWB
(ndx-pose PoseTraining or PoseEstimation), COCO keypoints ``.json``, SLEAP analysis ``.h5``
(all read with sleap-io), and another DeepLabCut/madlc project (its ``config.yaml`` or a
``CollectedData_*.h5``). Frames go to ``labeled-data/<video stem>/img<idx>.png`` (from the
video the file references, ``--video``, or the frames embedded in a ``.pkg.slp``), labels
to ``CollectedData_<scorer>.h5/.csv`` with the project's scorer. Existing labeled images are
kept as they are (the labels file is backed up before it is rewritten).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from madlc.errors import ConfigError, FormatError, MadlcError, VideoError, file_error
from madlc.io.labels import UNIQUE_INDIVIDUAL

log = logging.getLogger(__name__)


def read_map(path: str | Path | dict | None) -> dict[str, str]:
    """A ``--map`` YAML file of ``node: bodypart`` lines (or a dict) -> dict."""
    if path is None:
        return {}
    if isinstance(path, dict):
        return {str(k): str(v) for k, v in path.items()}
    import yaml

    p = Path(path)
    if not p.exists():
        raise file_error(p, "no such map file", "write a YAML file with one 'node: bodypart' line per node")
    data = yaml.safe_load(p.read_text()) or {}
    if not isinstance(data, dict):
        raise file_error(p, "it is not a mapping", "write one 'node: bodypart' line per node")
    return {str(k): str(v) for k, v in data.items()}


def pack_individuals(pose, cfg: dict[str, Any], path: Any, keep_best: bool = False) -> np.ndarray:
    """Per frame, put the file's instances into the project's individual slots.

    Returns ``(n_frames, n_animals [+1 single], n_bodyparts, 2)``. With ``identity: true`` and
    track names equal to the project's individuals, instances keep their names; otherwise they
    fill the slots in track order. More instances than individuals: refused, or with
    ``keep_best`` the ones with the highest score (most points for human labels) are kept.
    """
    from madlc.project.paths import individuals as cfg_individuals

    animals = cfg_individuals(cfg)
    unique = list(pose.unique_bodyparts)
    n_slots = len(animals) + (1 if unique else 0)
    out = np.full((len(pose.frames), n_slots, len(pose.bodyparts), 2), np.nan)
    present = pose.present()
    candidates = [k for k, name in enumerate(pose.individuals) if name != UNIQUE_INDIVIDUAL]
    by_name = bool(cfg.get("identity")) and all(pose.individuals[k] in animals for k in candidates)
    multi_idx = [pose.bodyparts.index(b) for b in pose.multi_bodyparts]
    unique_idx = [pose.bodyparts.index(b) for b in unique]
    too_many = []
    for row in range(len(pose.frames)):
        ks = [k for k in candidates if present[row, k]]
        if len(ks) > len(animals):
            if not keep_best:
                too_many.append((int(pose.frames[row]), len(ks)))
                continue
            score = lambda k: (np.nan_to_num(pose.instance_scores[row, k], nan=-np.inf)  # noqa: E731
                               if pose.instance_scores is not None else 0,
                               np.isfinite(pose.coords[row, k, :, 0]).sum())
            ks = sorted(sorted(ks, key=score, reverse=True)[: len(animals)])
        for slot, k in enumerate(ks):
            target = animals.index(pose.individuals[k]) if by_name else slot
            out[row, target, multi_idx] = pose.coords[row, k, multi_idx, :2]
        if unique:
            source = [pose.individuals.index(UNIQUE_INDIVIDUAL)] if UNIQUE_INDIVIDUAL in pose.individuals else ks
            for k in source:
                vals = pose.coords[row, k, unique_idx, :2]
                fill = ~np.isfinite(out[row, -1, unique_idx, 0]) & np.isfinite(vals[:, 0])
                out[row, -1, np.array(unique_idx)[fill]] = vals[fill]
    if too_many:
        most = max(n for _, n in too_many)
        shown = ", ".join(f"frame {f}: {n}" for f, n in too_many[:8]) + (" ..." if len(too_many) > 8 else "")
        raise ConfigError(f"{path}: {len(too_many)} frames hold more animals than the {len(animals)} individuals of "
                          f"the project ({shown}). What to do: list {most} individuals in config.yaml, or pass "
                          f"--keep-best to keep the {len(animals)} best-scoring animals of each frame.")
    return out


def _resolve_video(pose, labels, src: Path, video: str | None):
    """Where the frames come from: ``(video file or None, sleap-io Video with embedded frames or None,
    video stem, frame count of the original video, original video path)``."""
    from madlc.video.reader import video_info

    if video:
        if not Path(video).exists():
            raise VideoError(f"{video}: no such video file. What to do: check the --video path.")
        path = Path(video).resolve()
        return path, None, path.stem, video_info(path).nframes, path
    ref = str(pose.video or "")
    candidates = [Path(ref), src.parent / ref, src.parent / Path(ref).name] if ref else []
    for c in candidates:
        if c.suffix.lower() not in (".slp", ".h5", ".nwb") and c.is_file():
            path = c.resolve()
            return path, None, path.stem, video_info(path).nframes, path
    for v in (labels.videos if labels is not None else []):
        if isinstance(v.filename, (list, tuple)):  # a COCO/YOLO image set: one "frame" per image
            files = [Path(f) if Path(f).is_absolute() else src.parent / f for f in v.filename]
            missing = [str(f) for f in files if not f.exists()]
            if missing:
                raise VideoError(f"{src}: {len(missing)} of its {len(files)} images are not found (first: "
                                 f"{missing[0]}). What to do: keep the images where the file says (paths are "
                                 "relative to the file's folder).")
            v.replace_filename([str(f) for f in files], open=True)
            return None, v, src.name.split(".")[0], len(files), None
        meta = v.backend_metadata or {}
        if not meta.get("has_embedded_images"):
            continue
        source = getattr(v, "source_video", None)
        original = Path(str(source.filename)) if source is not None and isinstance(source.filename, str) else None
        if original is not None and original.is_file():
            return original.resolve(), None, original.stem, video_info(original).nframes, original.resolve()
        try:
            if not Path(str(v.filename)).exists():
                v.replace_filename(str(src), open=False)
            v.open()
        except Exception:  # noqa: BLE001 - the clear error below says what to do
            continue
        nframes = int(source.shape[0]) if source is not None and source.shape else int(v.shape[0])
        stem = original.stem if original is not None else src.name.split(".")[0]
        return None, v, stem, nframes, original
    raise VideoError(
        f"{src}: the video it references ({ref or 'none'}) is not found (looked in {[str(c) for c in candidates]}), "
        "and the file embeds no frames. What to do: pass the video with --video PATH "
        "(or export the labels with their frames from SLEAP: File > Export Labels Package).")


def _add_video(config: str | Path, cfg: dict[str, Any], video: Path | None, stem: str, copy_videos: bool,
               crop: str = "") -> None:
    """List the video in config.yaml's video_sets (linked into videos/ when the file exists)."""
    stems = {Path(str(k).replace("\\", "/")).stem for k in cfg.get("video_sets") or {}}
    if stem in stems:
        return
    if video is not None and video.is_file():
        from madlc.stages.add_new_videos import add_new_videos

        add_new_videos(str(config), [str(video)], copy_videos=copy_videos)
        return
    from madlc.io.config import read_config, write_config

    cfg_now = read_config(config)  # frames embedded, video elsewhere: DeepLabCut matches labels by stem
    key = str(video) if video is not None else str(Path(cfg_now["project_path"]) / "videos" / f"{stem}.mp4")
    cfg_now.setdefault("video_sets", {})[key] = {"crop": crop}
    write_config(cfg_now, config)


def _write_images(folder: Path, frames: np.ndarray, nframes: int, video_path: Path | None, sleap_video) -> list[str]:
    import cv2

    from madlc.io.atomic import atomic_path
    from madlc.project.paths import image_name

    folder.mkdir(parents=True, exist_ok=True)
    names = [image_name(int(f), nframes) for f in frames]
    todo = [(int(f), n) for f, n in zip(frames, names) if not (folder / n).exists()]
    reader = None
    if todo and video_path is not None:
        from madlc.video.reader import VideoReader

        reader = VideoReader(video_path)
    try:
        for frame, name in todo:
            if reader is not None:
                img = reader.read(frame)  # RGB
            else:
                img = np.asarray(sleap_video[frame])
                img = np.repeat(img, 3, axis=-1) if img.ndim == 3 and img.shape[-1] == 1 else img
            with atomic_path(folder / name) as tmp:
                if not cv2.imwrite(str(tmp), np.ascontiguousarray(np.asarray(img)[..., ::-1])):
                    raise MadlcError(f"{folder / name}: the image could not be written. What to do: check the disk.")
    finally:
        if reader is not None:
            reader.close()
    return names


def merge_and_write(new: pd.DataFrame, labels_file: Path) -> tuple[Path, int, int]:
    """Add ``new`` rows to ``labels_file`` keeping every existing row as it is; (path, added, kept)."""
    from madlc.io.labels import read_labels, write_labels

    kept = 0
    if labels_file.exists():
        old = read_labels(labels_file)
        fresh = new.loc[~new.index.isin(old.index)]
        kept = len(new) - len(fresh)
        merged = pd.concat([old, fresh.reindex(columns=old.columns.union(fresh.columns, sort=False))])
        merged = merged.reindex(columns=old.columns) if set(fresh.columns) <= set(old.columns) else merged
        new_rows = len(fresh)
    else:
        merged, new_rows = new, len(new)
    write_labels(merged, labels_file, backup_existing=True)
    return labels_file, new_rows, kept


def import_labels(config: str, file: str, predicted: bool = False, map: str | None = None, every: int = 1,
                  video: str | None = None, video_index: int | None = None, format: str | None = None,
                  keep_best: bool = False, copy_videos: bool = False) -> str:
    """Import labels from SLEAP (.slp), NWB, COCO, SLEAP analysis .h5 or another DeepLabCut project.

    ``predicted``: also take SLEAP's predicted instances (default: human-labeled ones only).
    ``map``: YAML file of ``node: bodypart`` lines (default: nodes must be named like the body
    parts; unknown names are refused, listing both). ``every``: only frames whose number is a
    multiple of it. ``video``: the video file (default: the one the file references, or the
    frames embedded in the file); it is added to config.yaml's video_sets if needed.
    ``keep_best``: when a frame has more animals than individuals, keep the best-scoring ones.
    Existing labeled images are never overwritten (the labels file is backed up first).
    Returns the path of the labels file written.
    """
    from madlc.project.config import load_config

    src = Path(file)
    if not src.exists():
        raise file_error(src, "no such file", "check the path")
    if int(every) < 1:
        raise ConfigError(f"every={every}: must be 1 or more. What to do: pass e.g. --every 10.")
    cfg = load_config(config)
    if not cfg.get("multianimalproject"):
        raise ConfigError(f"{config}: import-labels fills multi-animal projects. What to do: create the project "
                          "with multianimal=True.")
    mapping = read_map(map)
    if src.name == "config.yaml" or (src.is_dir() and (src / "config.yaml").exists()) \
            or src.name.startswith("CollectedData_"):
        return import_dlc_labels(config, cfg, src, mapping, int(every), keep_best)
    return _import_pose_file(config, cfg, src, predicted, mapping, int(every), video, video_index, format, keep_best,
                             copy_videos)


def _import_pose_file(config, cfg, src: Path, predicted: bool, mapping, every: int, video, video_index, format,
                      keep_best: bool, copy_videos: bool) -> str:
    from dataclasses import replace

    from madlc.io.labels import array_to_labels
    from madlc.io.sleap_formats import detect_format, load_labels_file, pose_from_labels
    from madlc.project.paths import individuals as cfg_individuals
    from madlc.stages.convert import fit_to_config

    fmt = detect_format(src, format)
    if fmt == "dlc":
        raise FormatError(f"{src}: a DeepLabCut tracks file holds predictions, not labels. What to do: pass a "
                          "CollectedData_*.h5, a project's config.yaml, or a .slp/.nwb/COCO file.")
    labels = None
    if fmt == "nwb":
        from madlc.io.nwb_pose import load_nwb

        pose = load_nwb(src, video=video_index)
        if pose.user is None or not pose.user.any():
            if not predicted:
                raise file_error(src, "it holds pose estimates (PoseEstimation), not human labels",
                                 "pass --predicted to import them as labels", ConfigError)
    else:
        labels = load_labels_file(src, fmt)
        pose = pose_from_labels(labels, src, video=video_index, predicted=predicted, user=True)
        if not len(pose.frames):
            n_pred = sum(len(lf.predicted_instances) for lf in labels.labeled_frames)
            hint = "pass --predicted to import SLEAP's predictions as labels" if n_pred and not predicted \
                else "check that the file holds labeled frames"
            raise file_error(src, "it holds no human-labeled instances" if n_pred else "it holds no poses", hint,
                             ConfigError)
    keep = pose.frames % every == 0
    pose = replace(pose, coords=pose.coords[keep], frames=pose.frames[keep],
                   instance_scores=None if pose.instance_scores is None else pose.instance_scores[keep],
                   user=None if pose.user is None else pose.user[keep])
    pose, cfg = fit_to_config(pose, config, src, mapping)
    video_path, sleap_video, stem, nframes, original = _resolve_video(pose, labels, src, video)
    beyond = pose.frames[pose.frames >= nframes]
    if len(beyond):
        raise file_error(src, f"frame {int(beyond[0])} is labeled but the video has {nframes} frames",
                         "pass the right video with --video", VideoError)
    crop = ""
    if sleap_video is not None and sleap_video.shape:
        crop = f"0, {int(sleap_video.shape[2])}, 0, {int(sleap_video.shape[1])}"
    _add_video(config, cfg, original, stem, copy_videos, crop)
    arr = pack_individuals(pose, cfg, src, keep_best)
    project = Path(cfg["project_path"])
    folder = project / "labeled-data" / stem
    names = _write_images(folder, pose.frames, nframes, video_path, sleap_video)
    df = array_to_labels(arr, cfg["scorer"], cfg_individuals(cfg), pose.multi_bodyparts, pose.unique_bodyparts,
                         index=[("labeled-data", stem, n) for n in names])
    out, added, kept = merge_and_write(df, folder / f"CollectedData_{cfg['scorer']}.h5")
    msg = (f"{src}: {added} labeled frames imported into {folder}"
           + (f"; {kept} already labeled there were kept as they were" if kept else ""))
    print(msg)
    log.info(msg)
    return str(out)


# ---------------------------------------------------------------- another DeepLabCut project
def _sources(src: Path) -> list[Path]:
    if src.name.startswith("CollectedData_"):
        return [src]
    root = src if src.is_dir() else src.parent
    found = sorted(p for p in (root / "labeled-data").glob("*/CollectedData_*.h5") if not p.parent.name.endswith("_labeled"))
    if not found:
        raise file_error(src, "its project has no labeled-data/*/CollectedData_*.h5", "label frames there first")
    return found


def import_dlc_labels(config: str | Path, cfg: dict[str, Any], src: Path, mapping: dict[str, str], every: int,
                      keep_best: bool) -> str:
    """Copy labels (and images) of another DeepLabCut project into this project's labeled-data."""
    import shutil

    from madlc.io.config import read_config, write_config
    from madlc.io.labels import UNIQUE_INDIVIDUAL, array_to_labels, labels_to_array, read_labels
    from madlc.io.sleap_formats import PoseData
    from madlc.project.paths import individuals as cfg_individuals
    from madlc.stages.convert import fit_to_config

    other_cfg = None
    if not src.name.startswith("CollectedData_"):
        other_cfg = read_config(src if src.is_file() else src / "config.yaml")
    project = Path(cfg["project_path"])
    last = ""
    for labels_file in _sources(src):
        df = read_labels(labels_file)
        stem = str(df.index[0][1]) if len(df) else labels_file.parent.name
        cols = df.columns
        inds = list(dict.fromkeys(cols.get_level_values("individuals")))
        bpts = list(dict.fromkeys(cols.get_level_values("bodyparts")))
        unique = [b for b in bpts if all(i == UNIQUE_INDIVIDUAL for i, bb in zip(cols.get_level_values("individuals"),
                                                                             cols.get_level_values("bodyparts")) if bb == b)]
        xy = labels_to_array(df, inds, bpts)
        numbers = [int("".join(ch for ch in str(i[2]) if ch.isdigit()) or -1) for i in df.index]
        keep = np.array([n % every == 0 for n in numbers], bool)
        coords = np.concatenate([xy, np.where(np.isfinite(xy[..., :1]), 1.0, np.nan)], axis=-1)[keep]
        pose = PoseData(coords, np.arange(int(keep.sum())), inds, bpts, unique, str(cfg["scorer"]))
        pose, _ = fit_to_config(pose, config, labels_file, mapping)
        arr = pack_individuals(pose, cfg, labels_file, keep_best)
        images = [df.index[i][2] for i in np.flatnonzero(keep)]
        folder = project / "labeled-data" / stem
        folder.mkdir(parents=True, exist_ok=True)
        for name in images:
            source, target = labels_file.parent / name, folder / name
            if source.exists() and not target.exists():
                shutil.copy2(source, target)
        new = array_to_labels(arr, cfg["scorer"], cfg_individuals(cfg), pose.multi_bodyparts, pose.unique_bodyparts,
                              index=[("labeled-data", stem, n) for n in images])
        out, added, kept = merge_and_write(new, folder / f"CollectedData_{cfg['scorer']}.h5")
        print(f"{labels_file}: {added} labeled frames imported into {folder}"
              + (f"; {kept} already labeled there were kept as they were" if kept else ""))
        cfg_now = read_config(config)
        stems = {Path(str(k).replace("\\", "/")).stem for k in cfg_now.get("video_sets") or {}}
        if stem not in stems:
            entry = next(((k, v) for k, v in ((other_cfg or {}).get("video_sets") or {}).items()
                          if Path(str(k).replace("\\", "/")).stem == stem), None)
            if entry is None:
                import cv2

                first = cv2.imread(str(folder / images[0])) if images else None
                crop = f"0, {first.shape[1]}, 0, {first.shape[0]}" if first is not None else ""
                entry = (str(project / "videos" / f"{stem}.mp4"), {"crop": crop})
            key, value = entry
            cfg_now.setdefault("video_sets", {})[key] = value
            write_config(cfg_now, config)
        last = str(out)
    return last
