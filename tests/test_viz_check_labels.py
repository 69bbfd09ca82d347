"""madlc.stages.check_labels: labeled frames drawn per individual / per body part, problems reported."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from madlc.stages.check_labels import check_labels
from madlc.viz.labels import draw_labels


def test_draw_labels_colours_points_and_skips_nan():
    img = np.zeros((40, 60, 3), np.uint8)
    pts = np.array([[[10, 10], [30, 20]], [[np.nan, np.nan], [50, 30]]], dtype=float)
    colors = np.array([[[255, 0, 0], [255, 0, 0]], [[0, 255, 0], [0, 255, 0]]])
    out = draw_labels(img, pts, colors, radius=2, alpha=1.0, edges=[(0, 1)], edge_color=(0, 0, 255))
    assert out.shape == img.shape and out is not img
    assert tuple(out[10, 10]) == (255, 0, 0) and tuple(out[30, 50]) == (0, 255, 0)
    assert out[15, 20, 2] > 100  # the skeleton line between (10,10) and (30,20)
    assert out[:, :5].max() == 0  # nothing drawn where no label is
    half = draw_labels(img, pts, colors, radius=2, alpha=0.5)
    assert 100 < half[10, 10, 0] < 160
    big = draw_labels(img, pts, colors, radius=2, alpha=1.0, scale=2)
    assert big.shape == (80, 120, 3) and tuple(big[21, 21]) == (255, 0, 0)


def test_check_labels_writes_one_image_per_labeled_frame(synth_project_small_copy):
    root = Path(synth_project_small_copy).parent
    result = check_labels(synth_project_small_copy, visualizeindividuals=True)
    out = root / "labeled-data" / "synth0_labeled"
    labels = pd.read_hdf(root / "labeled-data" / "synth0" / "CollectedData_synth.h5")
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == sorted(name for _, _, name in labels.index)
    assert len(result["images"]) == 20 and result["outside"] == [] and result["missing"] == []
    # the drawn image differs from the raw frame exactly around the labels
    name = names[0]
    raw = cv2.imread(str(root / "labeled-data" / "synth0" / name))
    drawn = cv2.imread(str(out / name))
    assert raw.shape == drawn.shape
    changed = np.abs(raw.astype(int) - drawn.astype(int)).sum(-1) > 30
    row = labels.loc[("labeled-data", "synth0", name)]
    xy = row.to_numpy().reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(1)]
    near = np.zeros_like(changed)
    for x, y in xy:
        near[max(int(y) - 4, 0):int(y) + 5, max(int(x) - 4, 0):int(x) + 5] = True
    assert changed[near].mean() > 0.2 and changed.any()
    # per body part colouring gives different pixels for the same labels
    check_labels(synth_project_small_copy, visualizeindividuals=False, draw_skeleton=False)
    by_part = cv2.imread(str(out / name))
    assert np.abs(by_part.astype(int) - drawn.astype(int)).sum() > 0


def test_check_labels_reports_missing_images_and_outside_labels(synth_project_small_copy):
    from madlc.io import read_labels, write_labels

    root = Path(synth_project_small_copy).parent
    folder = root / "labeled-data" / "synth0"
    path = folder / "CollectedData_synth.h5"
    df = read_labels(path)
    first = df.index[0]
    df.loc[first, ("synth", "animal1", "snout", "x")] = 500.0
    write_labels(df, path)
    (folder / df.index[1][2]).unlink()
    with pytest.warns(UserWarning):
        result = check_labels(synth_project_small_copy)
    assert len(result["missing"]) == 1 and df.index[1][2] in result["missing"][0]
    assert len(result["outside"]) == 1 and "animal1 snout" in result["outside"][0]
    assert len(result["images"]) == 19


def test_check_labels_identity_unique_and_single_animal(synth_project_identity, synth_project_single, copy_project):
    cfg = copy_project(synth_project_identity)
    result = check_labels(cfg, scale=2)
    img = cv2.imread(result["images"][0])
    assert img.shape == (192, 256, 3)
    cfg1 = copy_project(synth_project_single)
    result1 = check_labels(cfg1, visualizeindividuals=True)
    assert len(result1["images"]) == 20
    assert (Path(cfg1).parent / "labeled-data" / "synth0_labeled").is_dir()


def test_check_labels_without_labels_warns(tmp_path, synth_project_small_copy):
    root = Path(synth_project_small_copy).parent
    for f in (root / "labeled-data" / "synth0").glob("CollectedData*"):
        f.unlink()
    with pytest.warns(UserWarning, match="no CollectedData"):
        result = check_labels(synth_project_small_copy)
    assert result["images"] == []


def test_check_labels_damaged_labels_file_is_named(synth_project_small_copy):
    from madlc.errors import MadlcError

    path = Path(synth_project_small_copy).parent / "labeled-data" / "synth0" / "CollectedData_synth.h5"
    path.write_bytes(b"not an hdf5 file" * 10)
    with pytest.raises(MadlcError, match=r"CollectedData_synth\.h5"):
        check_labels(synth_project_small_copy)
