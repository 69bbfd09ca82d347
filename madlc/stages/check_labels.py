"""``check_labels``: draw the human labels on their frames, into labeled-data/<video>_labeled/.

Each labeled image is written with its labels drawn on top: filled dots for per-animal body
parts, squares for unique body parts (individual ``single``), the skeleton as thin lines, colours
per individual (``visualizeindividuals=True``) or per body part, all from config.yaml
(``colormap``, ``dotsize``, ``alphavalue``, ``skeleton``, ``skeleton_color``). Labels that fall
outside their image, and label rows whose image is missing, are reported (warnings and the
returned summary) so that mistakes are found before training.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from madlc.viz.labels import draw_labels


def _labels_file(folder: Path, scorer: str) -> Path | None:
    own = folder / f"CollectedData_{scorer}.h5"
    if own.exists():
        return own
    others = sorted(folder.glob("CollectedData_*.h5"))
    if others:
        warnings.warn(f"{folder}: no CollectedData_{scorer}.h5 (the config's scorer); checking {others[0].name} instead.")
        return others[0]
    return None


def check_labels(config: str, visualizeindividuals: bool = True, draw_skeleton: bool = True, scale: float = 1.0,
                 videos: list[str] | None = None) -> dict[str, Any]:
    """Plot the labels on each labeled frame into labeled-data/<video>_labeled/ to check them by eye.

    Colours per individual (``visualizeindividuals``) or per body part, from config.yaml's colormap,
    dotsize and alphavalue. ``scale`` enlarges the written images; ``videos``: only these video stems.
    Returns ``{"images": [...written...], "outside": [...], "missing": [...]}`` (labels outside their
    image, label rows without an image), which are also warned about.
    """
    import cv2

    from madlc.io import labels_to_array, read_labels
    from madlc.io.atomic import atomic_path
    from madlc.project.config import load_config
    from madlc.viz.colors import colormap_colors, config_colormap, named_color

    cfg = load_config(config)
    root = Path(cfg["project_path"])
    labeled = root / "labeled-data"
    multi = bool(cfg.get("multianimalproject"))
    cmap = config_colormap(cfg)
    radius = max(1.0, float(cfg.get("dotsize") or 6) / 2)
    alpha = float(cfg.get("alphavalue") if cfg.get("alphavalue") is not None else 0.7)
    edge_color = named_color(cfg.get("skeleton_color") or "black")
    folders = sorted(p for p in labeled.iterdir() if p.is_dir() and not p.name.endswith("_labeled")) \
        if labeled.is_dir() else []
    if videos is not None:
        wanted = {Path(v).stem for v in videos}
        folders = [f for f in folders if f.name in wanted]
    images: list[str] = []
    outside: list[str] = []
    missing: list[str] = []
    checked = 0
    for folder in folders:
        path = _labels_file(folder, str(cfg["scorer"]))
        if path is None:
            continue
        df = read_labels(path)
        checked += 1
        arr = labels_to_array(df)  # (n_images, n_individuals, n_bodyparts, 2), individuals/bodyparts as in columns
        cols = df.columns
        inds = list(dict.fromkeys(cols.get_level_values("individuals"))) if cols.nlevels == 4 else ["animal"]
        bpts = list(dict.fromkeys(cols.get_level_values("bodyparts")))
        unique_parts = set(cfg.get("uniquebodyparts") or []) if multi else set()
        square = np.array([[ind == "single" or (b in unique_parts) for b in bpts] for ind in inds])
        if visualizeindividuals and len(inds) > 1:
            palette = colormap_colors(len(inds), cmap)
            colors = np.array([[palette[i]] * len(bpts) for i in range(len(inds))])
        else:
            palette = colormap_colors(len(bpts), cmap)
            colors = np.array([palette] * len(inds))
        pos = {b: k for k, b in enumerate(bpts)}
        edges = [(pos[a], pos[b]) for a, b in (cfg.get("skeleton") or []) if a in pos and b in pos] \
            if draw_skeleton else []
        out_dir = labeled / f"{folder.name}_labeled"
        out_dir.mkdir(exist_ok=True)
        for row, key in enumerate(df.index):
            parts = key if isinstance(key, tuple) else tuple(str(key).replace("\\", "/").split("/"))
            image_path = root.joinpath(*parts)
            if not image_path.exists():
                image_path = folder / parts[-1]
            image = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
            if image is None:
                missing.append(str(image_path))
                continue
            image = image[..., ::-1]
            h, w = image.shape[:2]
            pts = arr[row]
            finite = np.isfinite(pts).all(-1)
            off = finite & ((pts[..., 0] < -0.5) | (pts[..., 0] > w - 0.5) | (pts[..., 1] < -0.5) | (pts[..., 1] > h - 0.5))
            for i, k in zip(*np.nonzero(off)):
                outside.append(f"{image_path}: {inds[i]} {bpts[k]} at ({pts[i, k, 0]:.1f}, {pts[i, k, 1]:.1f})")
            drawn = draw_labels(image, pts, colors, radius, alpha, edges, edge_color, square, scale)
            target = out_dir / parts[-1]
            with atomic_path(target) as tmp:
                cv2.imwrite(str(tmp), np.ascontiguousarray(drawn[..., ::-1]))
            images.append(str(target))
    if not checked:
        warnings.warn(f"{labeled}: no CollectedData_*.h5 label files found; nothing to check. "
                      "Label frames first (madlc label-frames / madlc gui).")
    if missing:
        warnings.warn(f"{len(missing)} labeled image(s) are missing, e.g. {missing[0]}. Their labels cannot be "
                      "trained on: re-extract the frames or remove those rows.")
    if outside:
        warnings.warn(f"{len(outside)} label(s) lie outside their image, e.g. {outside[0]}. Fix them in the labeling GUI.")
    print(f"Labeled images written to {labeled}/<video>_labeled/ ({len(images)} images). Check them by eye.")
    return {"images": images, "outside": outside, "missing": missing}
