"""madlc.io pickles: full/meta/evaluation, assemblies, tracklets, training data; real DLC files and bad input."""
from __future__ import annotations

import pickle
import shelve

import numpy as np
import pandas as pd
import pytest

import madlc.io as mio
from madlc.errors import FormatError

SCORER = "DLC_resnet50_MontBlancDec16shuffle1_30000"


def _same(a, b) -> bool:
    """Deep equality of nested dict/list/tuple/ndarray structures (NaN == NaN)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, pd.Index):
        return a.equals(b) and list(a.names) == list(b.names)
    return a == b


# ---------------------------------------------------------------- _full / _meta / evaluation
def test_real_full_pickle(dlc_data_dir):
    data = mio.read_full_pickle(dlc_data_dir / "montblanc_full.pickle")
    meta = data["metadata"]
    assert meta["nframes"] == 180 and mio.frame_indices(data) == list(range(180))
    assert meta["all_joints_names"] == ["head", "tail", "leftwing", "rightwing", "center"]
    assert len(meta["PAFgraph"]) == 6 and sorted(meta["PAFinds"]) == list(range(6))
    frame = mio.get_frame(data, 0)
    coords = frame["coordinates"][0]
    assert isinstance(frame["coordinates"], tuple) and len(coords) == 5
    assert coords[0].shape == (12, 2) and frame["confidence"][0].shape == (12, 1)
    assert frame["costs"][1]["m1"].shape == (12, 12)
    assert mio.get_frame(data, 500) is None
    assert mio.frame_key_width(data) == 3


def test_full_pickle_round_trip_and_missing_frames(dlc_data_dir, tmp_path):
    data = mio.read_full_pickle(dlc_data_dir / "montblanc_full.pickle")
    trimmed = {k: v for k, v in data.items() if k not in ("frame001", "frame050")}
    path = mio.write_full_pickle(trimmed, tmp_path / "vidDLC_full.pickle")
    back = mio.read_full_pickle(path)
    assert _same(back, trimmed)
    assert mio.get_frame(back, 1) is None and mio.get_frame(back, 2) is not None
    assert len(mio.frame_indices(back)) == 178


def test_streaming_full_pickle_writer(dlc_data_dir, tmp_path):
    data = mio.read_full_pickle(dlc_data_dir / "montblanc_full.pickle")
    path = tmp_path / "vidDLC_full.pickle"
    with mio.FullPickleWriter(path, {**data["metadata"], "nframes": 200}) as out:  # frame count corrected below
        for i in mio.frame_indices(data):
            if i != 7:
                out.add(i, mio.get_frame(data, i))
        out.update_metadata(nframes=180)
        assert not path.exists()  # atomic: appears on close
    back = mio.read_full_pickle(path)
    assert back["metadata"] == data["metadata"] and len(mio.frame_indices(back)) == 179
    assert _same(back["frame008"], data["frame008"]) and mio.get_frame(back, 7) is None
    with pytest.raises(RuntimeError):
        with mio.FullPickleWriter(tmp_path / "partial_full.pickle", {"nframes": 10}) as out:
            out.add(0, mio.get_frame(data, 0))
            raise RuntimeError("analysis interrupted")
    assert list(tmp_path.iterdir()) == [path]  # no partial file left behind


def test_full_pickle_shelve_fallback(dlc_data_dir, tmp_path):
    data = mio.read_full_pickle(dlc_data_dir / "montblanc_full.pickle")
    path = tmp_path / "vidDLC_full.pickle"
    with shelve.open(str(path), flag="c") as db:
        for key in ("metadata", "frame000", "frame001"):
            db[key] = data[key]
    back = mio.read_full_pickle(path)
    assert set(back) == {"metadata", "frame000", "frame001"}
    assert _same(back["frame001"], data["frame001"])


def test_real_meta_and_evaluation_pickles(dlc_data_dir, tmp_path):
    meta = mio.read_meta_pickle(dlc_data_dir / "montblanc_meta.pickle")
    assert meta["data"]["Scorer"] == SCORER
    assert len(meta["data"]["trainIndices"]) == 28 and len(meta["data"]["testIndices"]) == 2
    back = mio.read_meta_pickle(mio.write_meta_pickle(meta, tmp_path / "m.pickle"))
    assert back["data"]["trainFraction"] == 0.95 and type(back["data"]["trainFraction"]) is float
    assert np.array_equal(back["data"]["trainIndices"], meta["data"]["trainIndices"])
    assert mio.read_meta_pickle(mio.write_meta_pickle({"Scorer": "x"}, tmp_path / "w.pickle")) == {"data": {"Scorer": "x"}}

    ev = mio.read_evaluation_pickle(dlc_data_dir / "montblanc_eval.pickle")
    images = [k for k in ev if k != "metadata"]
    assert len(images) == 30 and images[0] == ("labeled-data", "montblanc", "img0000.png")
    first = ev[images[0]]
    assert first["index"] == 0 and "identity" in first["prediction"]
    assert isinstance(first["groundtruth"][2], pd.Series) and len(first["groundtruth"][2]) == 66
    again = mio.read_evaluation_pickle(mio.write_evaluation_pickle(ev, tmp_path / "eval_full.pickle"))
    assert list(again) == list(ev)
    assert again[images[3]]["groundtruth"][2].equals(ev[images[3]]["groundtruth"][2])


# ---------------------------------------------------------------- assemblies
def test_real_assemblies(dlc_data_dir, tmp_path):
    ass = mio.read_assemblies(dlc_data_dir / "montblanc_assemblies.pickle")
    frames = [k for k in ass if k != "single"]
    assert len(frames) == 180 and frames == sorted(frames) and all(isinstance(k, int) for k in frames)
    assert ass[1].shape == (3, 4, 4) and ass[1].dtype == np.float64
    assert np.isnan(ass[1][1, 0]).all() and np.allclose(ass[1][1, 1], [376.433, 560.775, 1.0, -1.0])
    assert len(ass["single"]) == 78 and np.allclose(ass["single"][1], [[1375.972, 573.389, 1.0]])
    # read DLC -> write -> read gives the same content; on disk it is DLC TF's list layout
    path = mio.write_assemblies(ass, tmp_path / "vidDLC_assemblies.pickle")
    assert _same(mio.read_assemblies(path), ass)
    with open(path, "rb") as fh:
        raw = pickle.load(fh)
    with open(dlc_data_dir / "montblanc_assemblies.pickle", "rb") as fh:
        original = pickle.load(fh)
    assert isinstance(raw[1], list) and len(raw[1]) == 3
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(raw[1], original[1]))


def test_pytorch_assemblies_are_normalised():
    arr = np.array([[[10.0, 20.0, 0.9, -1.0], [-1.0, -1.0, -1.0, -1.0]],
                    [[30.0, 40.0, 0.8, 1.0], [31.0, 41.0, 0.7, 1.0]]])
    raw = {0: arr, 1: np.zeros((0, 2, 4)), "frame002": [arr[1]], "single": {0: np.array([5.0, 6.0, 0.9])}}
    ass = mio.normalise_assemblies(raw)
    assert np.isnan(ass[0][0, 1]).all() and np.allclose(ass[0][1], arr[1])
    assert ass[1].shape == (0, 2, 4) and ass[2].shape == (1, 2, 4)
    assert ass["single"][0].shape == (1, 3)


# ---------------------------------------------------------------- tracklets
def test_real_tracklets(dlc_data_dir, tmp_path):
    tr = mio.read_tracklets(dlc_data_dir / "montblanc_tracklets.pickle")
    header = tr["header"]
    assert isinstance(header, pd.MultiIndex) and len(header) == 15
    assert list(header.names) == ["scorer", "bodyparts", "coords"] and header[0] == (SCORER, "head", "x")
    ids = [k for k in tr if k not in ("header", "single")]
    assert ids == [0, 1, 2, 3] and all(type(k) is int for k in ids)
    assert {k: len(tr[k]) for k in ids} == {0: 131, 1: 179, 2: 179, 3: 45}
    assert min(tr[3]) == 135 and tr[3][135].shape == (4, 4)
    assert len(tr["single"]) == 78
    path = mio.write_tracklets(tr, tmp_path / "vidDLC_el.pickle", nframes=180)
    assert _same(mio.read_tracklets(path), tr)
    with open(path, "rb") as fh:
        raw = pickle.load(fh)
    assert "frame135" in raw[3] and 0 in raw["single"]  # DLC's current key style


def test_tracklets_old_int_keys_and_flat_arrays():
    header = mio.tracklet_header("s", ["a", "b"])
    raw = {"header": header, np.int64(0): {5: np.arange(8.0).reshape(2, 4), "frame006": np.array([1.0, 2, 1, 3, 4, 1])}}
    tr = mio.normalise_tracklets(raw)
    assert list(tr[0]) == [5, 6]
    assert np.allclose(tr[0][6], [[1, 2, 1, -1], [3, 4, 1, -1]])


# ---------------------------------------------------------------- training data / documentation
def _training_entries():
    return [{"image": ("labeled-data", "vid1", "img001.png"), "size": np.array([3, 96, 128]),
             "joints": {0: np.array([[0, 10.5, 20.25], [1, 11.0, 21.0]], np.float32),
                        2: np.array([[3, 50.0, 60.0]], np.float32)}},
            {"image": "labeled-data\\vid1\\img002.png", "size": np.array([3, 96, 128]),
             "joints": {1: np.array([[2, 1.0, 2.0]], np.float32)}}]


def test_training_data_and_documentation_round_trip(tmp_path):
    entries = _training_entries()
    data = mio.read_training_data(mio.write_training_data(entries, tmp_path / "T_S95shuffle1.pickle"))
    assert data[1]["image"] == ("labeled-data", "vid1", "img002.png")
    assert data[0]["joints"][2].dtype == np.float32 and np.allclose(data[0]["joints"][0], entries[0]["joints"][0])
    doc_path = mio.write_documentation({"data": entries, "train_indices": [4, 0, 2], "test_indices": np.array([1, 3]),
                                        "train_fraction": 0.6}, tmp_path / "Documentation_data-T_60shuffle1.pickle")
    with open(doc_path, "rb") as fh:
        raw = pickle.load(fh)
    assert isinstance(raw, list) and len(raw) == 4 and raw[1].dtype == np.int64
    doc = mio.read_documentation(doc_path)
    assert doc["train_indices"].tolist() == [4, 0, 2] and doc["test_indices"].tolist() == [1, 3]  # order kept
    assert doc["train_fraction"] == 0.6 and len(doc["data"]) == 2


# ---------------------------------------------------------------- bad input
def test_bad_pickles_raise_format_error(dlc_data_dir, tmp_path):
    whole = (dlc_data_dir / "montblanc_assemblies.pickle").read_bytes()
    (tmp_path / "truncated.pickle").write_bytes(whole[: len(whole) // 2])
    for reader in (mio.read_assemblies, mio.read_full_pickle, mio.read_tracklets, mio.read_meta_pickle):
        with pytest.raises(FormatError, match="truncated.pickle.*truncated"):
            reader(tmp_path / "truncated.pickle")
    (tmp_path / "empty.pickle").write_bytes(b"")
    with pytest.raises(FormatError, match="empty"):
        mio.read_tracklets(tmp_path / "empty.pickle")
    with pytest.raises(FormatError, match="no such"):
        mio.read_full_pickle(tmp_path / "absent.pickle")
    # a foreign pickle: a valid pickle of another kind
    foreign = tmp_path / "foreign.pickle"
    foreign.write_bytes(pickle.dumps({"model": "something else", "weights": [1, 2]}))
    with pytest.raises(FormatError, match="foreign.pickle.*not a _full.pickle"):
        mio.read_full_pickle(foreign)
    with pytest.raises(FormatError, match="not a tracklets pickle"):
        mio.read_tracklets(foreign)
    with pytest.raises(FormatError, match="not an assemblies pickle"):
        mio.read_assemblies(foreign)
    with pytest.raises(FormatError, match="not a _meta.pickle"):
        mio.read_meta_pickle(foreign)
    with pytest.raises(FormatError, match="not a list of images"):
        mio.read_training_data(foreign)
    with pytest.raises(FormatError, match="trainIndices"):
        mio.read_documentation(foreign)
    # tracklets file passed where assemblies are expected
    with pytest.raises(FormatError, match="not an assemblies pickle"):
        mio.read_assemblies(dlc_data_dir / "montblanc_tracklets.pickle")
