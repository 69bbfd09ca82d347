"""plot_trajectories: DeepLabCut's four figures per individual, as readable images."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SCORER = "DLC_Resnet50_synthJan1shuffle1_snapshot_10"


def _tracks_file(config: str, filtered: bool = False) -> Path:
    from madlc.io.tracks_array import save_tracks, tracks_from_dataframe

    proj = Path(config).parent
    t = tracks_from_dataframe(pd.read_hdf(proj / "ground-truth" / "synth0_gt.h5"))
    t.scorer = SCORER
    path = proj / "videos" / f"synth0{SCORER}_el{'_filtered' if filtered else ''}.h5"
    save_tracks(t, path)
    return path


def test_plot_trajectories_writes_four_figures_per_individual(synth_project_small_copy):
    import madlc
    from PIL import Image

    _tracks_file(synth_project_small_copy, filtered=True)
    video = Path(synth_project_small_copy).parent / "videos" / "synth0.mp4"
    folders = madlc.plot_trajectories(synth_project_small_copy, [str(video)], filtered=True,
                                      displayedindividuals=["animal1", "animal3"], resolution=40)
    folder = Path(folders[0])
    assert folder == video.parent / "plot-poses" / "synth0"
    names = sorted(p.name for p in folder.iterdir())
    expected = sorted(f"{kind}_filtered{ind}.png" for kind in ("trajectory", "plot", "plot-likelihood", "hist")
                      for ind in ("animal1", "animal3"))
    assert names == expected
    for name in names:
        with Image.open(folder / name) as im:
            im.verify()
        with Image.open(folder / name) as im:
            pixels = np.asarray(im.convert("RGB"))
        assert pixels.shape[0] > 50 and pixels.std() > 0  # a real drawing, not a blank canvas


def test_plot_individual_hides_points_below_pcutoff(tmp_path):
    from madlc.viz.trajectories import plot_individual

    data = np.zeros((30, 2, 3))
    data[..., 0] = np.arange(30)[:, None]
    data[..., 1] = 5.0
    data[..., 2] = 0.1  # all below pcutoff: trajectory has no points, likelihood plot still drawn
    written = plot_individual(data, ["nose", "tail"], tmp_path, "mouse", pcutoff=0.6, resolution=30)
    assert [p.name for p in written] == ["trajectorymouse.png", "plotmouse.png", "plot-likelihoodmouse.png", "histmouse.png"]
    assert all(p.stat().st_size > 0 for p in written)
