"""Names and folders of a DeepLabCut project (FORMATS.md §1): one place that knows them.

Everything here is pure string/path arithmetic on a config dict; nothing touches the disk
except :func:`list_snapshots`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from madlc.io.frame_keys import frame_key, frame_key_width  # noqa: F401 (names of project files)

ENGINE_MODEL_FOLDER = "dlc-models-pytorch"
ENGINE_EVAL_FOLDER = "evaluation-results-pytorch"
TRACKER_SUFFIX = {"box": "_bx", "ellipse": "_el", "skeleton": "_sk", "transformer": "_tr", "ctd": "_ctd"}
_SNAPSHOT_RE = re.compile(r"^snapshot(-best)?-(\d+)\.pt$")


def project_dir(cfg: dict[str, Any]) -> Path:
    """The project root (``project_path`` as resolved by :func:`madlc.io.read_config`)."""
    return Path(cfg["project_path"])


def all_bodyparts(cfg: dict[str, Any]) -> list[str]:
    """``multianimalbodyparts + uniquebodyparts`` (single-animal: ``bodyparts``)."""
    if cfg.get("multianimalproject"):
        return list(cfg.get("multianimalbodyparts") or []) + list(cfg.get("uniquebodyparts") or [])
    return list(cfg.get("bodyparts") or [])


def multianimal_bodyparts(cfg: dict[str, Any]) -> list[str]:
    """Per-animal body parts (single-animal projects: ``bodyparts``)."""
    if cfg.get("multianimalproject"):
        return list(cfg.get("multianimalbodyparts") or [])
    return list(cfg.get("bodyparts") or [])


def unique_bodyparts(cfg: dict[str, Any]) -> list[str]:
    return list(cfg.get("uniquebodyparts") or []) if cfg.get("multianimalproject") else []


def individuals(cfg: dict[str, Any], with_single: bool = False) -> list[str]:
    """``individuals`` (+ ``single`` when asked and unique body parts exist).

    A single-animal project has one individual, named ``animal`` internally (its files have
    no individuals column level; madlc.io adds and drops the level).
    """
    inds = list(cfg.get("individuals") or []) if cfg.get("multianimalproject") else ["animal"]
    if with_single and unique_bodyparts(cfg):
        inds.append("single")
    return inds


def fraction_percent(fraction: float) -> int:
    """``int(100 * fraction)``: DeepLabCut's truncation (0.29 -> 28), reproduced exactly."""
    return int(100 * fraction)


def task_date(cfg: dict[str, Any]) -> str:
    return f"{cfg['Task']}{cfg['date']}"


def shuffle_name(cfg: dict[str, Any], shuffle: int = 1, trainingsetindex: int = 0) -> str:
    """``<T><D>-trainset<P>shuffle<k>``."""
    fraction = cfg["TrainingFraction"][trainingsetindex]
    return f"{task_date(cfg)}-trainset{fraction_percent(fraction)}shuffle{shuffle}"


def iteration_folder(cfg: dict[str, Any]) -> str:
    return f"iteration-{cfg.get('iteration', 0)}"


def training_dataset_folder(cfg: dict[str, Any]) -> Path:
    """``training-datasets/iteration-<N>/UnaugmentedDataSet_<T><D>``."""
    return project_dir(cfg) / "training-datasets" / iteration_folder(cfg) / f"UnaugmentedDataSet_{task_date(cfg)}"


def training_data_pickle(cfg: dict[str, Any], shuffle: int = 1, trainingsetindex: int = 0) -> Path:
    """``<T>_<S><P>shuffle<k>.pickle`` inside the training-dataset folder."""
    p = fraction_percent(cfg["TrainingFraction"][trainingsetindex])
    return training_dataset_folder(cfg) / f"{cfg['Task']}_{cfg['scorer']}{p}shuffle{shuffle}.pickle"


def documentation_pickle(cfg: dict[str, Any], shuffle: int = 1, trainingsetindex: int = 0) -> Path:
    """``Documentation_data-<T>_<P>shuffle<k>.pickle``."""
    p = fraction_percent(cfg["TrainingFraction"][trainingsetindex])
    return training_dataset_folder(cfg) / f"Documentation_data-{cfg['Task']}_{p}shuffle{shuffle}.pickle"


def model_folder(cfg: dict[str, Any], shuffle: int = 1, trainingsetindex: int = 0) -> Path:
    """``dlc-models-pytorch/iteration-<N>/<T><D>-trainset<P>shuffle<k>`` (holds train/ and test/)."""
    return project_dir(cfg) / ENGINE_MODEL_FOLDER / iteration_folder(cfg) / shuffle_name(cfg, shuffle, trainingsetindex)


def evaluation_folder(cfg: dict[str, Any], shuffle: int = 1, trainingsetindex: int = 0) -> Path:
    """``evaluation-results-pytorch/iteration-<N>/<T><D>-trainset<P>shuffle<k>``."""
    root = cfg.get("eval_prefix") or ENGINE_EVAL_FOLDER
    return project_dir(cfg) / root / iteration_folder(cfg) / shuffle_name(cfg, shuffle, trainingsetindex)


def snapshot_filename(epoch: int, best: bool = False) -> str:
    """``snapshot-050.pt`` / ``snapshot-best-050.pt`` (epoch or step, zero-padded to 3 digits)."""
    return f"snapshot{'-best' if best else ''}-{epoch:03d}.pt"


def list_snapshots(train_folder: str | Path) -> list[Path]:
    """Snapshots in ``train/`` sorted by number, the ``best`` one last (DeepLabCut 3's order)."""
    folder = Path(train_folder)
    found = []
    for f in folder.glob("snapshot*.pt") if folder.exists() else []:
        m = _SNAPSHOT_RE.match(f.name)
        if m:
            found.append((bool(m.group(1)), int(m.group(2)), f))
    return [f for _, _, f in sorted(found, key=lambda t: (t[0], t[1]))]


def snapshot_uid(snapshot: str | Path) -> str:
    """``snapshot-050.pt`` -> ``snapshot_50``; ``snapshot-best-190.pt`` -> ``snapshot_best-190``."""
    m = _SNAPSHOT_RE.match(Path(snapshot).name)
    if not m:
        raise ValueError(f"{snapshot}: not a snapshot file name (snapshot-<N>.pt)")
    return f"snapshot_{'best-' if m.group(1) else ''}{int(m.group(2))}"


def scorer_name(cfg: dict[str, Any], net_type: str, snapshot: str | Path, shuffle: int = 1) -> str:
    """DeepLabCut 3's network scorer: ``DLC_<Name>_<T><D>shuffle<k>_<uid>`` (FORMATS.md §1.4)."""
    name = "".join(part.capitalize() for part in str(net_type).replace("-", "_").split("_"))
    return f"DLC_{name}_{task_date(cfg)}shuffle{shuffle}_{snapshot_uid(snapshot)}"


def image_name(index: int, nframes: int) -> str:
    """``img0042.png``-style name of an extracted frame."""
    return f"img{str(index).zfill(frame_key_width(nframes))}.png"


def output_stem(video: str | Path, scorer: str, destfolder: str | Path | None = None) -> Path:
    """``<destfolder or video folder>/<video stem><scorer>``: prefix of every analysis output."""
    video = Path(video)
    folder = Path(destfolder) if destfolder else video.parent
    return folder / f"{video.stem}{scorer}"


def tracker_suffix(track_method: str) -> str:
    """``box`` -> ``_bx``, ``ellipse`` -> ``_el``, ``skeleton`` -> ``_sk``."""
    try:
        return TRACKER_SUFFIX[track_method]
    except KeyError:
        raise ValueError(f"unknown track_method {track_method!r}; use one of box, ellipse, skeleton") from None


def select_names(requested: Any, available: list[str]) -> list[str]:
    """``'all'`` (or ``['all']``, None) -> all ``available``; else the requested names that exist, in requested order
    (``displayedbodyparts`` / ``displayedindividuals`` of the plotting stages)."""
    if requested is None or requested == "all" or list(requested) == ["all"]:
        return list(available)
    names = [requested] if isinstance(requested, str) else list(requested)
    return [n for n in names if n in available]
