"""``promote_machinelabels``: turn a folder's machine labels into editable labels (FORMATS.md §9)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from madlc.errors import MadlcError
from madlc.project.config import config_pcutoff


def promote_machinelabels(config: str | Path, video: str | Path, pcutoff: float | None = None,
                          replace_labeled: bool = False) -> str:
    """Turn a folder's machine labels into editable labels (FORMATS.md §9, steps 2-3).

    Reads ``labeled-data/<video stem>/machinelabels-iter<N>.h5``, hides points with likelihood
    below ``pcutoff`` (default config.yaml's), renames the scorer to config.yaml's ``scorer``,
    drops likelihoods, maps the tracks' individuals onto config.yaml's (by name, else in order)
    and merges the rows into ``CollectedData_<scorer>.h5`` (+ csv; the old file is kept as
    ``.bak``). Frames that already have human labels keep them unless ``replace_labeled``.
    A labeling GUI calls this before showing outlier frames, so the user corrects rather than
    starts from scratch. Returns the CollectedData path.
    """
    import pandas as pd

    from madlc.io.labels import read_labels, read_machinelabels, write_labels
    from madlc.project import paths
    from madlc.project.config import load_config

    cfg = load_config(config)
    folder = Path(cfg["project_path"]) / "labeled-data" / Path(video).stem
    ml_path = folder / f"machinelabels-iter{cfg.get('iteration', 0)}.h5"
    if not ml_path.exists():
        raise MadlcError(f"{ml_path}: no machine labels. What to do: run extract_outlier_frames for this video first.")
    ml = read_machinelabels(ml_path)
    cutoff = config_pcutoff(cfg, pcutoff)
    animals = paths.individuals(cfg)
    found = [i for i in dict.fromkeys(ml.columns.get_level_values("individuals")) if i != "single"]
    rename = {i: i for i in found if i in animals} or dict(zip(found, animals))
    multi, unique = paths.multianimal_bodyparts(cfg), paths.unique_bodyparts(cfg)
    columns = pd.MultiIndex.from_tuples(
        [(cfg["scorer"], ind, bpt, c) for ind in animals for bpt in multi for c in ("x", "y")]
        + [(cfg["scorer"], "single", bpt, c) for bpt in unique for c in ("x", "y")],
        names=["scorer", "individuals", "bodyparts", "coords"])
    new = pd.DataFrame(np.nan, index=ml.index, columns=columns)
    for _, ind, bpt, coord in ml.columns:
        target = "single" if ind == "single" else rename.get(ind)
        if coord not in ("x", "y") or target is None or (cfg["scorer"], target, bpt, coord) not in columns:
            continue
        values = ml.xs((ind, bpt, coord), level=("individuals", "bodyparts", "coords"), axis=1).iloc[:, 0]
        like = ml.xs((ind, bpt, "likelihood"), level=("individuals", "bodyparts", "coords"), axis=1).iloc[:, 0] \
            if (ind, bpt, "likelihood") in ml.columns.droplevel(0) else pd.Series(1.0, index=ml.index)
        new[(cfg["scorer"], target, bpt, coord)] = values.where(like >= cutoff)
    labels_path = folder / f"CollectedData_{cfg['scorer']}.h5"
    if labels_path.exists():
        old = read_labels(labels_path)
        merged = pd.concat([new, old] if replace_labeled else [old, new])
        merged = merged[~merged.index.duplicated(keep="first")]
    else:
        merged = new
    write_labels(merged, labels_path)
    return str(labels_path)
