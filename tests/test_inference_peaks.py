"""Peak finding, locref refinement, identity read-out, PAF line integrals, frame dicts (hand-made maps)."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from madlc.nn.inference.paf import paf_costs  # noqa: E402
from madlc.nn.inference.peaks import find_peaks, gather_identity, nms_kernel, refine_with_locref  # noqa: E402
from madlc.nn.inference.predict import InferenceSettings, decode_outputs, predict_images, to_frame_dicts  # noqa: E402

torch.set_num_threads(1)


def blob(h, w, r, c, amp=1.0, sigma=1.0):
    yy, xx = np.mgrid[:h, :w]
    return amp * np.exp(-((yy - r) ** 2 + (xx - c) ** 2) / (2 * sigma ** 2))


def test_nms_kernel():
    assert nms_kernel(5) == 5 and nms_kernel(4) == 5 and nms_kernel(1) == 1 and nms_kernel(0) == 1


def test_find_peaks_nms_threshold_and_order():
    h, w = 20, 24
    maps = np.zeros((2, 2, h, w), np.float32)
    maps[0, 0] = np.maximum(blob(h, w, 3, 4, 0.9), blob(h, w, 15, 18, 0.6))
    maps[0, 1] = blob(h, w, 10, 10, 0.005)  # below min_confidence
    maps[1, 0] = blob(h, w, 5, 5, 0.7)
    maps[1, 1] = np.maximum(blob(h, w, 2, 2, 0.5), blob(h, w, 2, 20, 0.8))
    peaks = find_peaks(torch.from_numpy(maps), nms_radius=5, min_confidence=0.01)
    assert peaks.counts.tolist() == [[2, 0], [1, 2]]
    assert peaks.batch.tolist() == [0, 0, 1, 1, 1]
    assert peaks.joint.tolist() == [0, 0, 0, 1, 1]
    assert list(zip(peaks.row.tolist(), peaks.col.tolist())) == [(3, 4), (15, 18), (5, 5), (2, 20), (2, 2)]
    np.testing.assert_allclose(peaks.score.numpy(), [0.9, 0.6, 0.7, 0.8, 0.5], rtol=1e-6)
    assert peaks.offsets.tolist() == [[0, 2], [2, 3]]
    # max_peaks keeps the best
    top1 = find_peaks(torch.from_numpy(maps), 5, 0.01, max_peaks=1)
    assert top1.counts.tolist() == [[1, 0], [1, 1]]
    assert top1.score.numpy()[-1] == pytest.approx(0.8)
    # a narrow window keeps a close second peak that a wide one suppresses
    close = np.maximum(blob(h, w, 8, 8, 0.9), blob(h, w, 8, 11, 0.8))[None, None].astype(np.float32)
    assert len(find_peaks(torch.from_numpy(close), 3, 0.01)) == 2
    assert len(find_peaks(torch.from_numpy(close), 9, 0.01)) == 1


def test_saturated_plateau_is_one_peak():
    """A run of equal 1.0 cells (a saturated sigmoid) gives one detection, not one per cell."""
    maps = torch.zeros(1, 1, 10, 10)
    maps[0, 0, 4:6, 4:6] = 1.0
    peaks = find_peaks(maps, 3, 0.01)
    assert len(peaks) == 1


def test_split_distance_separates_close_keypoints():
    """Two keypoints 11 px apart land in adjacent stride-8 cells: plain NMS keeps one detection,
    the location refinement of each cell shows two, and split_distance keeps both; cells that
    point at the same keypoint still give one."""
    stride = 8.0
    maps = torch.zeros(1, 1, 6, 6)
    maps[0, 0, 2, 2], maps[0, 0, 2, 3] = 1.0, 0.95
    offsets = torch.zeros(1, 2, 6, 6)
    offsets[0, 0, 2, 2], offsets[0, 0, 2, 3] = -1.5, 1.5  # keypoints at x = 18.5 and 29.5 px
    plain = find_peaks(maps, 3, 0.01)
    split = find_peaks(maps, 3, 0.01, offsets=offsets, stride=stride, split_distance=stride)
    assert len(plain) == 1 and len(split) == 2
    xy = refine_with_locref(split, offsets, stride, locref_stdev=1.0).numpy()
    np.testing.assert_allclose(sorted(xy[:, 0]), [18.5, 29.5])
    # both cells pointing at one keypoint (x = 23.5 px): one detection
    same = offsets.clone()
    same[0, 0, 2, 2], same[0, 0, 2, 3] = 3.5, -4.5
    assert len(find_peaks(maps, 3, 0.01, offsets=same, stride=stride, split_distance=stride)) == 1
    # a cell pointing far outside itself (the rim of another keypoint's disk) is not a keypoint of its own
    rim = offsets.clone()
    rim[0, 0, 2, 3] = 9.0
    assert len(find_peaks(maps, 3, 0.01, offsets=rim, stride=stride, split_distance=stride)) == 1


def test_empty_heatmaps_give_no_peaks():
    peaks = find_peaks(torch.zeros(3, 4, 8, 8), 5, 0.01)
    assert len(peaks) == 0 and peaks.counts.shape == (3, 4)


def test_locref_refinement_and_identity():
    maps = torch.zeros(1, 2, 10, 10)
    maps[0, 0, 2, 3] = 1.0
    maps[0, 1, 7, 1] = 0.5
    locref = torch.zeros(1, 4, 10, 10)
    locref[0, 0, 2, 3], locref[0, 1, 2, 3] = 0.5, -0.25  # body part 0: dx, dy
    locref[0, 2, 7, 1], locref[0, 3, 7, 1] = -1.0, 1.0
    peaks = find_peaks(maps, 5, 0.01)
    xy = refine_with_locref(peaks, locref, stride=8, locref_stdev=2.0)
    np.testing.assert_allclose(xy.numpy(), [[3 * 8 + 4 + 1.0, 2 * 8 + 4 - 0.5], [1 * 8 + 4 - 2.0, 7 * 8 + 4 + 2.0]])
    np.testing.assert_allclose(refine_with_locref(peaks, None, 8).numpy(), [[28, 20], [12, 60]])
    ident = torch.zeros(1, 3, 10, 10)
    ident[0, :, 2, 3] = torch.tensor([0.1, 0.7, 0.2])
    ident[0, :, 7, 1] = torch.tensor([0.9, 0.05, 0.05])
    np.testing.assert_allclose(gather_identity(peaks, ident).numpy(), [[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]], rtol=1e-6)


def limb_field(h, w, p0, p1, width=1.0):
    """Unit field along the segment p0 -> p1 ((x, y) in cells), zero elsewhere: (2, h, w)."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    u = d / np.linalg.norm(d)
    yy, xx = np.mgrid[:h, :w]
    rel = np.stack([xx - p0[0], yy - p0[1]], -1)
    along = rel @ u
    across = np.abs(rel @ np.array([-u[1], u[0]]))
    on = (along >= -0.5) & (along <= np.linalg.norm(d) + 0.5) & (across <= width)
    return np.stack([u[0] * on, u[1] * on]).astype(np.float32)


def test_paf_costs_true_and_false_links():
    h, w = 24, 24
    # animal A: part0 at (2, 2), part1 at (12, 2); animal B: part0 at (2, 18), part1 at (14, 14)
    heat = np.zeros((1, 2, h, w), np.float32)
    heat[0, 0] = np.maximum(blob(h, w, 2, 2, 0.9), blob(h, w, 18, 2, 0.8))
    heat[0, 1] = np.maximum(blob(h, w, 2, 12, 0.9), blob(h, w, 14, 14, 0.7))
    paf = np.zeros((1, 2, h, w), np.float32)
    paf[0] = limb_field(h, w, (2, 2), (12, 2)) + limb_field(h, w, (2, 18), (14, 14))
    peaks = find_peaks(torch.from_numpy(heat), 5, 0.1)
    costs = paf_costs(torch.from_numpy(paf), peaks, [[0, 1]])
    assert costs.counts.tolist() == [[4]]
    m1 = costs.m1.numpy().reshape(2, 2)
    dist = costs.distance.numpy().reshape(2, 2)
    # rows: part0 detections (sorted by score: (2,2) then (2,18)); cols: part1 ((12,2) then (14,14))
    assert m1[0, 0] > 0.9 and m1[1, 1] > 0.9
    assert m1[0, 1] < 0.5 and m1[1, 0] < 0.5
    np.testing.assert_allclose(dist, [[10, np.hypot(12, 12)], [np.hypot(10, 16), np.hypot(12, 4)]], rtol=1e-5)
    # reversed field direction gives the same affinity (absolute value)
    rev = paf_costs(torch.from_numpy(-paf), peaks, [[0, 1]])
    np.testing.assert_allclose(rev.m1.numpy(), costs.m1.numpy(), rtol=1e-6)


def test_paf_costs_batched_blocks_and_edge_subset():
    rng = np.random.default_rng(0)
    B, J, h, w = 3, 3, 16, 16
    heat = np.zeros((B, J, h, w), np.float32)
    n = [[2, 1, 0], [1, 3, 2], [0, 0, 1]]
    for b in range(B):
        for j in range(J):
            for k in range(n[b][j]):
                heat[b, j, 2 + 5 * k, 2 + 4 * j] = 0.5 + 0.1 * k
    graph = [[0, 1], [0, 2], [1, 2]]
    paf = torch.from_numpy(rng.normal(size=(B, 6, h, w)).astype(np.float32))
    peaks = find_peaks(torch.from_numpy(heat), 3, 0.1)
    assert peaks.counts.tolist() == n
    costs = paf_costs(paf, peaks, graph, edges=[2, 0])
    expected = [[n[b][1] * n[b][2], n[b][0] * n[b][1]] for b in range(B)]
    assert costs.counts.tolist() == expected
    assert len(costs.m1) == sum(map(sum, expected))
    # src/dst point at detections of the right body parts and images
    assert (peaks.joint[costs.src] == torch.tensor([1, 0])[costs.edge]).all()  # graph[2][0], graph[0][0]
    assert (peaks.joint[costs.dst] == torch.tensor([2, 1])[costs.edge]).all()
    assert (peaks.batch[costs.src] == costs.batch).all() and (peaks.batch[costs.dst] == costs.batch).all()


def settings(graph=((0, 1),), names=("a", "b"), **kw):
    return InferenceSettings(num_joints=len(names), all_joints_names=list(names), graph=[list(e) for e in graph], **kw)


def test_frame_dicts_layout():
    h, w = 16, 16
    heat = np.zeros((2, 2, h, w), np.float32)
    heat[0, 0, 2, 2] = heat[0, 0, 10, 10] = 0.9
    heat[0, 1, 4, 4] = 0.8
    heat[1, 1, 5, 5] = 0.7
    outputs = {"heatmap": torch.from_numpy(heat), "locref": torch.zeros(2, 4, h, w),
               "paf": torch.ones(2, 2, h, w) * 0.5, "identity": torch.full((2, 3, h, w), 1 / 3)}
    s = settings()
    frames = to_frame_dicts(decode_outputs(outputs, s), s)
    assert len(frames) == 2
    f0, f1 = frames
    assert isinstance(f0["coordinates"], tuple) and len(f0["coordinates"]) == 1
    assert [a.shape for a in f0["coordinates"][0]] == [(2, 2), (1, 2)]
    assert f0["coordinates"][0][0].dtype == np.float64 and f0["confidence"][0].dtype == np.float32
    assert [a.shape for a in f0["confidence"]] == [(2, 1), (1, 1)]
    assert set(f0["costs"]) == {0} and f0["costs"][0]["m1"].shape == (2, 1)
    assert f0["costs"][0]["m1"].dtype == np.float32 and f0["costs"][0]["distance"].dtype == np.float32
    assert [a.shape for a in f1["coordinates"][0]] == [(0, 2), (1, 2)]
    assert f1["costs"][0]["m1"].shape == (0, 1)
    assert [a.shape for a in f0["identity"]] == [(2, 3), (1, 3)]
    np.testing.assert_allclose(f1["coordinates"][0][1], [[5 * 8 + 4, 5 * 8 + 4]])
    meta = s.metadata(180)
    assert meta["PAFgraph"] == [[0, 1]] and meta["PAFinds"] == [0] and meta["key_str_width"] == 3
    # without a graph: costs None, no identity key
    s2 = settings(graph=())
    f = to_frame_dicts(decode_outputs({"heatmap": torch.from_numpy(heat)}, s2), s2)[0]
    assert f["costs"] is None and "identity" not in f


def test_predict_images_mixed_sizes():
    def model(batch):  # bright pixels -> peaks: heatmap = mean intensity pooled to stride 8
        x = batch.permute(0, 3, 1, 2).float().mean(1, keepdim=True) / 255
        heat = torch.nn.functional.avg_pool2d(x, 8)
        return {"heatmap": torch.cat([heat, heat], 1)}

    imgs = [np.zeros((32, 32, 3), np.uint8), np.zeros((48, 40, 3), np.uint8), np.zeros((32, 32, 3), np.uint8)]
    imgs[1][16:24, 24:32] = 255
    out = predict_images(model, imgs, settings(graph=()), batch_size=2)
    assert len(out) == 3
    assert [len(a) for a in out[0]["coordinates"][0]] == [0, 0]
    np.testing.assert_allclose(out[1]["coordinates"][0][0], [[28, 20]])
