"""Pickles that DeepLabCut 3.0.x (numpy<2, pandas<3) can open, and a tolerant pickle loader.

Semantics and traps (FORMATS.md §10):

* madlc runs on numpy 2 / pandas 3, DeepLabCut 3.0.x pins ``numpy<2`` and ``pandas<3``.
  A pickle written by the standard pickler under numpy 2 stores arrays as
  ``numpy._core.numeric._frombuffer`` (protocol 5) or ``numpy._core.multiarray._reconstruct``
  and numpy scalars as ``numpy._core.multiarray.scalar``; ``numpy._core`` does not exist in
  numpy 1.26, so DeepLabCut fails with ``ModuleNotFoundError: numpy._core``.
* A ``pd.MultiIndex`` pickled by pandas 3 (string-dtype levels) does not unpickle in pandas 2.2.
  The tracklet ``header`` is such an object.

:class:`CompatPickler` solves both once, so every madlc writer just calls :func:`dump_pickle`:

* ``np.ndarray`` -> ``numpy.ndarray((0,), 'b')`` + ``ndarray.__setstate__(state)``. ``numpy.ndarray``
  and ``numpy.dtype`` are importable under the same name in numpy 1 and 2, and the state tuple
  ``(version, shape, dtype, is_fortran, raw bytes | object list)`` is the format both versions
  accept. (This is what ``_reconstruct`` does, without naming the module that moved.) Arrays
  come back writeable; object arrays keep their elements (pickled recursively, so nested numpy
  values are converted too).
* numpy scalars (``np.float64``, ``np.int64``, ``np.bool_``, ``np.str_``) -> Python ``float``/``int``/
  ``bool``/``str`` (values are exact; the numpy type is dropped). Subclasses of ``float``/``int``/
  ``str`` such as ruamel's ``ScalarFloat`` become the plain builtin too.
* ``pd.MultiIndex`` -> ``pandas.MultiIndex.from_tuples(tuples, None, names)`` with builtin values;
  ``pd.Index`` -> ``pandas.Index(values, dtype)``; ``pd.Series``/``pd.DataFrame`` are rebuilt from
  their values, index and columns the same way.

:func:`load_pickle` reads pickles from either side: under numpy 1 it maps ``numpy._core`` back to
``numpy.core``; under numpy 2 it silences the deprecation warning of old ``numpy.core`` paths. A file
that is not a pickle (truncated, foreign) raises :class:`madlc.errors.FormatError` naming the file.
Unpickling DeepLabCut meta pickles may need ``ruamel.yaml`` importable (``trainFraction`` can be a
ruamel ``ScalarFloat``); madlc depends on it.
"""
from __future__ import annotations

import io
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from madlc.errors import file_error
from madlc.io.atomic import atomic_path

PROTOCOL = pickle.HIGHEST_PROTOCOL
_NUMPY2 = int(np.__version__.split(".")[0]) >= 2


def _builtin_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _index_values(index: Any) -> tuple[Any, Any]:
    """(values, dtype) of a flat pandas Index, as objects that pandas 2 and 3 both unpickle."""
    kind = index.dtype.kind
    if kind in "biuf":
        return np.asarray(index), index.dtype.str
    if kind == "M" or kind == "m":
        return np.asarray(index), None
    return [_builtin_scalar(v) for v in index], object


class _CompatReducer:
    """The reductions of :class:`CompatPickler` (see the module docstring)."""

    def reducer_override(self, obj: Any) -> Any:  # noqa: C901 - one dispatch table
        if type(obj) is np.ndarray:
            return (np.ndarray, ((0,), "b"), obj.__reduce__()[2])
        if isinstance(obj, np.generic):
            value = obj.item()
            if type(value) not in (float, int, bool, str, bytes, complex):
                return NotImplemented  # datetime64 & co: numpy's own reduction
            return (type(value), (value,))
        if isinstance(obj, (float, int, str)) and not isinstance(obj, bool) and type(obj) not in (float, int, str):
            base = float if isinstance(obj, float) else int if isinstance(obj, int) else str
            return (base, (base(obj),))
        return self._reduce_pandas(obj)

    @staticmethod
    def _reduce_pandas(obj: Any) -> Any:
        pd = _pandas_if_loaded()
        if pd is None:
            return NotImplemented
        if isinstance(obj, pd.MultiIndex):
            names = [_builtin_scalar(n) for n in obj.names]
            if len(obj) == 0:
                empty = [[] for _ in names]
                return (pd.MultiIndex, (empty, empty, None, names))
            tuples = [tuple(_builtin_scalar(v) for v in t) for t in obj]
            return (pd.MultiIndex.from_tuples, (tuples, None, names))
        if isinstance(obj, pd.Index):
            values, dtype = _index_values(obj)
            return (pd.Index, (values, dtype, False, _builtin_scalar(obj.name)))
        if isinstance(obj, pd.Series):
            values = obj.to_numpy(dtype=object if obj.dtype.kind not in "biuf" else obj.dtype)
            return (pd.Series, (values, obj.index, None, _builtin_scalar(obj.name)))
        if isinstance(obj, pd.DataFrame):
            if all(dt.kind in "biuf" for dt in obj.dtypes) and obj.dtypes.nunique() <= 1:
                return (pd.DataFrame, (obj.to_numpy(), obj.index, obj.columns))
            if not obj.columns.is_unique:
                return NotImplemented
            data = {label: obj[label].to_numpy() for label in obj.columns}
            return (pd.DataFrame, (data, obj.index, obj.columns))
        return NotImplemented


class CompatPickler(_CompatReducer, pickle.Pickler):
    """A pickler whose output loads under numpy 1.26 / pandas 2.2 as well as numpy 2 / pandas 3."""


class DictStreamWriter:
    """Write one pickled ``dict`` item by item, so memory does not grow with the number of items.

    The file is an ordinary pickle of a dict (``pickle.load`` returns the whole dict) made with the
    :class:`CompatPickler` reductions: ``PROTO 4, EMPTY_DICT, (key value SETITEM)*, STOP`` where each
    key and value is the body of a protocol-3 pickle written without memo (``fast`` mode), so the
    bodies share no memo indices and need no framing. Fine for tree-shaped data (no shared or
    self-referencing objects). Use as a context manager; on an exception the partial file is
    removed and the target left untouched.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._atomic = atomic_path(self.path)
        self._tmp = self._atomic.__enter__()
        self._fh = open(self._tmp, "wb")
        self._fh.write(pickle.PROTO + bytes([4]) + pickle.EMPTY_DICT)
        self.closed = False

    @staticmethod
    def _body(obj: Any) -> bytes:
        buf = io.BytesIO()
        pickler = CompatPickler(buf, protocol=3)
        pickler.fast = True  # no memo: the body is self-contained
        pickler.dump(obj)
        data = buf.getvalue()
        return data[2:-1]  # strip PROTO 3 and STOP

    def add(self, key: Any, value: Any) -> None:
        """Append ``dict[key] = value`` to the file."""
        self._fh.write(self._body(key) + self._body(value) + pickle.SETITEM)

    def close(self) -> Path:
        if not self.closed:
            self.closed = True
            self._fh.write(pickle.STOP)
            self._fh.close()
            self._atomic.__exit__(None, None, None)
        return self.path

    def abort(self, exc: BaseException | None = None) -> None:
        if not self.closed:
            self.closed = True
            self._fh.close()
            err = exc or RuntimeError("aborted")
            try:
                self._atomic.__exit__(type(err), err, err.__traceback__)
            except BaseException:  # atomic_path re-raises after removing the temporary file
                pass

    def __enter__(self) -> "DictStreamWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc is None:
            self.close()
        else:
            self.abort(exc)


def _pandas_if_loaded() -> Any:
    import sys

    return sys.modules.get("pandas")


def dumps(obj: Any) -> bytes:
    """Pickle ``obj`` with :class:`CompatPickler` (highest protocol)."""
    buf = io.BytesIO()
    CompatPickler(buf, protocol=PROTOCOL).dump(obj)
    return buf.getvalue()


def dump_pickle(obj: Any, path: str | Path) -> Path:
    """Write ``obj`` to ``path`` atomically as a numpy-1/pandas-2 compatible pickle."""
    path = Path(path)
    data = dumps(obj)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


class CompatUnpickler(pickle.Unpickler):
    """Loads pickles written under numpy 1 or numpy 2, whichever numpy is installed."""

    def find_class(self, module: str, name: str) -> Any:
        if not _NUMPY2 and (module == "numpy._core" or module.startswith("numpy._core.")):
            module = "numpy.core" + module[len("numpy._core"):]
        return super().find_class(module, name)


def loads(data: bytes) -> Any:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*numpy\.core.*")
        return CompatUnpickler(io.BytesIO(data)).load()


def load_pickle(path: str | Path, what: str = "pickle", fix: str = "") -> Any:
    """Unpickle ``path``; a missing, truncated or non-pickle file raises :class:`FormatError`.

    ``what`` names the expected content in the message (e.g. "assemblies pickle").
    """
    path = Path(path)
    if not path.is_file():
        raise file_error(path, f"no such {what} file", fix or "check the path (and that the previous step ran)")
    try:
        with open(path, "rb") as fh, warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*numpy\.core.*")
            return CompatUnpickler(fh).load()
    except ModuleNotFoundError as err:
        raise file_error(path, f"the {what} needs the Python module {err.name!r}, which is not installed",
                         fix or "install it, or re-create the file with madlc") from err
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError,
            KeyError, UnicodeDecodeError, MemoryError, OverflowError) as err:
        size = path.stat().st_size
        reason = "it is empty" if size == 0 else f"it is not a readable pickle ({type(err).__name__}: {err}; {size} bytes)"
        raise file_error(path, f"cannot read this {what}: {reason}; it is truncated (an interrupted write?) "
                         "or not a pickle",
                         fix or "re-run the step that writes it, or restore it from a backup") from err


def to_builtin(obj: Any) -> Any:
    """Recursively convert numpy scalars/arrays and tuples to plain Python (for YAML writers)."""
    if isinstance(obj, dict):
        return {to_builtin(k): to_builtin(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_builtin(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_builtin(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, bool) or obj is None:
        return obj
    for base in (int, float, str):
        if isinstance(obj, base) and type(obj) is not base:
            return base(obj)
    return obj
