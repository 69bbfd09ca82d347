"""madlc.io labels (CollectedData) and machine labels: round trips, DLC index variants, bad input."""
from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

import madlc.io as mio
from madlc.errors import FormatError

SCORER = "Daniel"
ANIMALS = ["mus1", "mus2"]
MULTI = ["snout", "tail"]
UNIQUE = ["corner"]


def sample_labels(n: int = 4, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arr = rng.uniform(0, 500, size=(n, len(ANIMALS) + 1, len(MULTI) + len(UNIQUE), 2)).round(2)
    arr[1, 0, 1] = np.nan
    arr[2] = np.nan  # an extracted but unlabeled frame
    index = [("labeled-data", "vid1", f"img{i:03d}.png") for i in range(n)]
    return mio.array_to_labels(arr, SCORER, ANIMALS, MULTI, UNIQUE, index)


def test_columns_follow_dlc_layout():
    df = sample_labels()
    assert list(df.columns.names) == ["scorer", "individuals", "bodyparts", "coords"]
    assert list(df.columns.get_level_values("individuals").unique()) == ["mus1", "mus2", "single"]
    # single carries only the unique part, the animals only the multi parts
    assert df[SCORER]["single"].columns.get_level_values(0).unique().tolist() == ["corner"]
    assert df[SCORER]["mus1"].columns.get_level_values(0).unique().tolist() == ["snout", "tail"]
    assert df.shape == (4, 2 * 2 * 2 + 2)
    assert df.index.nlevels == 3 and list(df.index.names) == [None, None, None]


def test_h5_and_csv_round_trip(tmp_path):
    df = sample_labels()
    h5 = mio.write_labels(df, tmp_path / "CollectedData_Daniel.h5")
    assert h5.exists() and h5.with_suffix(".csv").exists()
    with pd.HDFStore(h5, "r") as store:
        assert store.keys() == ["/df_with_missing"]
        assert store.get_storer("df_with_missing").format_type == "fixed"
    back = mio.read_labels(h5)
    pd.testing.assert_frame_equal(back, df, check_column_type=False, check_index_type=False)
    from_csv = mio.read_labels(h5.with_suffix(".csv"))
    np.testing.assert_allclose(from_csv.to_numpy(), df.to_numpy(), equal_nan=True)
    assert from_csv.index.equals(df.index) and from_csv.columns.equals(df.columns)
    text = h5.with_suffix(".csv").read_text().splitlines()
    assert text[0].startswith("scorer,,,Daniel") and text[3].startswith("coords,,,x,y")
    assert text[4].startswith("labeled-data,vid1,img000.png,")


def test_array_helpers_are_inverse():
    df = sample_labels()
    arr = mio.labels_to_array(df, ANIMALS + ["single"], MULTI + UNIQUE)
    assert arr.shape == (4, 3, 3, 2)
    assert np.isnan(arr[:, :2, 2]).all() and np.isnan(arr[:, 2, :2]).all()  # slots without columns
    again = mio.array_to_labels(arr, SCORER, ANIMALS, MULTI, UNIQUE, df.index)
    pd.testing.assert_frame_equal(again, df)
    assert mio.labels_to_array(df).shape == (4, 3, 3, 2)  # defaults: from the columns


def test_reads_old_string_index_napari_key_and_table_format(tmp_path):
    df = sample_labels()
    old = df.copy()
    old.index = ["labeled-data\\vid1\\" + t[2] if i % 2 else "/".join(t) for i, t in enumerate(df.index)]
    old.to_hdf(tmp_path / "old.h5", key="df_with_missing", mode="w", format="table")
    df.to_hdf(tmp_path / "napari.h5", key="keypoints", mode="w")
    for name in ("old.h5", "napari.h5"):
        back = mio.read_labels(tmp_path / name)
        assert back.index.equals(df.index), name
        np.testing.assert_allclose(back.to_numpy(), df.to_numpy(), equal_nan=True)
    old.to_csv(tmp_path / "old.csv")  # old csv: one index column with the path
    assert mio.read_labels(tmp_path / "old.csv").index.equals(df.index)


def test_likelihood_dropped_for_labels_kept_for_machinelabels(tmp_path):
    df = sample_labels()
    cols = [(s, i, b, "likelihood") for s, i, b, c in df.columns if c == "x"]
    with_lik = pd.concat([df, pd.DataFrame(0.9, index=df.index, columns=pd.MultiIndex.from_tuples(
        cols, names=df.columns.names))], axis=1)
    path = mio.write_machinelabels(with_lik, tmp_path / "machinelabels-iter0.h5")
    assert (tmp_path / "machinelabels.csv").exists()
    assert "likelihood" in mio.read_machinelabels(path).columns.get_level_values("coords")
    assert "likelihood" not in mio.read_labels(path).columns.get_level_values("coords")
    pred = mio.write_evaluation_predictions(with_lik, tmp_path / "DLC_Resnet50_TDshuffle1_snapshot_10.h5")
    assert not pred.with_suffix(".csv").exists()
    pd.testing.assert_frame_equal(mio.read_evaluation_predictions(pred), with_lik, check_column_type=False)


def test_single_animal_files_keep_three_levels(tmp_path):
    cols = pd.MultiIndex.from_product([["me"], ["nose", "tail"], ["x", "y"]], names=["scorer", "bodyparts", "coords"])
    df = pd.DataFrame(np.arange(8.0).reshape(2, 4), columns=cols,
                      index=pd.MultiIndex.from_tuples([("labeled-data", "v", "img0.png"), ("labeled-data", "v", "img1.png")]))
    path = mio.write_labels(df, tmp_path / "CollectedData_me.h5")
    assert pd.read_hdf(path).columns.nlevels == 3  # DLC's single-animal layout on disk
    back = mio.read_labels(path)
    assert list(back.columns.get_level_values("individuals").unique()) == ["animal"]
    assert mio.labels_to_array(back).shape == (2, 1, 2, 2)
    assert mio.read_labels(path.with_suffix(".csv")).shape == (2, 4)


def test_existing_labels_are_backed_up(tmp_path):
    path = tmp_path / "CollectedData_Daniel.h5"
    mio.write_labels(sample_labels(seed=1), path)
    mio.write_labels(sample_labels(seed=2), path)
    assert (tmp_path / "CollectedData_Daniel.h5.bak").exists()
    np.testing.assert_allclose(mio.read_labels(tmp_path / "CollectedData_Daniel.h5.bak").to_numpy(),
                               sample_labels(seed=1).to_numpy(), equal_nan=True)


def test_bad_label_files_raise_format_error(tmp_path):
    with pytest.raises(FormatError, match="no such"):
        mio.read_labels(tmp_path / "missing.h5")
    wrong = sample_labels()
    wrong.columns = wrong.columns.set_names(["scorer", "animal", "part", "coords"])
    wrong.to_hdf(tmp_path / "wrong_names.h5", key="df_with_missing")
    with pytest.raises(FormatError, match="levels"):
        mio.read_labels(tmp_path / "wrong_names.h5")
    pd.DataFrame({"a": [1.0]}).to_hdf(tmp_path / "flat.h5", key="df_with_missing")
    with pytest.raises(FormatError, match="flat.h5"):
        mio.read_labels(tmp_path / "flat.h5")
    with h5py.File(tmp_path / "foreign.h5", "w") as f:
        f["data"] = np.zeros(3)
    with pytest.raises(FormatError, match="foreign.h5.*no pandas"):
        mio.read_labels(tmp_path / "foreign.h5")
    good = mio.write_labels(sample_labels(), tmp_path / "good.h5", csv=False)
    (tmp_path / "truncated.h5").write_bytes(good.read_bytes()[:3000])
    with pytest.raises(FormatError, match="truncated.h5.*truncated"):
        mio.read_labels(tmp_path / "truncated.h5")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(FormatError, match="text.h5"):
        mio.read_labels(tmp_path / "text.h5")
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match="not a DeepLabCut"):
        mio.read_labels(tmp_path / "bad.csv")
    bad_coords = sample_labels()
    bad_coords.columns = pd.MultiIndex.from_tuples([(s, i, b, "z" if c == "y" else c) for s, i, b, c in bad_coords.columns],
                                                   names=bad_coords.columns.names)
    bad_coords.to_hdf(tmp_path / "coords.h5", key="df_with_missing")
    with pytest.raises(FormatError, match="coords"):
        mio.read_labels(tmp_path / "coords.h5")
