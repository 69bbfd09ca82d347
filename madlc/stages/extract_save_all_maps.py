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

import numpy as np

from madlc.viz.maps import save_maps_figures


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
