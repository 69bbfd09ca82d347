"""End to end: synthetic project -> tiny network trained a few steps -> analyze_videos."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from madlc.errors import VideoError  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    import madlc

    root = tmp_path_factory.mktemp("e2e")
    cfg = madlc.synth_project(str(root / "proj"), animals=2, bodyparts=3, frames=24, size="64x48",
                              labeled_frames=6, unique=True, held_out=1)
    madlc.create_multianimaltraining_dataset(cfg, net_type="tiny")
    madlc.train_network(cfg, maxiters=2, overrides=["data.batch_size=2", "data.crop_size=[48,48]"])
    return Path(cfg)


def test_analyze_videos_end_to_end(project, tmp_path):
    import madlc
    from madlc.io import read_full_pickle, read_meta_pickle

    heldout = project.parent / "held-out" / "heldout0.mp4"
    junk = tmp_path / "videos" / "broken.mp4"
    junk.parent.mkdir()
    junk.write_bytes(b"\x00" * 2048)
    shutil.copy(heldout, tmp_path / "videos" / "good.mp4")
    with pytest.raises(VideoError, match="broken.mp4") as err:
        madlc.analyze_videos(str(project), [str(tmp_path / "videos")], videotype="mp4", batchsize=5,
                             overrides=["inference.minconfidence=0.001", "analyze.chunk_size=10"])
    assert "1 of 2 videos" in str(err.value)
    outs = sorted((tmp_path / "videos").glob("good*_full.pickle"))
    assert len(outs) == 1
    scorer = outs[0].name[len("good"):-len("_full.pickle")]
    assert re.fullmatch(r"DLC_Tiny_synth\w+shuffle1_snapshot_\d+", scorer)
    data = read_full_pickle(outs[0])
    meta = data["metadata"]
    assert meta["nframes"] == 24 and meta["minimal confidence"] == pytest.approx(0.001)
    assert meta["all_joints_names"] == ["snout", "neck", "back", "landmark1", "landmark2"]
    assert meta["PAFgraph"] == [[0, 1], [0, 2], [1, 2]]
    frame = data["frame00"]
    assert len(frame["coordinates"][0]) == 5 and set(frame["costs"]) == set(meta["PAFinds"])
    for e, (s, t) in enumerate(meta["PAFgraph"]):
        assert frame["costs"][e]["m1"].shape == (len(frame["coordinates"][0][s]), len(frame["coordinates"][0][t]))
    xy = np.concatenate(frame["coordinates"][0])
    assert np.all((xy[:, 0] > -20) & (xy[:, 0] < 84))
    assert read_meta_pickle(outs[0].with_name(outs[0].name.replace("_full", "_meta")))["data"]["Scorer"] == scorer

    # returns the scorer; the second run keeps the existing output
    again = madlc.analyze_videos(str(project), [str(tmp_path / "videos" / "good.mp4")])
    assert again == scorer


def test_extract_save_all_maps(project, tmp_path):
    import madlc
    from madlc.errors import ConfigError

    folder = Path(madlc.extract_save_all_maps(str(project), Indices=[0], comparisonbodyparts=["snout", "landmark1"],
                                              dest_folder=str(tmp_path / "maps")))
    names = sorted(p.name for p in folder.glob("*.png"))
    assert len(names) == 2 * 2 + 3 + 1  # scmap + locref per part, 3 PAF edges, all-in-one
    assert any(n.endswith("_scmap_snout.png") for n in names) and any(n.endswith("_paf_all.png") for n in names)
    assert names[0].split("_")[0] in ("train", "test")
    with pytest.raises(ConfigError, match="out of range"):
        madlc.extract_save_all_maps(str(project), Indices=[999])


def test_auto_track_calls_the_tracking_api(project, tmp_path, monkeypatch):
    import madlc
    import madlc.stages.convert_detections2tracklets as converting
    import madlc.stages.stitch_tracklets as stitching

    calls = []
    monkeypatch.setattr(converting, "convert_detections2tracklets", lambda *a, **k: calls.append(("convert", a, k)))
    monkeypatch.setattr(stitching, "stitch_tracklets", lambda *a, **k: calls.append(("stitch", a, k)))
    video = tmp_path / "clip.mp4"
    shutil.copy(project.parent / "held-out" / "heldout0.mp4", video)
    madlc.analyze_videos(str(project), [str(video)], auto_track=True, n_tracks=2, destfolder=str(tmp_path / "out"))
    assert [c[0] for c in calls] == ["convert", "stitch"]
    assert calls[0][1][1] == [str(video)] and calls[0][2]["destfolder"] == str(tmp_path / "out")
    assert calls[1][2]["n_tracks"] == 2
    assert list((tmp_path / "out").glob("clipDLC_Tiny_*_full.pickle"))
