"""Final tracks as NWB/.slp: export_tracks (pipeline target `export`) and analyze_videos_converth5_to_nwb."""
from __future__ import annotations

from pathlib import Path

import numpy as np

import madlc
from madlc.io import read_config, read_tracks
from madlc.io.nwb_pose import load_nwb
from madlc.io.sleap_formats import pose_to_tracks

SCORER = "DLC_Tiny_synthDec4shuffle1_snapshot_100"


def _tracks_beside_video(config: str) -> tuple[Path, Path]:
    """The project's ground truth, placed beside its video as if stitch_tracklets had written it."""
    project = Path(config).parent
    video = next((project / "videos").glob("*.mp4"))
    tracks = video.parent / f"{video.stem}{SCORER}_el.h5"
    df = read_tracks(project / "ground-truth" / f"{video.stem}_gt.h5")
    df.columns = df.columns.set_levels([SCORER], level="scorer")
    madlc.io.write_tracks(df, tracks)
    return video, tracks


def test_export_tracks_writes_nwb_and_slp_beside_the_tracks(synth_project_small_copy):
    import sleap_io as sio

    video, tracks = _tracks_beside_video(synth_project_small_copy)
    out = madlc.export_tracks(synth_project_small_copy, [str(video)], formats=["nwb", "slp"])
    stem = str(tracks)[: -len(".h5")]
    assert out == [stem + ".nwb", stem + ".slp"]
    original = read_tracks(tracks)
    back = pose_to_tracks(load_nwb(stem + ".nwb"))
    np.testing.assert_array_equal(back.to_numpy(), original.to_numpy())
    labels = sio.load_slp(stem + ".slp", open_videos=False)
    cfg = read_config(synth_project_small_copy)
    assert [t.name for t in labels.tracks] == cfg["individuals"]
    assert len(labels.skeleton.edges) == len(cfg["skeleton"])
    assert Path(labels.video.filename).name == video.name


def test_analyze_videos_converth5_to_nwb(synth_project_small_copy):
    video, tracks = _tracks_beside_video(synth_project_small_copy)
    (video.parent / f"{video.stem}_labeled.mp4").write_bytes(b"")  # DeepLabCut skips labeled videos
    out = madlc.analyze_videos_converth5_to_nwb(synth_project_small_copy, str(video.parent), videotype=".mp4")
    assert out == [str(tracks.with_suffix(".nwb"))]
    pose = load_nwb(out[0])
    assert pose.scorer == SCORER and pose.fps and abs(pose.fps - madlc.video.reader.video_info(video).fps) < 1e-9
    np.testing.assert_array_equal(pose_to_tracks(pose).to_numpy(), read_tracks(tracks).to_numpy())
    assert madlc.analyze_videos_converth5_to_nwb(synth_project_small_copy, str(video.parent)) == []  # kept


def test_pipeline_export_target_before_training(synth_project_small_copy):
    """Before training, `madlc run CONFIG export` plans the way there (the export jobs' file names hold the
    trained snapshot's scorer; tests/test_workflow.py checks the export jobs on a trained project)."""
    from madlc.workflow.run import run

    rules = [j.split()[0] for j in run(synth_project_small_copy, "export", dry_run=True)]
    assert rules == ["create_multianimaltraining_dataset", "train_network"], rules
