"""madlc.io tracks / filtered: the real montblanc_tracks.h5, round trips, array helpers, bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import madlc.io as mio
from madlc.errors import FormatError

SCORER = "DLC_resnet50_MontBlancDec16shuffle1_30000"


def test_real_tracks_file(dlc_data_dir):
    df = mio.read_tracks(dlc_data_dir / "montblanc_tracks.h5")  # key "df", fixed
    assert df.shape == (180, 39)
    assert list(df.columns.names) == ["scorer", "individuals", "bodyparts", "coords"]
    assert list(df.columns.get_level_values("individuals").unique()) == ["bird1", "bird2", "bird3", "single"]
    assert df["DLC_resnet50_MontBlancDec16shuffle1_30000"]["single"].columns.tolist() == [
        ("center", "x"), ("center", "y"), ("center", "likelihood")]
    assert df.index.dtype == np.int64 and df.index[0] == 0 and df.index[-1] == 179
    arr, scorer, individuals, bodyparts = mio.tracks_to_array(df)
    assert arr.shape == (180, 4, 5, 3) and scorer == SCORER
    assert bodyparts == ["head", "tail", "leftwing", "rightwing", "center"]
    assert np.isnan(arr[:, :3, 4]).all() and np.isnan(arr[:, 3, :4]).all()
    back = mio.array_to_tracks(arr, scorer, individuals, bodyparts, unique_bodyparts=["center"], frames=df.index)
    pd.testing.assert_frame_equal(back, df, check_column_type=False, check_index_type=False)


def test_round_trip_tracks_filtered_and_csv(dlc_data_dir, tmp_path):
    df = mio.read_tracks(dlc_data_dir / "montblanc_tracks.h5")
    tracks = mio.write_tracks(df, tmp_path / "vidDLC_el.h5", csv=True)
    filtered = mio.write_filtered(df, tmp_path / "vidDLC_el_filtered.h5")
    for path, key in ((tracks, "/tracks"), (filtered, "/df_with_missing")):
        with pd.HDFStore(path, "r") as store:
            assert store.keys() == [key]
            assert store.get_storer(key).format_type == "fixed"
    pd.testing.assert_frame_equal(mio.read_tracks(tracks), df, check_column_type=False)
    pd.testing.assert_frame_equal(mio.read_filtered(filtered), df, check_column_type=False)
    from_csv = mio.read_tracks(tmp_path / "vidDLC_el.csv")
    np.testing.assert_allclose(from_csv.to_numpy(), df.to_numpy(), equal_nan=True)
    assert from_csv.index.equals(df.index)
    csv_only = mio.write_tracks_csv(df, tmp_path / "other.h5")
    assert csv_only.suffix == ".csv" and not (tmp_path / "other.h5").exists()


def test_array_to_tracks_without_unique_parts_and_negative_scores():
    arr = np.random.default_rng(0).uniform(0, 10, size=(5, 2, 3, 3))
    arr[1, 0, 2] = -1  # DLC 3 PyTorch encoding of a missing keypoint
    df = mio.array_to_tracks(arr, "s", ["a", "b"], ["p", "q", "r"])
    assert df.shape == (5, 18) and "single" not in df.columns.get_level_values("individuals")
    back, _, inds, bpts = mio.tracks_to_array(df, missing_negative=True)
    assert inds == ["a", "b"] and bpts == ["p", "q", "r"]
    assert np.isnan(back[1, 0, 2]).all()
    assert np.allclose(back[2], arr[2])
    with pytest.raises(ValueError):
        mio.array_to_tracks(arr, "s", ["a", "b"], ["p", "q", "r"], unique_bodyparts=["r"])  # no slot for single


def test_single_animal_tracks(tmp_path):
    cols = pd.MultiIndex.from_product([["s"], ["nose"], ["x", "y", "likelihood"]], names=["scorer", "bodyparts", "coords"])
    df = pd.DataFrame(np.ones((3, 3)), columns=cols)
    path = mio.write_tracks(df, tmp_path / "single.h5")
    assert pd.read_hdf(path).columns.nlevels == 3
    assert mio.tracks_to_array(mio.read_tracks(path))[2] == ["animal"]


def test_bad_tracks_files(tmp_path):
    with pytest.raises(FormatError, match="no such tracks file"):
        mio.read_tracks(tmp_path / "nope.h5")
    labels_like = pd.DataFrame(np.ones((2, 2)), columns=pd.MultiIndex.from_product(
        [["s"], ["a"], ["p"], ["x", "z"]], names=["scorer", "individuals", "bodyparts", "coords"]))
    labels_like.to_hdf(tmp_path / "z.h5", key="tracks")
    with pytest.raises(FormatError, match="coords"):
        mio.read_tracks(tmp_path / "z.h5")
    frame = pd.DataFrame(np.ones((2, 2)), index=["a", "b"], columns=pd.MultiIndex.from_product(
        [["s"], ["a"], ["p"], ["x", "y"]], names=["scorer", "individuals", "bodyparts", "coords"]))
    frame.to_hdf(tmp_path / "strindex.h5", key="tracks")
    with pytest.raises(FormatError, match="frame numbers"):
        mio.read_tracks(tmp_path / "strindex.h5")


def test_array_to_tracks_of_an_empty_video_has_the_columns_and_no_rows():
    import numpy as np

    from madlc.io import array_to_tracks

    df = array_to_tracks(np.zeros((0, 3, 3, 3)), "DLC_x", ["a", "b", "single"], ["nose", "tail", "corner"], ["corner"])
    assert df.shape == (0, 2 * 2 * 3 + 3)
    assert list(df.columns.get_level_values("individuals").unique()) == ["a", "b", "single"]
