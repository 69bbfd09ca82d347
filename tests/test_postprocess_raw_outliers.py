"""Checks before tracking: the all-detections video and outlier frames from raw detections / assemblies."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from madlc.core.outliers import assembly_scores, detection_scores, flag_frames

SCORER = "DLC_Tiny_synthJan1shuffle1_snapshot_10"


def detections_of(gt: np.ndarray, drop: dict[int, tuple[int, int]] | None = None,
                  extra: dict[int, int] | None = None) -> dict:
    """A _full.pickle dict from ground truth ``(T, A, K, 2)``: every visible part detected (score 0.9),
    ``drop[t] = (animal, part)`` removed, ``extra[t] = part`` gets one spurious detection."""
    from madlc.project.paths import frame_key_width

    T, A, K = gt.shape[:3]
    width = frame_key_width(T)
    out = {"metadata": {"nframes": T, "all_joints_names": ["snout", "neck", "back", "tailbase"][:K],
                        "PAFgraph": [[a, b] for a in range(K) for b in range(a + 1, K)], "key_str_width": width}}
    graph = out["metadata"]["PAFgraph"]
    for t in range(T):
        coords, confs, owners = [], [], []
        for k in range(K):
            own = [a for a in range(A) if np.isfinite(gt[t, a, k]).all() and (drop or {}).get(t) != (a, k)]
            rows = [gt[t, a, k] for a in own]
            if (extra or {}).get(t) == k:
                rows.append(np.array([5.0, 5.0]))
                own.append(-1)
            coords.append(np.asarray(rows, dtype=float).reshape(-1, 2))
            confs.append(np.full((len(rows), 1), 0.9, np.float32))
            owners.append(np.asarray(own))
        costs = {e: {"m1": np.where((owners[a][:, None] == owners[b][None]) & (owners[a][:, None] >= 0), 0.9, 0.05
                                    ).astype(np.float32),
                     "distance": np.ones((len(owners[a]), len(owners[b])), np.float32)} for e, (a, b) in enumerate(graph)}
        out[f"frame{t:0{width}d}"] = {"coordinates": (coords,), "confidence": confs, "costs": costs}
    return out


def test_detection_scores_and_percentile_flags():
    conf = [[np.full(3, 0.9)] * 4 for _ in range(40)]
    conf[7] = [np.full(2, 0.9)] + [np.full(3, 0.9)] * 3  # a snout missed
    conf[12] = [np.full(5, 0.9)] + [np.full(3, 0.9)] * 3  # two spurious snouts
    conf[20] = [np.array([0.9, 0.9, 0.2])] + [np.full(3, 0.9)] * 3  # one poor snout
    s = detection_scores(conf, pcutoff=0.1)
    assert int(s["expected"]) == 3
    assert s["missing"][7] == 1 and s["extra"][12] == 2 and s["missing"].sum() == 1 and s["extra"].sum() == 2
    assert s["confidence"][20] < s["confidence"][0]
    assert flag_frames(s, (5, 95)).tolist() == [7, 12, 20]
    # a video where nothing varies flags nothing
    assert flag_frames(detection_scores([[np.full(3, 0.9)] * 4] * 10)).tolist() == []
    with pytest.raises(Exception, match="percentiles"):
        flag_frames(s, (95, 5))


def test_assembly_scores_find_missing_and_oddly_shaped_animals():
    rng = np.random.default_rng(0)
    base = np.array([[0, 0], [10, 0], [20, 0], [30, 0]], float)
    frames = []
    for t in range(60):
        animals = np.stack([base + [50 * a, 20 * a] + rng.normal(0, 0.3, (4, 2)) for a in range(3)])
        frames.append(np.concatenate([animals, np.ones((3, 4, 2))], axis=2))
    frames[10] = frames[10][:2]  # an animal lost
    frames[30] = frames[30].copy()
    frames[30][1, 3, :2] = frames[30][1, 2, :2] + (0, 40)  # a tail far off the body line and too long
    frames[45] = frames[45].copy()
    frames[45][0, 2, :2] = np.nan  # a missing part
    s = assembly_scores(frames, 4)
    assert int(s["expected"]) == 3
    assert s["missing_animals"][10] == 1 and s["missing_parts"][45] == 1
    assert s["odd_shape"][30] > 5 * np.median(s["odd_shape"])
    assert {10, 30, 45} <= set(flag_frames(s, (5, 95)).tolist())


def _project_with_detections(config: str) -> tuple[Path, Path, np.ndarray]:
    from madlc.io import read_tracks, tracks_to_array, write_full_pickle

    project = Path(config).parent
    video = project / "videos" / "synth0.mp4"
    # every part "detected", hidden ones too: only the frames changed below are unusual
    gt = tracks_to_array(read_tracks(project / "ground-truth" / "synth0_gt.h5"))[0][..., :2]
    full = detections_of(gt, drop={5: (0, 1), 50: (2, 0)}, extra={70: 3})
    path = write_full_pickle(full, video.parent / f"synth0{SCORER}_full.pickle")
    return video, path, gt


def test_find_outliers_in_raw_data_adds_flagged_frames_with_machine_labels(synth_project_small_copy):
    import madlc
    from madlc.io.config import read_config

    video, full, gt = _project_with_detections(synth_project_small_copy)
    folder = Path(synth_project_small_copy).parent / "labeled-data" / "synth0"
    before = set(p.name for p in folder.glob("img*.png"))
    written = madlc.find_outliers_in_raw_data(synth_project_small_copy, str(full), str(video),
                                              extraction_algo="uniform", numframes2extract=10)
    from madlc.project.paths import image_name

    names = {Path(w).name for w in written}
    unusual = {image_name(t, len(gt)) for t in (5, 50, 70)}  # the frames with a missed or spurious part
    assert unusual - before <= names and len(unusual - before) >= 2
    assert not names & before  # labeled images are never rewritten
    ml = pd.read_hdf(folder / "machinelabels-iter0.h5")
    assert {i[2] for i in ml.index} == unusual  # machine labels for every picked frame
    assert set(ml.columns.get_level_values("individuals")) == {"animal1", "animal2", "animal3"}
    # the machine labels are the assembled animals: on frame 70 each GT animal is there (within 1 px)
    row = ml.loc[("labeled-data", "synth0", image_name(70, len(gt)))]
    parts = ["snout", "neck", "back", "tailbase"]
    found = np.stack([row.xs(ind, level="individuals").unstack("coords").droplevel(0).loc[parts, ["x", "y"]]
                      .to_numpy() for ind in ("animal1", "animal2", "animal3")])
    for animal in gt[70]:
        err = np.nanmin(np.nanmean(np.linalg.norm(found - animal[None], axis=2), axis=1))
        assert err < 1.0
    assert str(video) in read_config(synth_project_small_copy)["video_sets"] or any(
        Path(k).stem == "synth0" for k in read_config(synth_project_small_copy)["video_sets"])
    # from the assemblies written beside the detections: odd animals instead of odd detections
    assemblies = full.with_name(full.name.replace("_full.pickle", "_assemblies.pickle"))
    assert assemblies.exists()
    again = madlc.find_outliers_in_raw_data(synth_project_small_copy, str(assemblies), str(video),
                                            extraction_algo="uniform", numframes2extract=5)
    assert len(again) <= 5
    with pytest.raises(Exception, match="_full.pickle"):
        madlc.find_outliers_in_raw_data(synth_project_small_copy, str(video), str(video))


def test_video_with_all_detections(synth_project_small_copy):
    import madlc
    from madlc.video.reader import VideoReader

    video, full, gt = _project_with_detections(synth_project_small_copy)
    out = madlc.create_video_with_all_detections(synth_project_small_copy, [str(video)], pcutoff=0.5, dotsize=2)
    assert out == [str(video.parent / f"synth0{SCORER}_full.mp4")]
    with VideoReader(video) as src, VideoReader(out[0]) as drawn:
        assert drawn.info.nframes == src.info.nframes
        original, painted = src.read(70), drawn.read(70)
    # the spurious tailbase detection at (5, 5) is drawn: the pixels there changed
    assert np.abs(painted[3:8, 3:8].astype(int) - original[3:8, 3:8].astype(int)).mean() > 30
    with pytest.raises(Exception, match="not among its detections"):
        madlc.create_video_with_all_detections(synth_project_small_copy, [str(video)], displayedbodyparts=["tail"])
