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
from typing import Any, Sequence

import numpy as np


def draw_labels(image: np.ndarray, points: np.ndarray, colors: np.ndarray, radius: float, alpha: float = 0.7,
                edges: Sequence[tuple[int, int]] = (), edge_color: tuple[int, int, int] = (0, 0, 0),
                square: np.ndarray | None = None, scale: float = 1.0) -> np.ndarray:
    """Draw labels on an RGB uint8 image; returns a new image (``scale`` times larger).

    ``points`` ``(n_individuals, n_bodyparts, 2)`` (NaN = not labeled), ``colors``
    ``(n_individuals, n_bodyparts, 3)`` RGB 0..255, ``edges``: skeleton as body part index pairs
    (drawn within each individual), ``square`` ``(n_individuals, n_bodyparts)`` bool: draw a square.
    """
    import cv2

    shift = 4
    one = 1 << shift
    img = np.ascontiguousarray(image[..., :3] if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2))
    if scale != 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    overlay = img.copy()
    pts = np.asarray(points, dtype=float) * scale + (scale - 1) / 2  # pixel centres stay pixel centres
    r = max(1.0, float(radius) * max(scale, 1.0) ** 0.5)

    def fp(xy: np.ndarray) -> tuple[int, int]:
        return int(round(xy[0] * one)), int(round(xy[1] * one))

    thickness = max(1, int(round(r / 3)))
    for ind in range(pts.shape[0]):
        for i, j in edges:
            if np.isfinite(pts[ind, i]).all() and np.isfinite(pts[ind, j]).all():
                cv2.line(overlay, fp(pts[ind, i]), fp(pts[ind, j]), tuple(int(c) for c in edge_color), thickness,
                         cv2.LINE_AA, shift)
    for ind in range(pts.shape[0]):
        for k in range(pts.shape[1]):
            xy = pts[ind, k]
            if not np.isfinite(xy).all():
                continue
            color = tuple(int(c) for c in colors[ind, k])
            if square is not None and square[ind, k]:
                cv2.rectangle(overlay, fp(xy - r), fp(xy + r), color, -1, cv2.LINE_AA, shift)
            else:
                cv2.circle(overlay, fp(xy), int(round(r * one)), color, -1, cv2.LINE_AA, shift)
    alpha = float(np.clip(alpha, 0.0, 1.0))
    return cv2.addWeighted(overlay, alpha, img, 1.0 - alpha, 0.0)


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
    Returns a short summary: ``{"labeled_images": n, "folders": [...], "first_image", "outside": n,
    "outside_examples": [...], "missing": n, "missing_examples": [...]}`` (labels outside their image, label
    rows without an image: at most 5 examples each; all are counted and warned about).
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
    folders_written = sorted({str(Path(p).parent) for p in images})
    return {"labeled_images": len(images), "folders": folders_written, "first_image": images[0] if images else None,
            "outside": len(outside), "outside_examples": outside[:5], "missing": len(missing),
            "missing_examples": missing[:5]}
