"""DeepLabCut 3.0.x compatibility: every madlc writer's output loads under numpy<2 / pandas<3.

The cross-version check runs ``tests/compat/read_all.py`` with the python of the compat venv made
by ``.ci/compat_env.sh`` (``${MADLC_COMPAT_VENV:-~/.cache/madlc-compat-venv}``). It is skipped when
that venv is absent, unless ``MADLC_REQUIRE_COMPAT`` is set (CI), which turns the skip into a failure.
"""
from __future__ import annotations

import importlib.util
import io
import json
import os
import pickle
import pickletools
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import madlc.io as mio

ROOT = Path(__file__).resolve().parents[1]
READ_ALL = ROOT / "tests" / "compat" / "read_all.py"
VENV = Path(os.environ.get("MADLC_COMPAT_VENV", Path.home() / ".cache" / "madlc-compat-venv"))


def _read_all_module():
    spec = importlib.util.spec_from_file_location("madlc_compat_read_all", READ_ALL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _globals_in(data: bytes) -> set[str]:
    """Module paths a pickle imports (GLOBAL and STACK_GLOBAL operands)."""
    names, strings = set(), []
    for op, arg, _ in pickletools.genops(io.BytesIO(data)):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            names.add(f"{strings[-2]}.{strings[-1]}")
        elif op.name == "GLOBAL":
            names.add(arg.replace(" ", "."))
    return names


def test_pickler_avoids_numpy2_and_pandas3_paths():
    obj = {"a": np.arange(6.0).reshape(2, 3).T, "f32": np.float32(1.5), np.int64(3): np.bool_(True),
           "h": mio.tracklet_header("s", ["a", "b"]), "empty": np.zeros((0, 2)), "obj": np.array([np.array(["x"]), 3], dtype=object),
           "s": pd.Series([1.0, 2.0], index=pd.Index(["a", "b"]), name="n")}
    data = mio.dumps(obj)
    found = _globals_in(data)
    assert not any(name.startswith("numpy._core") for name in found), found
    assert "numpy.ndarray" in found
    back = pickle.loads(data)
    assert back["a"].flags.writeable and np.array_equal(back["a"], obj["a"])
    assert type(back["f32"]) is float and type(back[3]) is bool and 3 in back
    assert back["h"].equals(obj["h"]) and list(back["h"].names) == ["scorer", "bodyparts", "coords"]
    assert back["empty"].shape == (0, 2) and back["obj"][0][0] == "x" and back["s"].equals(obj["s"])


def test_numpy1_side_of_the_loader_maps_numpy_core(monkeypatch):
    """Under numpy 1 the loader maps ``numpy._core`` (numpy-2 pickles) to ``numpy.core``."""
    from madlc.io import compat

    monkeypatch.setattr(compat, "_NUMPY2", False)
    plain = pickle.dumps({"a": np.arange(3.0), "s": np.float64(2.0)}, protocol=5)  # references numpy._core
    assert any(name.startswith("numpy._core") for name in _globals_in(plain))
    back = compat.loads(plain)
    assert np.array_equal(back["a"], [0.0, 1.0, 2.0]) and back["s"] == 2.0


def _write_everything(folder: Path, dlc: Path) -> list[dict]:
    """Write one file per madlc writer (real DLC content where available); return the manifest entries."""
    entries: list[dict] = []

    def add(path: Path, kind: str, obj=None, reader: str | None = None, **extra):
        summary_obj = obj if obj is not None else read_all.load(path, kind, **extra)
        entries.append({"file": path.name, "kind": kind, "reader": reader, **extra,
                        "summary": json.loads(json.dumps(read_all.summarize(summary_obj)))})

    read_all = _read_all_module()
    # pickles: real DeepLabCut content read by madlc, written back by madlc
    for name, reader, writer in (
        ("montblanc_full.pickle", mio.read_full_pickle, mio.write_full_pickle),
        ("montblanc_meta.pickle", mio.read_meta_pickle, mio.write_meta_pickle),
        ("montblanc_assemblies.pickle", mio.read_assemblies, mio.write_assemblies),
        ("montblanc_tracklets.pickle", mio.read_tracklets, mio.write_tracklets),
        ("montblanc_eval.pickle", mio.read_evaluation_pickle, mio.write_evaluation_pickle),
    ):
        out = writer(reader(dlc / name), folder / name)
        add(out, "pickle", pickle.loads(out.read_bytes()), reader=reader.__name__)
    full = mio.read_full_pickle(dlc / "montblanc_full.pickle")
    with mio.FullPickleWriter(folder / "streamed_full.pickle", full["metadata"]) as out:
        for i in mio.frame_indices(full):
            out.add(i, mio.get_frame(full, i))
    add(out.path, "pickle", pickle.loads(out.path.read_bytes()), reader="read_full_pickle")
    entries_td = [{"image": ("labeled-data", "v", "img01.png"), "size": np.array([3, 96, 128]),
                   "joints": {0: np.array([[0, 1.5, 2.5]], np.float32)}}]
    add(mio.write_training_data(entries_td, folder / "T_S80shuffle1.pickle"), "pickle", reader="read_training_data")
    add(mio.write_documentation({"data": entries_td, "train_indices": [2, 0], "test_indices": [1],
                                 "train_fraction": 0.8}, folder / "Documentation_data-T_80shuffle1.pickle"), "pickle",
        reader="read_documentation")
    # HDF5 + CSV
    tracks = mio.read_tracks(dlc / "montblanc_tracks.h5")
    add(mio.write_tracks(tracks, folder / "vidDLC_el.h5", csv=True), "h5", key="tracks", reader="read_tracks")
    add(folder / "vidDLC_el.csv", "csv", header_rows=4, index_cols=1, reader="read_tracks")
    add(mio.write_filtered(tracks, folder / "vidDLC_el_filtered.h5"), "h5", key="df_with_missing", reader="read_filtered")
    arr, scorer, inds, bpts = mio.tracks_to_array(tracks)
    labels = mio.array_to_labels(arr[:6, ..., :2], "Daniel", inds, bpts[:4], bpts[4:],
                                 [("labeled-data", "montblanc", f"img{i:04d}.png") for i in range(6)])
    add(mio.write_labels(labels, folder / "CollectedData_Daniel.h5"), "h5", key="df_with_missing", reader="read_labels")
    add(folder / "CollectedData_Daniel.csv", "csv", header_rows=4, index_cols=3, reader="read_labels")
    add(mio.write_machinelabels(tracks.iloc[:3].set_axis(labels.index[:3]), folder / "machinelabels-iter0.h5"),
        "h5", key="df_with_missing", reader="read_machinelabels")
    single = labels.xs("bird1", level="individuals", axis=1, drop_level=False)
    single.columns = pd.MultiIndex.from_tuples([(s, "animal", b, c) for s, _, b, c in single.columns],
                                               names=single.columns.names)
    add(mio.write_labels(single, folder / "CollectedData_single.h5"), "h5", key="df_with_missing", reader="read_labels")
    add(folder / "CollectedData_single.csv", "csv", header_rows=3, index_cols=3, reader="read_labels")
    # YAML
    add(mio.write_pose_cfg(mio.read_pose_cfg(dlc / "example_pose_cfg.yaml"), folder / "pose_cfg.yaml"), "yaml", reader="read_pose_cfg")
    add(mio.write_inference_cfg(mio.default_inference_cfg({"multianimalproject": True, "individuals": ["a", "b"],
                                                            "multianimalbodyparts": ["p", "q"]}),
                                folder / "inference_cfg.yaml"), "yaml", reader="read_inference_cfg")
    add(mio.write_dataset_metadata({"shuffles": {"TD-trainset80shuffle1": {"train_fraction": 0.8, "index": 1, "split": 1,
                                                                           "engine": "pytorch"}}},
                                   folder / "metadata.yaml"), "yaml", reader="read_dataset_metadata")
    add(mio.write_config(mio.read_config(dlc / "example_config.yaml"), folder / "config.yaml"), "yaml", reader="read_config")
    (folder / "manifest.json").write_text(json.dumps(entries, indent=1))
    return entries


def test_every_output_loads_under_numpy1_pandas2(dlc_data_dir, tmp_path):
    python = VENV / "bin" / "python"
    if not python.exists():
        if os.environ.get("MADLC_REQUIRE_COMPAT"):
            pytest.fail(f"MADLC_REQUIRE_COMPAT is set but the compat venv {VENV} is missing: run .ci/compat_env.sh")
        pytest.skip(f"compat venv {VENV} (numpy<2, pandas<3) not found: run .ci/compat_env.sh to enable this check")
    entries = _write_everything(tmp_path, dlc_data_dir)
    assert len(entries) == 20
    proc = subprocess.run([str(python), str(READ_ALL), str(tmp_path), "--madlc"], capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")})
    assert "numpy 1." in proc.stdout and "pandas 2." in proc.stdout, proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(entries)}/{len(entries)} files load identically" in proc.stdout
