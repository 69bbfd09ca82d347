"""OKS, OKS-mAP/mAR and RMSE on hand-computed cases and on DeepLabCut's own figures."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from madlc.core.metrics.oks import mean_keypoint_score, oks, oks_map, oks_matrix
from madlc.core.metrics.rmse import detection_errors, match_greedy_oks, rmse_detections, rmse_matched

DLC_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dlc"

# two animals of 4 keypoints, boxes 10 x 10 px (area 100): denom = 2 * 100 * (2 * 0.1)**2 = 8
A = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
B = A + 100.0
GT = np.stack([A, B])
MATCHINGS = ["optimal", "greedy_oks", "greedy"]


def with_score(animals: np.ndarray, score: float = 0.9) -> np.ndarray:
    return np.concatenate([animals, np.full(animals.shape[:-1] + (1,), score)], axis=-1)


def test_oks_hand_computed():
    assert oks(A, A) == pytest.approx(1.0)
    shifted = A.copy()
    shifted[0] += (0.0, 2.0)  # d^2 = 4 -> exp(-4/8)
    assert oks(shifted, A) == pytest.approx((3 + np.exp(-0.5)) / 4)
    missing = A.copy()
    missing[1] = np.nan  # a missing prediction contributes 0
    assert oks(missing, A) == pytest.approx(0.75)
    # unlabelled GT keypoints are not counted; < 2 labelled -> undefined
    gt = A.copy()
    gt[3] = np.nan
    assert oks(missing, gt) == pytest.approx(2 / 3)
    gt[1:] = np.nan
    assert np.isnan(oks(A, gt))
    # symmetric keypoints: swapping 0 <-> 1 in the prediction is forgiven
    swapped = A[[1, 0, 2, 3]]
    assert oks(swapped, A) < 0.6
    assert oks(swapped, A, symmetric_pairs=[(0, 1)]) == pytest.approx(1.0)


def test_oks_matrix_matches_scalar_oks():
    rng = np.random.default_rng(0)
    pred = np.concatenate([GT + rng.normal(0, 2, GT.shape), GT[:1] + 50])
    pred[0, 2] = np.nan
    gt = GT.copy()
    gt[1, 0] = np.nan
    mat = oks_matrix(pred, gt)
    for i in range(len(pred)):
        for j in range(len(gt)):
            assert mat[i, j] == pytest.approx(oks(pred[i], gt[j]))
    assert oks_matrix(np.zeros((0, 4, 2)), gt).shape == (0, 2)


@pytest.mark.parametrize("matching", MATCHINGS)
def test_map_perfect_prediction(matching):
    pred = [with_score(GT), with_score(GT[:1])]
    r = oks_map(pred, [np.array([0.9, 0.8]), np.array([0.7])], [GT, GT[:1]], matching=matching)
    assert r["mAP"] == pytest.approx(1.0)
    assert r["mAR"] == pytest.approx(1.0)


@pytest.mark.parametrize("matching", MATCHINGS)
def test_map_swapped_pair(matching):
    # keypoint 3 of the two animals swapped: each prediction has OKS (1+1+1+0)/4 = 0.75,
    # a true positive at thresholds 0.50 ... 0.75 (6 of 10) -> mAP = mAR = 0.6
    pred = GT.copy()
    pred[0, 3], pred[1, 3] = GT[1, 3], GT[0, 3]
    assert oks(pred[0], GT[0]) == pytest.approx(0.75)
    r = oks_map([pred], [np.array([0.9, 0.8])], [GT], matching=matching)
    assert r["mAP"] == pytest.approx(0.6)
    assert r["mAR"] == pytest.approx(0.6)


@pytest.mark.parametrize("matching", MATCHINGS)
def test_map_missing_animal(matching):
    # one of two animals found, perfectly: recall 0.5, precision 1 up to recall 0.5
    r = oks_map([GT[:1]], [np.array([0.9])], [GT], matching=matching)
    assert r["mAR"] == pytest.approx(0.5)
    assert r["mAP"] == pytest.approx(51 / 101)


def test_map_false_positive_ranked_first():
    # a confident false positive: optimal (TF) matching ignores surplus predictions,
    # greedy (PyTorch/pycocotools) counts it as a false positive before the true one
    fp = GT[:1] + 500.0
    pred = [np.concatenate([fp, GT[:1]])]
    scores = [np.array([0.99, 0.5])]
    gt = [GT[:1]]
    assert oks_map(pred, scores, gt, matching="optimal")["mAP"] == pytest.approx(1.0)
    greedy = oks_map(pred, scores, gt, matching="greedy")
    assert greedy["mAR"] == pytest.approx(1.0)
    assert greedy["mAP"] == pytest.approx(0.5)  # precision 1/2 at every recall point


def test_small_animals_are_dropped():
    one_point = np.full((1, 4, 2), np.nan)
    one_point[0, 0] = (1.0, 1.0)
    r = oks_map([np.concatenate([GT, one_point])], [np.array([0.9, 0.8, 0.99])], [GT])
    assert r["mAP"] == pytest.approx(1.0)
    r = oks_map([GT], [np.array([0.9, 0.8])], [np.concatenate([GT, one_point])])
    assert r["mAR"] == pytest.approx(1.0)


def test_minus_one_padding_is_missing():
    padded = with_score(GT.copy())
    padded[0, 1:] = -1.0  # DLC 3: -1 in x, y and score
    r = oks_map([padded], [np.array([0.9, 0.8])], [GT])
    assert r["mAR"] == pytest.approx(0.5)  # the padded animal has 1 keypoint: dropped


def test_mean_keypoint_score():
    animals = with_score(GT.copy())
    animals[0, 0, 2] = 0.1
    animals[1, :, 2] = -1
    s = mean_keypoint_score(animals)
    assert s[0] == pytest.approx((0.1 + 0.9 * 3) / 4)
    assert np.isnan(s[1])


def test_rmse_matched():
    perfect = rmse_matched([with_score(GT)], [GT])
    assert perfect == {"rmse": 0.0, "rmse_pcutoff": 0.0}
    pred = with_score(GT.copy())
    pred[:, :, :2] += (3.0, 4.0)  # every keypoint 5 px off
    pred[1, :, 2] = 0.2  # below pcutoff
    r = rmse_matched([pred[::-1]], [GT], pcutoff=0.6)
    assert r["rmse"] == pytest.approx(5.0)
    assert r["rmse_pcutoff"] == pytest.approx(5.0)
    pred[0, :, :2] += (3.0, 4.0)  # animal 0 now 10 px off, animal 1 (low score) 5 px
    r = rmse_matched([pred], [GT], pcutoff=0.6)
    assert r["rmse"] == pytest.approx(7.5)
    assert r["rmse_pcutoff"] == pytest.approx(10.0)
    # unique bodyparts pooled in
    r = rmse_matched([with_score(GT)], [GT], unique_pred=[np.array([[1.0, 1.0, 0.9], [5.0, 5.0, 0.9]])],
                     unique_gt=[np.array([[1.0, 1.0], [5.0, 8.0]])])
    assert r["rmse"] == pytest.approx(3.0 / 10)
    assert match_greedy_oks(GT + 500, GT) == []


def test_detection_rmse():
    dets = [np.array([[0.0, 3.0], [100.0, 100.0], [55.0, 55.0]]), np.array([[10.0, 0.0]])]
    conf = [np.array([0.9, 0.3, 0.8]), np.array([0.95])]
    err, c = detection_errors(dets, conf, GT[:, :2])
    assert err[0, 0] == pytest.approx(3.0) and c[0, 0] == pytest.approx(0.9)
    assert err[1, 0] == pytest.approx(0.0) and c[1, 0] == pytest.approx(0.3)
    assert err[0, 1] == pytest.approx(0.0)
    assert np.isnan(err[1, 1])  # the only tail detection went to animal 0
    r = rmse_detections(err, c, pcutoff=0.5)
    assert r["rmse"] == pytest.approx(1.0)
    assert r["rmse_pcutoff"] == pytest.approx(1.5)


@pytest.fixture(scope="module")
def dlc_eval():
    if not (DLC_DATA / "montblanc_eval_gt.npy").exists():
        pytest.skip(f"DeepLabCut reference files not found in {DLC_DATA}")
    return (np.load(DLC_DATA / "montblanc_eval_assemblies_dlc.npy"),
            np.load(DLC_DATA / "montblanc_eval_affinity_dlc.npy"),
            np.load(DLC_DATA / "montblanc_eval_gt.npy"))


def test_reproduces_deeplabcut_map(dlc_eval):
    assemblies, affinity, gt = dlc_eval
    by_affinity = oks_map(list(assemblies), list(affinity), list(gt), sigma=0.1)
    by_conf = oks_map(list(assemblies), [mean_keypoint_score(a) for a in assemblies], list(gt), sigma=0.1)
    print(f"\nDLC assemblies of montblanc_eval: mAP {by_affinity['mAP']:.4f} (DLC 0.5050), "
          f"mAR {by_affinity['mAR']:.4f} (DLC 0.5922); by mean confidence mAP {by_conf['mAP']:.4f} (DLC 0.4497)")
    assert by_affinity["mAP"] == pytest.approx(0.5050, abs=0.005)
    assert by_affinity["mAR"] == pytest.approx(0.5922, abs=0.005)
    assert by_conf["mAP"] == pytest.approx(0.4497, abs=0.005)
    assert by_conf["mAR"] == pytest.approx(0.5922, abs=0.005)


def test_assemblies_oks_map_perfect_missing_and_swapped_parts():
    from madlc.core.metrics.oks import assemblies_oks_map

    rng = np.random.default_rng(0)
    gt = rng.uniform(0, 100, size=(6, 2, 3, 2))
    perfect = {f: np.concatenate([gt[f], np.ones((2, 3, 1)), -np.ones((2, 3, 1))], axis=2) for f in range(6)}
    assert assemblies_oks_map(perfect, gt)["mAP"] == pytest.approx(1.0)
    assert assemblies_oks_map({}, gt)["mAR"] == 0.0
    half = {f: a for f, a in perfect.items() if f < 3}  # frames 3..5 predicted nothing
    assert assemblies_oks_map(half, gt)["mAR"] == pytest.approx(0.5)
