"""DeepLabCut 3's predictor as madlc reproduces it (madlc.nn.inference.dlc_decode), on maps with known answers.

(Equality with DeepLabCut's own predictor on real network outputs: tests/test_dlc_weights.py.)
"""
from __future__ import annotations

import torch

from madlc.nn.inference.dlc_decode import (find_peaks_dlc, gaussian_kernel, paf_costs_dlc, peak_positions,
                                           smooth_heatmaps)
from madlc.nn.inference.predict import InferenceSettings, decode_outputs, to_frame_dicts


def test_gaussian_kernel_is_normalised_and_centred() -> None:
    k = gaussian_kernel(1.0, 11)
    assert k.shape == (11, 11) and abs(float(k.sum()) - 1) < 1e-6
    assert int(k.argmax()) == 5 * 11 + 5 and torch.allclose(k, k.T)


def test_peaks_raster_order_plateaus_kept_and_positions() -> None:
    heat = torch.zeros(1, 1, 12, 12)
    heat[0, 0, 9, 2] = 0.9  # later in raster order but stronger
    heat[0, 0, 2, 8] = 0.5
    heat[0, 0, 5, 5] = heat[0, 0, 5, 6] = 0.3  # a plateau: DeepLabCut keeps both cells
    peaks = find_peaks_dlc(heat, 5, 0.01)
    assert [(int(r), int(c)) for r, c in zip(peaks.row, peaks.col)] == [(2, 8), (5, 5), (5, 6), (9, 2)]
    assert peaks.counts.tolist() == [[4]]
    offsets = torch.zeros(1, 2, 12, 12)
    offsets[0, 0, 2, 8], offsets[0, 1, 2, 8] = 1.5, -0.5
    xy = peak_positions(peaks, offsets, 4.0)
    assert xy[0].tolist() == [8 * 4 + 2 + 1.5, 2 * 4 + 2 - 0.5]  # stride * cell + stride // 2 + locref


def test_smoothing_spreads_a_single_cell_and_keeps_its_peak() -> None:
    heat = torch.zeros(1, 1, 15, 15)
    heat[0, 0, 7, 7] = 1.0
    smoothed = smooth_heatmaps(heat, 1.0, 5)
    assert abs(float(smoothed.sum()) - 1) < 1e-5 and int(smoothed.flatten().argmax()) == 7 * 15 + 7


def test_paf_cost_of_an_aligned_unit_field() -> None:
    heat = torch.zeros(1, 2, 8, 10)
    heat[0, 0, 3, 1] = heat[0, 1, 3, 7] = 1.0  # body part 0 at col 1, body part 1 at col 7, same row
    peaks = find_peaks_dlc(heat, 5, 0.01)
    paf = torch.zeros(1, 2, 8, 10)
    paf[0, 0] = 1.0  # unit field along +x
    counts, m1, distance = paf_costs_dlc(paf, peaks, [[0, 1]], [0])
    assert counts.tolist() == [[1]] and distance.tolist() == [6.0] and m1.tolist() == [1.0]


def test_decode_outputs_uses_deeplabcuts_predictor_when_asked() -> None:
    heat = torch.zeros(1, 2, 8, 10)
    heat[0, 0, 3, 1] = heat[0, 1, 3, 7] = 0.8
    settings = InferenceSettings(num_joints=2, all_joints_names=["a", "b"], stride=4.0, locref_stdev=1.0,
                                 graph=[[0, 1]], decoder="deeplabcut")
    maps = {"heatmap": heat, "locref": torch.zeros(1, 4, 8, 10), "paf": torch.zeros(1, 2, 8, 10)}
    frame = to_frame_dicts(decode_outputs(maps, settings, image_size=(20, 20)), settings)[0]
    assert [len(c) for c in frame["coordinates"][0]] == [1, 1]
    assert frame["coordinates"][0][0].tolist() == [[6.0, 14.0]]  # not cropped to the 20 x 20 image's cells
    assert 0 < float(frame["confidence"][0][0, 0]) < 0.8  # the smoothed score
    assert frame["costs"][0]["distance"].tolist() == [[6.0]]
