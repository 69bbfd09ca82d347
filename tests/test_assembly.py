"""Assembly of detections into animals: hand-made frames, settings, calibration, pruning, API."""
from __future__ import annotations

import pickle
import shutil
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from madlc.core.assembly.calibration import fit_calibration, length_plausibility
from madlc.core.assembly.assemble import AssemblySettings, assemble_frame, assemble_frames
from madlc.core.assembly.pruning import candidate_graphs, score_edges, select_graph
from madlc.stages._settings import assembly_settings, inference_settings

DLC_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dlc"
GRAPH3 = [(0, 1), (0, 2), (1, 2)]


def make_frame(animals, graph=GRAPH3, conf=None, within=0.9, between=0.05, unique=None, identity=None, order=None):
    """A TF per-frame dict from animals ``(n, n_parts, 2)`` (NaN = not detected).

    PAF affinity ``within`` between parts of the same animal, ``between`` otherwise.
    ``order[p]`` permutes the detections of part p; ``unique``: list of (x, y, conf).
    """
    animals = np.asarray(animals, dtype=float)
    n, n_parts = animals.shape[:2]
    conf = np.ones((n, n_parts)) if conf is None else np.asarray(conf, dtype=float)
    coords, confs, owner, ids = [], [], [], []
    for p in range(n_parts):
        rows = [a for a in range(n) if np.isfinite(animals[a, p]).all()]
        if order is not None and p in order:
            rows = [rows[i] for i in order[p]]
        coords.append(animals[rows, p].reshape(-1, 2))
        confs.append(conf[rows, p].reshape(-1, 1).astype(np.float32))
        owner.append(np.asarray(rows, dtype=int))
        if identity is not None:
            ids.append(np.eye(n)[[identity[a] for a in rows]].reshape(len(rows), n).astype(np.float32))
    costs = {}
    for e, (a, b) in enumerate(graph):
        m1 = np.where(owner[a][:, None] == owner[b][None], within, between).astype(np.float32)
        dist = np.linalg.norm(coords[a][:, None] - coords[b][None], axis=2).astype(np.float32)
        costs[e] = {"m1": m1, "distance": dist}
    if unique is not None:
        for det in unique:
            coords.append(np.asarray(det, dtype=float)[:, :2].reshape(-1, 2))
            confs.append(np.asarray(det, dtype=float)[:, 2].reshape(-1, 1))
            if identity is not None:
                ids.append(np.zeros((len(det), n), dtype=np.float32))
    frame = {"coordinates": (coords,), "confidence": confs, "costs": costs}
    if identity is not None:
        frame["identity"] = ids
    return frame


def settings(n_multi=3, graph=GRAPH3, **kw):
    kw.setdefault("max_n_individuals", 3)
    return AssemblySettings(n_multibodyparts=n_multi, graph=graph, paf_inds=list(range(len(graph))), **kw)


ANIMALS = np.array([
    [[10.0, 10.0], [20.0, 10.0], [15.0, 20.0]],
    [[100.0, 100.0], [110.0, 100.0], [105.0, 110.0]],
])


def same_animals(found: np.ndarray, expected: np.ndarray) -> bool:
    """Equal up to animal order (NaN = NaN)."""
    if len(found) != len(expected):
        return False
    key = lambda a: tuple(np.nan_to_num(a[:, :2], nan=-1).ravel())  # noqa: E731
    f = sorted(found, key=key)
    e = sorted(expected, key=key)
    return all(np.allclose(a[:, :2], b[:, :2], equal_nan=True) for a, b in zip(f, e))


@pytest.mark.parametrize("grouping", ["average", "greedy"])
def test_two_animals_any_detection_order(grouping):
    frame = make_frame(ANIMALS, order={1: [1, 0]})
    res = assemble_frame(frame, settings(grouping=grouping))
    assert res.animals.shape == (2, 3, 4)
    assert same_animals(res.animals, ANIMALS)
    assert np.all(res.animals[:, :, 3] == -1)  # no identity head
    assert np.allclose(res.scores, 0.9)  # mean PAF affinity of each animal's links
    assert res.unique is None


@pytest.mark.parametrize("grouping", ["average", "greedy"])
def test_pcutoff_and_pafthreshold(grouping):
    conf = np.ones((2, 3))
    conf[1, 2] = 0.05  # below pcutoff: dropped
    res = assemble_frame(make_frame(ANIMALS, conf=conf), settings(grouping=grouping, pcutoff=0.1, min_n_links=1))
    expected = ANIMALS.copy()
    expected[1, 2] = np.nan
    assert same_animals(res.animals, expected)
    # all affinities below pafthreshold: nothing is linked, nothing assembled
    res = assemble_frame(make_frame(ANIMALS, within=0.05), settings(grouping=grouping, pafthreshold=0.1))
    assert res.animals.shape == (0, 3, 4)


def test_minimal_number_of_connections():
    two_parts = ANIMALS.copy()
    two_parts[1, 2] = np.nan  # animal 1 has a single link
    res = assemble_frame(make_frame(two_parts), settings(min_n_links=2))
    assert same_animals(res.animals, ANIMALS[:1])
    res = assemble_frame(make_frame(two_parts), settings(min_n_links=1))
    assert same_animals(res.animals, two_parts)


def test_topktoretain_keeps_most_complete():
    three = np.concatenate([ANIMALS, ANIMALS[:1] + 300])
    three[2, 1] = np.nan
    res = assemble_frame(make_frame(three), settings(max_n_individuals=2, min_n_links=1))
    assert same_animals(res.animals, ANIMALS)


def test_average_linkage_resists_one_misleading_link():
    # a spurious strong link from animal 0's part 0 to animal 1's part 1 would make
    # link-by-link growth glue the animals wrongly; the consensus of the other links wins
    frame = make_frame(ANIMALS, within=0.6)
    frame["costs"][0]["m1"] = np.array([[0.6, 0.95], [0.05, 0.6]], dtype=np.float32)
    res = assemble_frame(frame, settings(grouping="average"))
    assert same_animals(res.animals, ANIMALS)


def test_unique_bodyparts_assembled_apart():
    unique = [np.array([[50.0, 50.0, 0.3], [60.0, 60.0, 0.8]]), np.array([[1.0, 2.0, 0.05]])]
    frame = make_frame(ANIMALS, unique=unique)
    res = assemble_frame(frame, settings(pcutoff=0.1))
    assert same_animals(res.animals, ANIMALS)
    assert np.allclose(res.unique[0], [60.0, 60.0, 0.8])
    assert np.isnan(res.unique[1]).all()  # below pcutoff
    out = assemble_frames({"metadata": {}, "frame0": frame, "frame1": make_frame(ANIMALS[:1], unique=unique)},
                          settings())
    assert sorted(k for k in out if k != "single") == [0, 1]
    assert out[0].shape == (2, 3, 4) and out[1].shape == (1, 3, 4)
    assert sorted(out["single"]) == [0, 1] and out["single"][1].shape == (2, 3)


def test_single_animal_shortcut():
    conf = np.array([[0.9, 0.2, 0.9], [0.5, 0.8, 0.01]])
    res = assemble_frame(make_frame(ANIMALS, conf=conf, within=0.0, between=0.0), settings(max_n_individuals=1))
    assert res.animals.shape == (1, 3, 4)
    assert np.allclose(res.animals[0, :, :2], [ANIMALS[0, 0], ANIMALS[1, 1], ANIMALS[0, 2]])


def test_identity_assembly():
    # PAF affinities say nothing (all equal); identities decide
    frame = make_frame(ANIMALS, within=0.5, between=0.5, identity=[1, 0])
    res = assemble_frame(frame, settings(withid=True))
    assert same_animals(res.animals, ANIMALS)
    ids = {tuple(a[0, :2]): a[0, 3] for a in res.animals}
    assert ids[(10.0, 10.0)] == 1 and ids[(100.0, 100.0)] == 0


def test_one_bodypart_projects():
    frame = make_frame(ANIMALS[:, :1], graph=[])
    res = assemble_frame(frame, settings(n_multi=1, graph=[]))
    assert res.animals.shape == (2, 1, 4)


def test_empty_and_missing_frames():
    assert assemble_frame(None, settings()).animals.shape == (0, 3, 4)
    empty = make_frame(np.full((1, 3, 2), np.nan))
    assert assemble_frame(empty, settings()).animals.shape == (0, 3, 4)
    assert assemble_frames({"metadata": {}}, settings()) == {}


def test_calibration_and_length_plausibility():
    rng = np.random.default_rng(0)
    gt = (ANIMALS[None] + rng.normal(0, 0.5, (20, 2, 3, 2)))
    cal = fit_calibration(gt)
    assert np.exp(cal["log_mean"][0][1]) == pytest.approx(10.0, rel=0.05)
    assert np.isnan(cal["log_mean"][0][0])
    # the labelled animals are ~130 px apart: a link as long as that more likely joins two
    # animals; shorter than typical is no sign of two animals here
    p = length_plausibility(cal, 0, 1, np.array([5.0, 10.0, 20.0, 130.0, 400.0]))
    assert p[0] == pytest.approx(1.0) and p[1] == pytest.approx(1.0) and p[2] > 0.9
    assert p[3] < 0.05 and p[4] == pytest.approx(1e-3)
    # without the two-animal statistics (old calibration files): a log-normal on both sides
    old = {k: v for k, v in cal.items() if not k.startswith("between")}
    q = length_plausibility(old, 0, 1, np.array([5.0, 10.0, 40.0, 400.0]))
    assert q[1] == pytest.approx(1.0, abs=0.05) and q[0] < 0.5 and q[2] < 0.1 and q[3] == pytest.approx(1e-3)
    # the spread is learnt: consistent labels make it tight, a few labels keep the wide prior
    from madlc.core.assembly.calibration import MIN_LOG_STD

    tight_cal = fit_calibration(ANIMALS[None] + rng.normal(0, 0.05, (200, 2, 3, 2)))
    few_cal = fit_calibration(ANIMALS[None] + rng.normal(0, 0.05, (2, 2, 3, 2)))
    assert tight_cal["log_std"][0][1] < 0.1 < few_cal["log_std"][0][1] <= MIN_LOG_STD
    # with length_weight, a link as long as the distance between two animals loses its affinity
    far = np.array([[[10.0, 10.0], [20.0, 10.0], [15.0, 20.0]], [[100.0, 100.0], [230.0, 100.0], [105.0, 110.0]]])
    frame = make_frame(far)
    frame["costs"][0]["m1"] = np.array([[0.9, 0.05], [0.05, 0.2]], dtype=np.float32)
    loose = assemble_frame(frame, settings(min_n_links=1))
    tight = assemble_frame(frame, settings(min_n_links=1, calibration=cal, length_weight=1.0, calibration_z=0))
    assert np.isfinite(loose.animals[:, 1, 0]).sum() == 2
    assert np.isfinite(tight.animals[:, 1, 0]).sum() == 1
    # scale-free proportions: a big animal is fine, a tail 10x too far is refused
    big = ANIMALS[1:] * 5
    res = assemble_frame(make_frame(big), settings(calibration=cal))
    assert same_animals(res.animals, big)
    odd = ANIMALS[1:].copy()
    odd[0, 1] = (200.0, 100.0)
    loose = assemble_frame(make_frame(odd), settings(min_n_links=1))
    tight = assemble_frame(make_frame(odd), settings(min_n_links=1, calibration=cal, calibration_z=4.0))
    assert same_animals(loose.animals, odd)
    assert tight.animals.shape == (1, 3, 4)
    assert np.isfinite(tight.animals[0, :, 0]).sum() == 2  # the three parts are never grouped


def test_length_prior_follows_the_frames_animal_size():
    """Labels of one size, a video zoomed 4x: the tight length prior judges links at the frame's
    scale, so the big animals are assembled; a link of the wrong length at that scale still loses."""
    rng = np.random.default_rng(1)
    cal = fit_calibration(ANIMALS[None] + rng.normal(0, 0.05, (100, 2, 3, 2)))
    assert cal["log_std"][0][1] < 0.1
    zoomed = ANIMALS * 4
    res = assemble_frame(make_frame(zoomed), settings(calibration=cal))
    assert same_animals(res.animals, zoomed)
    # the PAF prefers linking each animal's part 1 to the other animal (links 13x too long)
    frame = make_frame(zoomed)
    for e in (0, 2):  # edges (0, 1) and (1, 2)
        frame["costs"][e]["m1"] = np.array([[0.5, 0.6], [0.6, 0.5]], dtype=np.float32)
    loose = assemble_frame(frame, settings(length_weight=0.0, calibration=cal))
    tight = assemble_frame(frame, settings(calibration=cal))
    assert not same_animals(loose.animals, zoomed)
    assert same_animals(tight.animals, zoomed)


def test_refinement_repairs_a_greedy_merge():
    """A neck that looks slightly better on the wrong animal is merged there first; local search
    gives it back when the whole animal agrees (its other links are much stronger)."""
    from madlc.core.assembly.assemble import refine_groups

    part = np.array([0, 1, 2, 0, 1, 2])  # detections 0-2: animal A, 3-5: animal B
    W = np.full((6, 6), np.nan)
    for i in range(6):
        for j in range(6):
            if part[i] != part[j]:
                W[i, j] = 0.05
    for a, b, w in [(0, 1, 0.6), (0, 2, 0.9), (1, 2, 0.6), (3, 4, 0.9), (3, 5, 0.9), (4, 5, 0.9)]:
        W[a, b] = W[b, a] = w
    W[1, 3] = W[3, 1] = 0.95  # A's neck next to B's snout
    W[1, 5] = W[5, 1] = 0.2
    wrong = [[0, 2], [1, 3, 5], [4]]
    fixed = refine_groups(wrong, W, part, threshold=0.1)
    assert sorted(map(sorted, fixed)) == [[0, 1, 2], [3, 4, 5]]
    # links below the threshold never justify a move
    assert sorted(map(sorted, refine_groups([[0], [1]], np.array([[np.nan, 0.05], [0.05, np.nan]]),
                                            np.array([0, 1]), threshold=0.1))) == [[0], [1]]


def test_pruning_on_hand_made_frames():
    graph4 = list(combinations(range(4), 2))
    animals = np.array([[[0, 0], [10, 0], [0, 10], [10, 10]], [[50, 50], [60, 50], [50, 60], [60, 60]]], float)
    frames = []
    for k in range(6):
        f = make_frame(animals + k, graph=graph4)
        # edge (2, 3) is useless: same affinity within and between animals
        f["costs"][graph4.index((2, 3))]["m1"][:] = 0.5
        frames.append(f)
    gt = np.stack([animals + k for k in range(6)])
    scores = score_edges(frames, gt, graph4)
    assert scores[graph4.index((2, 3))] == pytest.approx(0.5)
    assert scores[0] == pytest.approx(1.0)
    cands = candidate_graphs(scores, graph4)
    assert len(cands[0]) == 3 and graph4.index((2, 3)) not in cands[0]
    assert sorted(cands[-1]) == list(range(6))
    edges, table = select_graph(cands, frames, gt, settings(n_multi=4, graph=graph4))
    assert len(table) == len(cands)
    assert table[0]["mAP"] == pytest.approx(1.0) and edges == cands[0]  # smallest best graph


def test_inference_settings_precedence(tmp_path):
    cfg = tmp_path / "inference_cfg.yaml"
    cfg.write_text("pcutoff: 0.3\npafthreshold: 0.2\ntopktoretain: 5\naveragescore: 0.1\nupperbound_factor: 1.25\n")
    s = inference_settings(str(cfg), ["inference.pafthreshold=0.4", "tracking.max_age=9", "grouping=greedy"])
    assert s["pcutoff"] == 0.3  # file over defaults
    assert s["pafthreshold"] == 0.4  # override over file
    assert s["topktoretain"] == 5 and s["grouping"] == "greedy"
    assert "averagescore" not in s and "upperbound_factor" not in s  # legacy keys ignored
    assert s["minconfidence"] == 0.01 and s["method"] == "m1"  # defaults
    assert "max_age" in s and s["max_age"] == 1
    # merged settings drive assemble_frames, the rest comes from the metadata
    full = {"metadata": {"PAFgraph": [list(e) for e in GRAPH3], "PAFinds": [0, 1, 2],
                         "all_joints_names": ["a", "b", "c"]}, "frame0": make_frame(ANIMALS)}
    out = assemble_frames(full, assembly_settings(inference_settings(None, ["inference.topktoretain=1"]), full["metadata"]))
    assert out[0].shape == (1, 3, 4)


@pytest.fixture(scope="module")
def dlc():
    if not (DLC_DATA / "montblanc_eval.pickle").exists():
        pytest.skip(f"DeepLabCut reference files not found in {DLC_DATA}")
    return DLC_DATA


def test_assemble_api_on_deeplabcut_detections(dlc, tmp_path):
    import madlc

    for name in ("montblanc_full.pickle", "montblanc_meta.pickle"):
        shutil.copy(dlc / name, tmp_path / name)
    cfg = tmp_path / "inference_cfg.yaml"
    cfg.write_text("pcutoff: 0.1\npafthreshold: 0.1\ntopktoretain: 3\nminimalnumberofconnections: 2\n")
    out = madlc.assemble(str(tmp_path / "montblanc_full.pickle"), inference_cfg=str(cfg))
    assert out == str(tmp_path / "montblanc_assemblies.pickle")
    with open(out, "rb") as fh:
        ours = pickle.load(fh)
    with open(dlc / "montblanc_assemblies.pickle", "rb") as fh:
        theirs = pickle.load(fh)
    assert isinstance(ours[1], list) and ours[1][0].shape == (4, 4)  # DeepLabCut's TF layout
    assert sorted(ours["single"]) == sorted(theirs["single"])
    n_ours = sum(len(v) for k, v in ours.items() if k != "single")
    assert 500 <= n_ours <= 540
    # most of DeepLabCut's animals are found identically; ours are at least as complete
    same = 0
    for frame, animals in theirs.items():
        if frame == "single":
            continue
        mine = [tuple(np.nan_to_num(a[:, :2]).round(2).ravel()) for a in ours.get(frame, [])]
        same += sum(tuple(np.nan_to_num(a[:, :2]).round(2).ravel()) in mine for a in animals)
    assert same / 535 > 0.8
    n_keypoints = lambda d: sum(np.isfinite(np.asarray(v)[:, :, 0]).sum() for k, v in d.items() if k != "single")  # noqa: E731
    assert n_keypoints(ours) >= n_keypoints(theirs)


def test_beats_deeplabcut_on_montblanc_eval(dlc):
    from madlc.core.metrics.oks import oks_map

    with open(dlc / "montblanc_eval.pickle", "rb") as fh:
        data = pickle.load(fh)
    gt = np.load(dlc / "montblanc_eval_gt.npy")
    md = data["metadata"]
    s = AssemblySettings(n_multibodyparts=4, graph=md["PAFgraph"], paf_inds=list(md["PAFinds"]),
                         pcutoff=0.1, pafthreshold=0.1, max_n_individuals=8)
    frames = [v["prediction"] for k, v in data.items() if k != "metadata"]
    theirs = oks_map(list(np.load(dlc / "montblanc_eval_assemblies_dlc.npy")),
                     list(np.load(dlc / "montblanc_eval_affinity_dlc.npy")), list(gt), sigma=0.1)
    for grouping in ("average", "greedy"):
        res = [assemble_frame(f, replace(s, grouping=grouping)) for f in frames]
        r = oks_map([x.animals for x in res], [x.scores for x in res], list(gt), sigma=0.1)
        print(f"\n{grouping}: mAP {r['mAP']:.4f} (DLC {theirs['mAP']:.4f}), mAR {r['mAR']:.4f} (DLC {theirs['mAR']:.4f})")
        assert r["mAP"] >= theirs["mAP"] + 0.02
        assert r["mAR"] >= theirs["mAR"] - 1e-9


def test_assemble_api_with_calibration_and_errors(tmp_path):
    import madlc
    from madlc.stages.assemble import load_calibration, save_calibration
    from madlc.errors import MadlcError

    frames = {f"frame{i}": make_frame(ANIMALS + i) for i in range(3)}
    full = {"metadata": {"PAFgraph": [list(e) for e in GRAPH3], "PAFinds": [0, 1, 2],
                         "all_joints_names": ["a", "b", "c"], "nframes": 3}, **frames}
    path = tmp_path / "vidDLC_full.pickle"
    path.write_bytes(pickle.dumps(full))
    cfg = tmp_path / "inference_cfg.yaml"
    cfg.write_text("topktoretain: 2\ncalibration: true\n")
    cal = fit_calibration(np.stack([ANIMALS] * 5))
    save_calibration(cal, tmp_path / "calibration.yaml")
    loaded = load_calibration({"calibration": True}, cfg)
    assert np.allclose(loaded["log_mean"], cal["log_mean"], equal_nan=True)
    out = madlc.assemble(str(path), inference_cfg=str(cfg))
    assert out == str(tmp_path / "vidDLC_assemblies.pickle")
    with open(out, "rb") as fh:
        asm = pickle.load(fh)
    assert sorted(asm) == [0, 1, 2] and len(asm[2]) == 2
    # a malformed frame is reported with the file and the frame
    full["frame1"] = {"coordinates": ([np.zeros((1, 2))] * 3,), "confidence": [np.ones((1, 1))] * 3,
                      "costs": {0: {"m1": "bad"}}}
    path.write_bytes(pickle.dumps(full))
    with pytest.raises(MadlcError, match="frame 1"):
        madlc.assemble(str(path), output=str(tmp_path / "x.pickle"))
    with pytest.raises(MadlcError, match="does not exist"):
        madlc.assemble(str(tmp_path / "missing_full.pickle"))


def test_assemble_api_on_pytorch_layout(tmp_path):
    import madlc

    # DeepLabCut 3 PyTorch: already assembled, row a of every bodypart = animal a, -1 = missing
    xy = [np.array([[10.0, 10.0], [-1.0, -1.0]]), np.array([[20.0, 10.0], [110.0, 100.0]]),
          np.array([[15.0, 20.0], [105.0, 110.0]]), np.array([[7.0, 7.0], [-1.0, -1.0]])]
    conf = [np.array([[0.9], [-1.0]]), np.array([[0.8], [0.7]]), np.array([[0.9], [0.6]]), np.array([[0.5], [-1.0]])]
    full = {"metadata": {"PAFgraph": None, "all_joints_names": ["a", "b", "c", "u"], "nframes": 1},
            "frame0": {"coordinates": (xy,), "confidence": conf, "costs": None}}
    meta = {"data": {"bodyparts": ["a", "b", "c"], "unique_bodyparts": ["u"], "individuals": ["m1", "m2"]}}
    (tmp_path / "v_full.pickle").write_bytes(pickle.dumps(full))
    (tmp_path / "v_meta.pickle").write_bytes(pickle.dumps(meta))
    out = madlc.assemble(str(tmp_path / "v_full.pickle"))
    with open(out, "rb") as fh:
        asm = pickle.load(fh)
    animals = np.asarray(asm[0])
    assert animals.shape == (2, 3, 4)
    assert np.isnan(animals[1, 0]).all() and np.allclose(animals[1, 1, :3], [110.0, 100.0, 0.7])
    assert np.allclose(asm["single"][0], [[7.0, 7.0, 0.5]])


def test_assemble_api_without_paf_graph(tmp_path):
    import madlc
    from madlc.errors import MadlcError

    frame = make_frame(ANIMALS, graph=[])
    full = {"metadata": {"PAFgraph": [], "all_joints_names": ["a", "b", "c"], "nframes": 1}, "frame0": frame}
    path = tmp_path / "s_full.pickle"
    path.write_bytes(pickle.dumps(full))
    with pytest.raises(MadlcError, match="PAFgraph"):
        madlc.assemble(str(path), overrides=["inference.topktoretain=3"])
    out = madlc.assemble(str(path), overrides=["inference.topktoretain=1"])
    with open(out, "rb") as fh:
        asm = pickle.load(fh)
    assert len(asm[0]) == 1 and np.isfinite(np.asarray(asm[0])[0, :, 0]).all()


def test_assembly_report_for_evaluate_network():
    from madlc.core.assembly.evaluation import assembly_report, miss_and_purity

    graph4 = list(combinations(range(4), 2))
    animals = np.array([[[0, 0], [10, 0], [0, 10], [10, 10]], [[50, 50], [60, 50], [50, 60], [60, 60]]], float)
    frames = [make_frame(animals + k, graph=graph4) for k in range(6)]
    gt = np.stack([animals + k for k in range(6)])
    base = settings(n_multi=4, graph=graph4)
    rep = assembly_report(frames, gt, base, train=range(5), test=[5])
    assert rep["train"]["mAP"] == pytest.approx(1.0) and rep["test"]["mAR"] == pytest.approx(1.0)
    assert rep["train"]["miss"] == pytest.approx(0.0) and rep["train"]["purity"] == pytest.approx(1.0)
    assert rep["calibration"]["n_bodyparts"] == 4 and len(rep["paf_scores"]) == 6
    assert len(rep["candidates"]) >= 2 and rep["paf_best"] == rep["candidates"][0]["edges"]  # smallest best
    assert len(rep["paf_best"]) == 3
    # an assembly mixing two animals: purity 3/4; a keypoint left out: miss 1/8
    mixed = np.full((2, 4, 4), np.nan)
    mixed[0, :, :2] = animals[0]
    mixed[0, 3, :2] = animals[1, 3]
    mixed[1, :3, :2] = animals[1, :3]
    miss, purity = miss_and_purity(mixed, frames[0], gt[0])
    assert miss == pytest.approx(1 / 8) and purity == pytest.approx((3 / 4 + 1) / 2)


def test_inference_settings_errors(tmp_path):
    from madlc.stages._settings import assembly_settings
    from madlc.errors import MadlcError

    bad = tmp_path / "inference_cfg.yaml"
    bad.write_text("pcutoff: [0.1\n")
    with pytest.raises(MadlcError, match="inference_cfg.yaml"):
        inference_settings(str(bad))
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(MadlcError, match="inference_cfg.yaml"):
        inference_settings(str(bad))
    with pytest.raises(MadlcError, match="inference_cfg.yaml"):
        inference_settings(str(tmp_path / "missing" / "inference_cfg.yaml"))
    with pytest.raises(MadlcError, match="key=value"):
        inference_settings(None, ["inference.pcutoff"])
    s = inference_settings(None, ["pcutoff=abc"])
    with pytest.raises(MadlcError, match="inference settings"):
        assembly_settings(s, {"PAFgraph": [[0, 1]], "all_joints_names": ["a", "b"]})
    s = inference_settings(None, ["grouping=nonsense"])
    with pytest.raises(MadlcError, match="grouping"):
        assembly_settings(s, {"PAFgraph": [[0, 1]], "all_joints_names": ["a", "b"]})
