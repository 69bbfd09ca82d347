"""Load madlc-written files the way DeepLabCut 3.0.x does, under numpy<2 / pandas<3.

Run by tests/test_io_compat.py with the compat venv's python (``.ci/compat_env.sh``)::

    <venv>/bin/python tests/compat/read_all.py <folder> [--madlc]

``<folder>/manifest.json`` lists ``{"file", "kind", "key"?, "summary"}`` entries written by the test
under numpy 2 / pandas 3. For each entry this script loads the file with plain pickle / pandas /
yaml (no madlc import: DeepLabCut does not have madlc), computes :func:`summarize` of what it
loaded and compares with the recorded summary (structure, key types, shapes, dtypes, column
tuples, value sums). It prints one line per file and exits 1 if any file failed. With ``--madlc`` each entry's
``reader`` (a ``madlc.io`` function name) must also read the file in this environment.

This file must run under both environments (the test imports :func:`summarize` too), so it only
uses the standard library, numpy, pandas and yaml.
"""
from __future__ import annotations

import json
import math
import pickle
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml


def _num(value: float) -> Any:
    value = float(value)
    return None if math.isnan(value) else round(value, 4)


def _label(value: Any) -> str:
    return str(value.item() if isinstance(value, np.generic) else value)


def summarize(obj: Any, depth: int = 0) -> Any:
    """A JSON-able structural fingerprint of a loaded object (same in numpy 1/2, pandas 2/3)."""
    if depth > 12:
        return "..."
    if isinstance(obj, pd.MultiIndex):
        return {"multiindex": [list(map(_label, t)) for t in obj], "names": [None if n is None else str(n) for n in obj.names]}
    if isinstance(obj, pd.Index):
        return {"index": [_label(v) for v in obj]}
    if isinstance(obj, pd.DataFrame):
        values = obj.to_numpy(dtype=float, na_value=np.nan)
        return {"frame": list(obj.shape), "columns": summarize(obj.columns), "rows": summarize(obj.index),
                "nansum": _num(np.nansum(values)), "nan": int(np.isnan(values).sum()),
                "dtypes": sorted({str(d) for d in obj.dtypes})}
    if isinstance(obj, pd.Series):
        return {"series": len(obj), "rows": summarize(obj.index)}
    if isinstance(obj, np.ndarray):
        out: dict[str, Any] = {"ndarray": list(obj.shape), "dtype": obj.dtype.str}
        if obj.dtype.kind in "biuf":
            out["nansum"] = _num(np.nansum(obj.astype(float))) if obj.size else 0
            out["nan"] = int(np.isnan(obj.astype(float)).sum()) if obj.size else 0
        elif obj.dtype.kind == "O":
            out["items"] = [summarize(v, depth + 1) for v in obj.ravel()[:50]]
        return out
    if isinstance(obj, dict):
        return {"dict": [[type(k).__name__, _label(k), summarize(v, depth + 1)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {type(obj).__name__: [summarize(v, depth + 1) for v in obj]}
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, (int, float, np.integer, np.floating)):
        return [type(obj).__name__, _num(obj)]
    if isinstance(obj, str):
        return obj
    return f"<{type(obj).__module__}.{type(obj).__name__}>"


def load(path: Path, kind: str, key: str | None = None, **extra: Any) -> Any:
    """Load one file as DeepLabCut 3.0.x would."""
    if kind == "pickle":
        with open(path, "rb") as fh:
            return pickle.load(fh)
    if kind == "h5":
        df = pd.read_hdf(path)  # DLC: no key (the file has one)
        if key is not None:
            keyed = pd.read_hdf(path, key=key)
            assert keyed.equals(df), f"key {key!r} differs from the keyless read"
        return df
    if kind == "csv":  # entry: header_rows (4 multi-animal, 3 single-animal), index_cols (3 labels, 1 tracks)
        header, index_col = extra["header_rows"], extra["index_cols"]
        return pd.read_csv(path, header=list(range(header)), index_col=list(range(index_col)) if index_col > 1 else 0)
    if kind == "yaml":
        with open(path) as fh:
            return yaml.safe_load(fh)
    raise ValueError(f"unknown kind {kind!r}")


def main(folder: str, with_madlc: bool = False) -> int:
    root = Path(folder)
    manifest = json.loads((root / "manifest.json").read_text())
    failures = 0
    print(f"numpy {np.__version__}, pandas {pd.__version__}")
    mio = None
    if with_madlc:  # also read every file with madlc's own readers (madlc supports numpy 1 / pandas 2 too)
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        import madlc.io as mio
    for entry in manifest:
        name = entry["file"]
        try:
            if mio is not None and entry.get("reader"):
                getattr(mio, entry["reader"])(root / name)
            loaded = load(root / name, **{k: v for k, v in entry.items() if k not in ("file", "summary", "reader")})
            got = json.loads(json.dumps(summarize(loaded)))
            if got != entry["summary"]:
                failures += 1
                print(f"FAIL {name}: loaded but differs\n  expected {json.dumps(entry['summary'])[:600]}\n"
                      f"  got      {json.dumps(got)[:600]}")
            else:
                print(f"ok   {name}")
        except Exception:  # report every file, then fail
            failures += 1
            print(f"FAIL {name}: cannot load\n{traceback.format_exc()}")
    print(f"{len(manifest) - failures}/{len(manifest)} files load identically")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], with_madlc="--madlc" in sys.argv[2:]))
