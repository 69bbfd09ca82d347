"""``extract_save_all_maps``: figures of the network's score maps, location refinement and PAFs.

For each chosen labeled image of the training dataset (``Indices``: row positions in the
merged ``CollectedData``, as DeepLabCut), the trained network is run once and these PNGs are
written to ``<evaluation folder>/maps/`` (or ``dest_folder``)::

    <split>_<video>_<image>_scmap_<bodypart>.png     score map over the image
    <split>_<video>_<image>_locref_<bodypart>.png    refinement vectors where the score map is high
    <split>_<video>_<image>_paf_<part1>_<part2>.png  one per PAF edge (extract_paf)
    <split>_<video>_<image>_paf_all.png             all edges in one figure (all_paf_in_one)

``split`` is ``train`` or ``test`` (the shuffle's split); the human labels are drawn as crosses.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np


def _figure(image: np.ndarray, title: str):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    h, w = image.shape[:2]
    fig, ax = plt.subplots(figsize=(max(3.0, 5.0 * w / max(h, w)), max(3.0, 5.0 * h / max(h, w))), dpi=100)
    ax.imshow(image)
    ax.set_title(title, fontsize=8)
    ax.set_axis_off()
    return fig, ax


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    from madlc.io.atomic import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, bbox_inches="tight")
    plt.close(fig)


def _cell_grid(h: int, w: int, stride: float) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.arange(w) * stride + stride / 2, np.arange(h) * stride + stride / 2)


def save_maps_figures(image: np.ndarray, maps: dict[str, np.ndarray], names: Sequence[str], graph: Sequence[Sequence[int]],
                      stride: float, prefix: Path, labels: np.ndarray | None = None, parts: Sequence[int] | None = None,
                      extract_paf: bool = True, all_paf_in_one: bool = True) -> list[Path]:
    """Write the figures of one image (module docstring) and return their paths.

    ``maps``: ``heatmap (J, h, w)``, ``locref (2J, h, w)`` in pixels, optional ``paf (2E, h, w)``;
    ``labels``: ``(n_animals, J, 2)`` human labels (NaN = absent) drawn as crosses.
    """
    import matplotlib.pyplot as plt

    H, W = image.shape[:2]
    heat = maps["heatmap"]
    J, h, w = heat.shape
    extent = (0, w * stride, h * stride, 0)
    gx, gy = _cell_grid(h, w, stride)
    parts = range(J) if parts is None else parts
    written = []

    def crosses(ax, j):
        if labels is not None and j < labels.shape[1]:
            pts = labels[:, j]
            pts = pts[np.isfinite(pts).all(1)]
            ax.scatter(pts[:, 0], pts[:, 1], marker="x", c="white", s=30, linewidths=1.5)
        ax.set_xlim(0, W)
        ax.set_ylim(H, 0)

    for j in parts:
        fig, ax = _figure(image, f"score map: {names[j]}")
        im = ax.imshow(heat[j], extent=extent, alpha=0.6, cmap="jet", vmin=0, vmax=1)
        fig.colorbar(im, ax=ax, fraction=0.04)
        crosses(ax, j)
        written.append(prefix.with_name(f"{prefix.name}_scmap_{names[j]}.png"))
        _save(fig, written[-1])
        if maps.get("locref") is not None:
            fig, ax = _figure(image, f"location refinement: {names[j]}")
            mask = heat[j] > max(0.1 * float(heat[j].max()), 0.05)
            dx, dy = maps["locref"][2 * j], maps["locref"][2 * j + 1]
            ax.quiver(gx[mask], gy[mask], dx[mask], dy[mask], color="yellow", angles="xy", scale_units="xy", scale=1)
            crosses(ax, j)
            written.append(prefix.with_name(f"{prefix.name}_locref_{names[j]}.png"))
            _save(fig, written[-1])
    paf = maps.get("paf")
    if paf is not None and len(graph) and (extract_paf or all_paf_in_one):
        colors = plt.get_cmap("tab10")
        combined = _figure(image, "part affinity fields") if all_paf_in_one else None
        for e, (s, t) in enumerate(graph):
            u, v = paf[2 * e], paf[2 * e + 1]
            mask = np.hypot(u, v) > 0.1
            targets = []
            if extract_paf:
                fig, ax = _figure(image, f"PAF {names[s]} - {names[t]}")
                targets.append(ax)
            if combined is not None:
                targets.append(combined[1])
            for ax in targets:
                ax.quiver(gx[mask], gy[mask], u[mask], -v[mask], color=colors(e % 10), angles="uv", scale=25,
                          width=0.004)
                ax.set_xlim(0, W)
                ax.set_ylim(H, 0)
            if extract_paf:
                written.append(prefix.with_name(f"{prefix.name}_paf_{names[s]}_{names[t]}.png"))
                _save(fig, written[-1])
        if combined is not None:
            written.append(prefix.with_name(f"{prefix.name}_paf_all.png"))
            _save(combined[0], written[-1])
    return written


def extract_save_all_maps(
    config: str | Path,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    comparisonbodyparts: list[str] | None = None,
    extract_paf: bool = True,
    all_paf_in_one: bool = True,
    gputouse: int | None = None,
    Indices: list[int] | None = None,
    dest_folder: str | None = None,
) -> str:
    """Save figures of score maps, location refinement and PAFs of the trained network for labeled images.

    One PNG per image and body part (score map, locref) and per PAF edge (plus all edges in one),
    in the shuffle's evaluation folder under maps/. Indices: row positions in the merged
    training-dataset labels (default: all images, which is slow). comparisonbodyparts: body
    parts to plot (default all). Returns the folder.
    """
    import cv2

    from madlc.project.trainingset import load_merged_labels, load_split
    from madlc.errors import ConfigError, file_error
    from madlc.nn.inference.run import image_maps, resolve_device
    from madlc.nn.inference.model import load_inference_model
    from madlc.io import labels_to_array
    from madlc.project import paths
    from madlc.project.config import load_config

    cfg = load_config(config)
    df = load_merged_labels(cfg)
    train_idx, _, _ = load_split(cfg, shuffle, trainingsetindex)
    train_set = {int(i) for i in np.asarray(train_idx).ravel()}
    rows = list(range(len(df))) if Indices is None else [int(i) for i in Indices]
    bad = [i for i in rows if not 0 <= i < len(df)]
    if bad:
        raise ConfigError(f"Indices {bad} are out of range: the training dataset has {len(df)} images (0..{len(df) - 1}).")
    device = resolve_device(gputouse)
    model = load_inference_model(cfg, shuffle, trainingsetindex, device)
    names = model.settings.all_joints_names
    if comparisonbodyparts in (None, "all") or comparisonbodyparts == ["all"]:
        parts = list(range(len(names)))
    else:
        unknown = sorted(set(comparisonbodyparts) - set(names))
        if unknown:
            raise ConfigError(f"comparisonbodyparts {unknown} are not body parts of this project ({names}).")
        parts = [names.index(n) for n in comparisonbodyparts]
    out = Path(dest_folder) if dest_folder else paths.evaluation_folder(cfg, shuffle, trainingsetindex) / "maps"
    out.mkdir(parents=True, exist_ok=True)
    multi, unique = paths.multianimal_bodyparts(cfg), paths.unique_bodyparts(cfg)
    inds = paths.individuals(cfg)
    try:
        labels = labels_to_array(df, inds, multi)
        if unique:
            single = labels_to_array(df, ["single"], unique)
            pad = np.full((labels.shape[0], labels.shape[1], len(unique), 2), np.nan)
            pad[:, 0] = single[:, 0]
            labels = np.concatenate([labels, pad], axis=2)
    except Exception:  # labels are a decoration; the maps matter
        labels = None
    from tqdm import tqdm

    graph = [model.settings.graph[e] for e in model.settings.edges]
    for row in tqdm(rows, desc="maps", unit="image"):
        key = df.index[row]
        rel = Path(*key) if isinstance(key, tuple) else Path(str(key))
        img_path = paths.project_dir(cfg) / rel
        bgr = cv2.imread(str(img_path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise file_error(img_path, "cannot be read as an image", "check the labeled-data folder")
        image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        host = image_maps(model, image, device)
        if "paf" in host:
            keep = [c for e in model.settings.edges for c in (2 * e, 2 * e + 1)]
            host["paf"] = host["paf"][keep]
        split = "train" if row in train_set else "test"
        stem = f"{split}_{rel.parent.name}_{rel.stem}"
        save_maps_figures(image, host, names, graph, model.settings.stride, out / stem,
                          None if labels is None else labels[row], parts, extract_paf, all_paf_in_one)
    return str(out)
