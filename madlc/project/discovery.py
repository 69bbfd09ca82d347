"""Finding a video's analysis files (FORMATS.md §7.3/§7.4): one place that knows the rule.

A tracks file of ``video.mp4`` lives in ``destfolder`` (default: the video's folder) and is
named ``<video stem><DLCSCORER><suffix>.h5`` where the suffix is the tracker's (``_el``,
``_bx``, ``_sk``), optionally followed by ``_filtered``. DeepLabCut's rule
(``find_analyzed_data``): the name starts with ``<stem><DLCSCORER>`` (or the legacy
``DeepCut`` scorer), ends in ``.h5``, does not contain ``skeleton``; with ``_filtered``
removed, the rest ends with the tracker suffix when a tracker is asked for (or with none of
the tracker suffixes otherwise); ``_filtered`` is present iff filtered data is asked for.

madlc derives the scorer from the project (model folder, snapshot, net type) when it can, and
otherwise takes the newest file that matches ``<stem>DLC_*<suffix>.h5`` -- the scorer is
then read from the file itself (never re-derived), as FORMATS.md §1.4 asks.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Iterable, Sequence

from madlc.errors import MadlcError, VideoError, file_error
from madlc.project import paths

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".mpg", ".mpeg", ".wmv", ".m4v")


def list_videos(videos: str | Path | Iterable[str | Path], videotype: str = "", must_exist: bool = False
                ) -> list[Path]:
    """Expand a list of video files and/or folders into video files (sorted within a folder, each once).

    A folder contributes its files with extension ``videotype`` (any known video extension if
    empty); madlc's and DeepLabCut's outputs (``*_labeled.mp4``, ``*DLClabeled.mp4``, ``*_full.mp4``,
    ``*_id.mp4``) are skipped, and a folder without videos gives a warning. A named file that does not
    exist is an error when ``must_exist`` (the stages that read the frames), else kept (its analysis
    files may lie elsewhere, in ``destfolder``).
    """
    if isinstance(videos, (str, Path)):
        videos = [videos]
    ext = ("." + videotype.lstrip(".")).lower() if videotype else ""
    out: list[Path] = []
    for item in videos:
        p = Path(item).expanduser()
        if p.is_dir():
            found = [f for f in sorted(p.iterdir()) if f.is_file() and not f.name.startswith(".")
                     and not _is_video_output(f)
                     and (f.suffix.lower() == ext if ext else f.suffix.lower() in VIDEO_EXTENSIONS)]
            if not found:
                warnings.warn(f"{p}: no {ext or 'video'} files in this folder (videotype={videotype!r}).",
                              stacklevel=2)
            out += found
        elif must_exist and not p.exists():
            raise VideoError(f"{p}: no such video file or folder. What to do: check the path; pass full paths of "
                             "existing videos (or a folder that holds them).")
        else:
            out.append(p)
    seen: set[Path] = set()
    return [v for v in out if not (v.resolve() in seen or seen.add(v.resolve()))]


def _is_video_output(f: Path) -> bool:
    """A video madlc or DeepLabCut made from another one (labeled, all detections, identities)."""
    return f.stem.endswith(("_labeled", "DLClabeled", "_full", "_id"))


def resolve_track_method(cfg: dict[str, Any], track_method: str = "") -> str:
    """The tracker to use: the argument, else the project's ``pipeline.track_method`` (madlc.yaml; projects
    madlc creates say ``auto`` there), else config.yaml's ``default_track_method`` (DeepLabCut's rule, so a
    DeepLabCut project keeps its tracker), else ``ellipse``. ``madlc run`` decides the same way.

    Single-animal projects have no tracker (``""``).
    """
    if not cfg.get("multianimalproject"):
        return ""
    method = track_method or project_track_method(cfg) or cfg.get("default_track_method") or "ellipse"
    if method != "auto":  # auto: the tracker is picked per video (files carry the picked one's suffix)
        paths.tracker_suffix(method)  # validates the name
    return method


def project_track_method(cfg: dict[str, Any]) -> str | None:
    """``pipeline.track_method`` of the project's madlc.yaml, or None (no madlc.yaml, or null there)."""
    root = cfg.get("project_path")
    if not root:
        return None
    from madlc.config.resolve import project_settings_path, resolve

    if not project_settings_path(root).exists():
        return None
    return resolve(root).values["pipeline"].get("track_method") or None


def tracker_suffixes(method: str) -> list[str]:
    """File suffixes a tracker's outputs may carry: one, or all three for ``auto``."""
    return ["_sk", "_el", "_bx"] if method == "auto" else [paths.tracker_suffix(method)]


def _net_type(model_dir: Path) -> str | None:
    import yaml

    for cfg_file in (model_dir / "train" / "pytorch_config.yaml", model_dir / "test" / "pose_cfg.yaml"):
        if cfg_file.exists():
            try:
                data = yaml.safe_load(cfg_file.read_text()) or {}
            except Exception:
                continue
            net = data.get("net_type") or (data.get("model") or {}).get("net_type") if isinstance(data, dict) else None
            if net:
                return str(net)
    return None


def project_scorer(cfg: dict[str, Any], shuffle: int = 1, trainingsetindex: int = 0) -> str | None:
    """``DLCSCORER`` of the shuffle's selected snapshot (``snapshotindex``), or None if it cannot be derived."""
    try:
        model_dir = paths.model_folder(cfg, shuffle, trainingsetindex)
    except (KeyError, IndexError, TypeError):
        return None
    snapshots = paths.list_snapshots(model_dir / "train")
    net = _net_type(model_dir)
    if not snapshots or not net:
        return None
    index = cfg.get("snapshotindex", -1)
    try:
        snapshot = snapshots[-1 if index == "all" else int(index)]
    except (IndexError, ValueError, TypeError):
        snapshot = snapshots[-1]
    try:
        return paths.scorer_name(cfg, net, snapshot, shuffle)
    except (KeyError, ValueError):
        return None


def _matches(name: str, stem: str, scorer: str | None, suffix: str, filtered: bool) -> bool:
    if not name.endswith(".h5") or "skeleton" in name:
        return False
    base = name[: -len(".h5")]
    if scorer:
        if not base.startswith(stem + scorer):
            return False
    elif not (base.startswith(stem + "DLC_") or base.startswith(stem + "DeepCut")):
        return False
    is_filtered = base.endswith("_filtered")
    if is_filtered != filtered:
        return False
    core = base[: -len("_filtered")] if is_filtered else base
    if suffix:
        return core.endswith(suffix)
    return not any(core.endswith(s) for s in paths.TRACKER_SUFFIX.values())


def candidate_tracks_files(folder: Path, stem: str, scorer: str | None, suffix: str, filtered: bool) -> list[Path]:
    """Files in ``folder`` matching DeepLabCut's discovery rule, newest first."""
    if not folder.is_dir():
        return []
    found = [f for f in folder.glob(f"{stem}*.h5") if _matches(f.name, stem, scorer, suffix, filtered)]
    return sorted(found, key=lambda f: f.stat().st_mtime, reverse=True)


def find_analysis_file(cfg: dict[str, Any], video: str | Path, shuffle: int = 1, trainingsetindex: int = 0,
                       suffixes: str | Sequence[str] = "_full.pickle", destfolder: str | Path | None = None
                       ) -> Path | None:
    """The analysis file ``<stem><scorer><suffix>`` of ``video`` (``_full.pickle``, ``_assemblies.pickle`` ...).

    Looks in ``destfolder`` (default: the video's folder) for the project's current scorer,
    then for the newest file of any DeepLabCut scorer; the first suffix that matches wins.
    None if there is none.
    """
    video = Path(video)
    folder = Path(destfolder) if destfolder else video.parent
    suffixes = [suffixes] if isinstance(suffixes, str) else list(suffixes)
    scorer = project_scorer(cfg, shuffle, trainingsetindex)
    for suffix in suffixes:
        if scorer and (folder / f"{video.stem}{scorer}{suffix}").exists():
            return folder / f"{video.stem}{scorer}{suffix}"
    for suffix in suffixes:
        found = sorted(folder.glob(f"{video.stem}DLC*{suffix}"), key=lambda p: p.stat().st_mtime, reverse=True)
        if found:
            return found[0]
    return None


def require_analysis_file(cfg: dict[str, Any], video: str | Path, shuffle: int = 1, trainingsetindex: int = 0,
                          suffix: str = "_full.pickle", destfolder: str | Path | None = None) -> Path:
    """:func:`find_analysis_file`, or a MadlcError naming the folder and the step to run."""
    found = find_analysis_file(cfg, video, shuffle, trainingsetindex, suffix, destfolder)
    if found is None:
        video = Path(video)
        folder = Path(destfolder) if destfolder else video.parent
        raise file_error(folder, f"no {video.stem}DLC_…{suffix} for video {video.name}",
                         "run analyze_videos on it first (or pass the folder holding its results as destfolder)",
                         MadlcError)
    return found


def find_tracks_file(
    cfg: dict[str, Any],
    video: str | Path,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    track_method: str = "",
    filtered: bool = False,
    destfolder: str | Path | None = None,
) -> Path:
    """The tracks ``.h5`` of ``video`` (``<stem><DLCSCORER><suffix>[_filtered].h5``).

    Prefers the scorer of the project's current snapshot; falls back to the newest file of any
    DeepLabCut scorer. Raises a MadlcError naming the folder and the step to run if none exists.
    """
    video = Path(video)
    folder = Path(destfolder) if destfolder else video.parent
    method = resolve_track_method(cfg, track_method)
    suffixes = tracker_suffixes(method) if method else [""]
    suffix = "|".join(suffixes)
    scorer = project_scorer(cfg, shuffle, trainingsetindex)
    for s in ([scorer] if scorer else []) + [None]:
        found = [f for sfx in suffixes for f in candidate_tracks_files(folder, video.stem, s, sfx, filtered)]
        found.sort(key=lambda f: f.stat().st_mtime, reverse=True)
        if found:
            if len(found) > 1 or (scorer and s is None):
                print(f"{video.name}: using {found[0].name} (newest of {len(found)} matching tracks files).")
            return found[0]
    wanted = f"{video.stem}DLC_…{suffix}{'_filtered' if filtered else ''}.h5"
    if filtered:
        fix = "run filterpredictions first (or pass filtered=False)"
    elif method:
        fix = f"run stitch_tracklets (track_method={method!r}) first, or pass the folder holding it as destfolder"
    else:
        fix = "run analyze_videos first"
    raise file_error(folder, f"no tracks file {wanted} for video {video.name}", fix, MadlcError)


def inference_cfg_file(cfg: dict[str, Any], shuffle: int, trainingsetindex: int) -> Path | None:
    """The shuffle's ``test/inference_cfg.yaml`` (written by training/evaluation), None if there is none."""
    try:
        f = paths.model_folder(cfg, shuffle, trainingsetindex) / "test" / "inference_cfg.yaml"
    except (KeyError, IndexError, TypeError):
        return None
    return f if f.exists() else None
