"""Figures of score maps, locref and PAFs (hand-made maps; the trained-network path is in test_inference_e2e)."""
from __future__ import annotations

import numpy as np

from madlc.viz.maps import save_maps_figures


def test_save_maps_figures(tmp_path):
    image = np.zeros((48, 64, 3), np.uint8)
    h, w = 6, 8
    heat = np.zeros((3, h, w), np.float32)
    heat[0, 2, 3] = heat[1, 4, 5] = heat[2, 1, 1] = 0.9
    locref = np.ones((6, h, w), np.float32)
    paf = np.zeros((4, h, w), np.float32)
    paf[0, 2:5, 3:6] = 1.0
    labels = np.full((2, 3, 2), np.nan)
    labels[0, 0] = [28, 20]
    written = save_maps_figures(image, {"heatmap": heat, "locref": locref, "paf": paf}, ["a", "b", "c"],
                                [[0, 1], [1, 2]], 8, tmp_path / "train_vid_img01", labels=labels, parts=[0, 1])
    names = sorted(p.name for p in written)
    assert names == sorted(["train_vid_img01_scmap_a.png", "train_vid_img01_scmap_b.png",
                            "train_vid_img01_locref_a.png", "train_vid_img01_locref_b.png",
                            "train_vid_img01_paf_a_b.png", "train_vid_img01_paf_b_c.png",
                            "train_vid_img01_paf_all.png"])
    for p in written:
        assert p.exists() and p.read_bytes()[:4] == b"\x89PNG"
    # without PAF figures
    few = save_maps_figures(image, {"heatmap": heat, "locref": None, "paf": paf}, ["a", "b", "c"], [[0, 1]], 8,
                            tmp_path / "x", extract_paf=False, all_paf_in_one=False)
    assert sorted(p.name for p in few) == ["x_scmap_a.png", "x_scmap_b.png", "x_scmap_c.png"]
