"""Labels of another DeepLabCut/madlc project into this one (used by ``madlc import-labels``).

The source is a project's ``config.yaml`` (every ``labeled-data/*/CollectedData_*.h5``) or one
``CollectedData_*.h5``/``.csv``. Body parts are matched by name or ``--map``; the source's
individuals fill this project's slots in order; images are copied; the video stem is added
to ``video_sets`` (with the source's path and crop) when this project does not list it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from madlc.errors import file_error


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
    from madlc.stages.import_labels import merge_and_write, pack_individuals

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
