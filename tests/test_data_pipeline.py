"""Crops, augmentation and target maps keep keypoints consistent."""
from __future__ import annotations

import numpy as np
import pytest

from madlc.nn.data.augment import augment, build_augmenter, crop, flip_permutation, sample_crop_origin
from madlc.nn.data.targets import grid_centres, make_targets
from madlc.errors import ConfigError


def test_targets_point_at_keypoints() -> None:
    kpts = np.full((2, 3, 2), np.nan)
    kpts[0, 0] = [20.0, 30.0]
    kpts[0, 1] = [60.0, 30.0]
    kpts[1, 2] = [50.0, 70.0]  # unique part in the single slot
    t = make_targets(kpts, (12, 12), 8, [[0, 1]], num_multi=2, num_identities=1, pos_dist_thresh=10, pafwidth=8)
    xs, ys = grid_centres(12, 12, 8)
    assert t["heatmap"].shape == (3, 12, 12) and t["locref"].shape == (6, 12, 12) and t["paf"].shape == (2, 12, 12)
    on = t["locref_mask"][0] > 0
    # every cell in the locref area points (in locref_stdev units) to the keypoint
    rec_x = (xs[None, :] + t["locref"][0] * 7.2801)[on]
    rec_y = (ys[:, None] + t["locref"][1] * 7.2801)[on]
    assert np.allclose(rec_x, 20.0, atol=1e-4) and np.allclose(rec_y, 30.0, atol=1e-4)
    assert t["heatmap"][2].sum() > 0 and t["heatmap"][1].sum() > 0
    # PAF: unit vector +x between the two parts, zero far away
    assert np.allclose(t["paf"][0][3, 4], 1.0) and np.allclose(t["paf"][1][3, 4], 0.0)
    assert t["paf"][0][10, 10] == 0
    assert t["identity"][3, 2] == 0 and t["identity"][11, 0] == -1


def _image_with_dots(kpts: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    img = np.zeros((size[1], size[0], 3), np.uint8)
    for s, j in zip(*np.nonzero(np.isfinite(kpts).all(-1))):
        x, y = np.round(kpts[s, j]).astype(int)
        img[y - 1: y + 2, x - 1: x + 2] = (40 * (j + 1), 255, 0)
    return img


def test_augmentation_moves_keypoints_with_the_image() -> None:
    rng = np.random.default_rng(0)
    kpts = np.array([[[30.0, 40.0], [70.0, 44.0], [np.nan, np.nan]], [[90.0, 80.0], [50.0, 90.0], [20.0, 100.0]]])
    aug = build_augmenter({"rotation": 30, "rotation_p": 1.0, "scale": [0.8, 1.2], "scale_p": 1.0}, seed=1)
    perm = flip_permutation(["l", "r", "c"], [["l", "r"]])
    assert list(perm) == [1, 0, 2]
    for _ in range(5):
        img = _image_with_dots(kpts, (128, 128))
        out_img, out = augment(img, kpts, aug, rng, hflip=0.5, flip_perm=perm)
        for s, j in zip(*np.nonzero(np.isfinite(out).all(-1))):
            x, y = np.round(out[s, j]).astype(int)
            patch = out_img[max(0, y - 2): y + 3, max(0, x - 2): x + 3, 1]
            assert patch.max() > 100, (s, j, out[s, j])  # a dot is still under the moved keypoint
    # NaN keypoints stay NaN (never assigned to another part)
    assert np.isnan(augment(_image_with_dots(kpts, (128, 128)), kpts, None, rng)[1][0, 2]).all()


def test_flip_swaps_left_right() -> None:
    rng = np.random.default_rng(0)
    kpts = np.array([[[10.0, 5.0], [30.0, 5.0]]])
    img = np.zeros((20, 40, 3), np.uint8)
    _, out = augment(img, kpts, None, rng, hflip=1.0, flip_perm=np.array([1, 0]))
    assert np.allclose(out[0, 0], [39 - 30, 5]) and np.allclose(out[0, 1], [39 - 10, 5])
    with pytest.raises(ConfigError, match="nose"):
        flip_permutation(["a", "b"], [["a", "nose"]])


@pytest.mark.parametrize("strategy", ["uniform", "keypoints", "density", "hybrid"])
def test_crop_strategies(strategy: str) -> None:
    rng = np.random.default_rng(0)
    kpts = np.full((2, 2, 2), np.nan)
    kpts[0] = [[300.0, 200.0], [310.0, 210.0]]
    kpts[1, 0] = [20.0, 20.0]
    hits = 0
    for _ in range(40):
        x0, y0 = sample_crop_origin(kpts, 400, 300, (100, 100), strategy, rng, jitter=0.1)
        assert 0 <= x0 <= 300 and 0 <= y0 <= 200
        hits += x0 <= 300 <= x0 + 100 and y0 <= 200 <= y0 + 100
    if strategy in ("keypoints", "density"):
        assert hits >= 20  # crops centred on (dense) keypoints
    with pytest.raises(ConfigError, match="crop_sampling"):
        sample_crop_origin(kpts, 400, 300, (100, 100), "random", rng)


def test_crop_larger_than_image_is_padded() -> None:
    img = np.full((50, 60, 3), 200, np.uint8)
    kpts = np.array([[[10.0, 10.0]]])
    x0, y0 = sample_crop_origin(kpts, 60, 50, (100, 80), "hybrid", np.random.default_rng(0))
    out, moved = crop(img, kpts, x0, y0, (100, 80))
    assert out.shape == (80, 100, 3) and (x0, y0) == (-20, -15)
    assert out[15:65, 20:80].min() == 200 and out[:15].max() == 0
    assert np.allclose(moved[0, 0], [30.0, 25.0])
