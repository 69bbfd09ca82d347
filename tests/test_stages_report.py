"""madlc.report on a project before training: the labels plot, and plain words for what is missing."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import madlc


def test_report_of_a_labeled_project_says_what_is_missing(synth_project_small_copy):
    from madlc.io.tracks_array import load_tracks, save_tracks

    config = synth_project_small_copy
    root = Path(config).parent
    # a tracks file with no frames (a tracker that kept nothing) must be said in words, not "0 %"
    tracks = load_tracks(root / "ground-truth" / "synth0_gt.h5")
    tracks.data = tracks.data[:0]
    tracks.frames = None if tracks.frames is None else tracks.frames[:0]
    tracks.scorer = "DLC_Tiny_synthNov24shuffle1_snapshot_010"
    save_tracks(tracks, root / "videos" / "synth0DLC_Tiny_synthNov24shuffle1_snapshot_010_el.h5")

    path = Path(madlc.report(config))
    assert path == root / "report.html"
    page = path.read_text()
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert [alt for alt, _ in images] == ["Labeled points per body part and video"]
    assert len(images[0][1]) > 5000  # a real plot, embedded
    assert "No training yet" in page and "No evaluation yet" in page
    assert "holds no frames (0 rows)" in page
    assert not re.search(r'(src|href)="https?://', page)  # self-contained: nothing fetched


def test_report_sections_count_labels_per_video_and_part(synth_project_small):
    from madlc.io.labels import read_labels
    from madlc.stages.report import build_sections

    cfg, sections = build_sections(synth_project_small)
    labels = sections[0]
    assert labels.title == "Labels" and len(labels.figures) == 1
    df = read_labels(Path(synth_project_small).parent / "labeled-data" / "synth0" / "CollectedData_synth.h5")
    assert np.isfinite(df.to_numpy()).any()
    assert [s.title for s in sections][:3] == ["Labels", "Training", "Evaluation"]
