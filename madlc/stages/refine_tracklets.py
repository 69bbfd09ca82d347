"""``refine_tracklets``: the user guide's entry point to tracklet refinement.

It opens the tracklet pickle (or a tracks ``.h5``) as a
:class:`TrackEditor`, drops tracklets shorter than
``min_tracklet_len`` and then either

- hands the editor to the refinement GUI -- the one registered with :func:`set_refine_gui`,
  or with ``gui=True`` the web GUI (:data:`DEFAULT_GUI`); it saves through ``editor.save()`` -- or
- without a GUI, fills gaps of up to ``max_gap`` frames (``0``: all gaps) by interpolation
  with likelihood 0.01 and writes the refined tracks.

Output (FORMATS.md §7.3): the pickle's name with ``.pickle`` -> ``.h5`` (the same path as the
stitched tracks, which is kept as ``.h5.bak``), key ``df_with_missing``, one row per video frame.

:class:`TrackEditor` (here, used by the web GUI too) applies :mod:`madlc.core.refine`'s
operations in place, with an undo stack and a thin load/save::

    ed = TrackEditor.load("videoDLC_..._el.pickle", individuals=["m1", "m2"], nframes=1800)
    ed.drop_short_tracklets(min_tracklet_len=2)
    for s in ed.find_swaps(min_swap_len=2):        # candidate identity swaps, to show the user
        print(s.individual_a, s.individual_b, s.start, s.stop)
    ed.swap("m1", "m2", start=120, stop=200)         # frames 120..199
    ed.fill_gaps(max_gap=0)                          # interpolate every gap, likelihood 0.01
    ed.move_point(frame=130, individual="m1", bodypart="snout", x=10.5, y=20.0)
    ed.undo()
    ed.save()                                        # <stem><DLCSCORER>_el.h5
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Protocol, Sequence

import numpy as np

from madlc.core.refine import (
    SwapCandidate,
    drop_short_runs,
    fill_gaps,
    find_swaps,
    runs,
    visible,
)
from madlc.errors import MadlcError, file_error
from madlc.io.tracks_array import Tracks


class RefineGui(Protocol):
    """What a refinement GUI provides: open an editor on a video; return the saved path or None."""

    def __call__(self, editor: Any, *, config: dict[str, Any], video: Path | None, max_gap: int,
                 min_swap_len: int, trail_len: int) -> str | Path | None: ...


_GUI: RefineGui | None = None
#: the web GUI's launcher, imported when ``refine_tracklets(..., gui=True)`` finds none registered
DEFAULT_GUI = "madlc.webapp.routes_refine:launch_refine_gui"


def set_refine_gui(launcher: RefineGui | None) -> None:
    """Register (or with None, remove) the function ``refine_tracklets`` hands the editor to."""
    global _GUI
    _GUI = launcher


def _default_gui() -> RefineGui:
    import importlib

    module, attr = DEFAULT_GUI.split(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as err:
        raise MadlcError(f"the refinement GUI ({DEFAULT_GUI}) cannot be loaded ({err}). "
                         "What to do: run without gui to fill gaps and save, or reinstall madlc.") from err


def open_editor(config: str | Path | dict[str, Any], pickle_or_h5_file: str | Path,
                videofile_path: str | Path | None = None) -> Any:
    """A TrackEditor on a tracklet pickle or tracks .h5, with the project's names and the video's length."""
    from madlc.project import paths
    from madlc.project.config import load_config

    cfg = load_config(config)
    path = Path(pickle_or_h5_file)
    if not path.exists():
        raise file_error(path, "no such tracklet or tracks file",
                         "pass the <video>DLC_..._el.pickle written by convert_detections2tracklets", MadlcError)
    nframes = None
    if videofile_path and Path(videofile_path).exists():
        from madlc.video.reader import video_info

        nframes = video_info(videofile_path).nframes or None
    return TrackEditor.load(path, individuals=paths.individuals(cfg), nframes=nframes,
                            unique_bodyparts=paths.unique_bodyparts(cfg))


def refine_tracklets(
    config: str | Path,
    pickle_or_h5_file: str | Path,
    videofile_path: str | Path,
    max_gap: int = 0,
    min_swap_len: int = 2,
    min_tracklet_len: int = 2,
    trail_len: int = 50,
    gui: bool = True,
) -> str:
    """Refine tracklets (fix identity swaps, fill gaps) and save them as the video's tracks .h5.

    Tracklets shorter than ``min_tracklet_len`` frames are dropped. Gaps of up to ``max_gap``
    frames are filled by interpolation with likelihood 0.01 (``max_gap=0`` fills every gap; set
    pcutoff to 0 to see them in a labeled video). With the web GUI registered, the editor opens
    there (``min_swap_len`` sets which candidate swaps it lists, ``trail_len`` its trail length);
    By default the browser page opens (served on 127.0.0.1; Ctrl-C stops it); ``gui=False``
    (``--no-gui``) only drops short tracklets, fills gaps and saves. Returns the path of the
    refined ``.h5`` ("" if the GUI was closed without saving).
    """
    from madlc.project.config import load_config

    cfg = load_config(config)
    editor = open_editor(cfg, pickle_or_h5_file, videofile_path)
    editor.drop_short_tracklets(min_tracklet_len)
    launcher = _GUI if _GUI is not None else (_default_gui() if gui else None)
    if launcher is not None:
        saved = launcher(editor, config=cfg, video=Path(videofile_path) if videofile_path else None,
                         max_gap=max_gap, min_swap_len=min_swap_len, trail_len=trail_len)
        if not saved:
            print("The refinement GUI was closed without saving; the tracks were not changed.")
        return str(saved) if saved else ""
    editor.fill_gaps(max_gap)
    return str(editor.save())


class TrackEditor:
    """One video's tracks under refinement: in-place operations with undo, load and save.

    ``tracks.data`` is the edited array. When loaded from a tracklet pickle, ``tracklets``
    holds each tracklet's frames and points and ``owner[frame, individual]`` says which
    tracklet a track's point came from (-1: none / edited).
    """

    def __init__(self, tracks: Tracks, tracklets: dict[int, dict[int, np.ndarray]] | None = None,
                 placed: dict[int, int] | None = None, source: str | Path | None = None, max_undo: int = 20):
        self.tracks = tracks
        self.source = Path(source) if source else None
        self.tracklets = tracklets or {}
        self.owner = np.full((tracks.n_frames, len(tracks.individuals)), -1, dtype=np.int64)
        known = set(tracks.frames.tolist())
        for tid, ind in (placed or {}).items():
            rows = [tracks.row(f) for f in self.tracklets.get(tid, {}) if f in known]
            self.owner[rows, ind] = tid
        self._undo: list[tuple[Any, np.ndarray, np.ndarray]] = []
        self.max_undo = max_undo

    # -- loading and saving
    @classmethod
    def load(cls, path: str | Path, individuals: Sequence[str] | None = None, nframes: int | None = None,
             unique_bodyparts: Sequence[str] | None = None) -> "TrackEditor":
        """Open a tracks ``.h5`` or a tracklet ``.pickle`` (tracklets placed on ``individuals``)."""
        from madlc.io.tracks_array import load_tracks, read_tracklets_dict, tracks_from_tracklets

        path = Path(path)
        if path.suffix == ".pickle":
            raw = read_tracklets_dict(path)
            ids = [k for k in raw if isinstance(k, (int, np.integer))]
            names = list(individuals) if individuals else [f"ind{k + 1}" for k in range(max(1, len(ids)))]
            tracks, placed = tracks_from_tracklets(raw, names, nframes, list(unique_bodyparts or []))
            n_multi = len(tracks.multi_bodyparts)
            tracklets = {int(k): {int(f): np.asarray(v)[:n_multi, :3] for f, v in raw[k].items()} for k in ids}
            return cls(tracks, tracklets, placed, source=path)
        tracks = load_tracks(path)
        if nframes:
            tracks = tracks.reindexed(int(nframes))
        return cls(tracks, source=path)

    def default_output(self) -> Path:
        """Where :meth:`save` writes by default: the source with ``.pickle`` -> ``.h5`` (FORMATS.md §7.3)."""
        if self.source is None:
            raise ValueError("these tracks were not loaded from a file; pass a path to save()")
        return self.source.with_suffix(".h5")

    def save(self, path: str | Path | None = None, save_as_csv: bool = False, keep_backup: bool = True) -> Path:
        """Write the tracks (key ``df_with_missing``); an overwritten file is kept as ``.bak``."""
        from madlc.io.atomic import backup
        from madlc.io.tracks_array import save_tracks

        target = Path(path) if path else self.default_output()
        if keep_backup and target.exists():
            backup(target)
        return save_tracks(self.tracks, target, save_as_csv)

    # -- undo
    def _checkpoint(self, rows: slice | np.ndarray | None = None) -> None:
        """Remember the rows an operation is about to change (all rows if None)."""
        rows = slice(None) if rows is None else rows
        self._undo.append((rows, self.tracks.data[rows].copy(), self.owner[rows].copy()))
        if len(self._undo) > self.max_undo:
            self._undo.pop(0)

    @property
    def undo_depth(self) -> int:
        """How many operations :meth:`undo` can still revert."""
        return len(self._undo)

    def undo(self) -> bool:
        """Revert the last operation; False if there is nothing to undo."""
        if not self._undo:
            return False
        rows, data, owner = self._undo.pop()
        self.tracks.data[rows] = data
        self.owner[rows] = owner
        return True

    # -- helpers
    @property
    def data(self) -> np.ndarray:
        return self.tracks.data

    def _rows(self, start: int | None, stop: int | None) -> slice:
        frames = self.tracks.frames
        lo = 0 if start is None else int(np.searchsorted(frames, start, "left"))
        hi = len(frames) if stop is None else int(np.searchsorted(frames, stop, "left"))
        return slice(lo, hi)

    def _frame_rows(self, frames: int | Iterable[int]) -> np.ndarray:
        frames = [frames] if isinstance(frames, (int, np.integer)) else list(frames)
        return np.array([self.tracks.row(int(f)) for f in frames], dtype=int)

    # -- operations
    def swap(self, individual_a: str | int, individual_b: str | int, start: int = 0, stop: int | None = None) -> None:
        """Exchange two individuals on frames ``start..stop-1`` (the same call again restores them)."""
        a, b = self.tracks.ind(individual_a), self.tracks.ind(individual_b)
        if a == b:
            return
        rows = self._rows(start, stop)
        self._checkpoint(rows)
        self.tracks.data[rows, [a, b]] = self.tracks.data[rows, [b, a]]
        self.owner[rows, [a, b]] = self.owner[rows, [b, a]]

    def reassign_tracklet(self, tracklet: int, individual: str | int) -> None:
        """Give a tracklet (from the pickle) to ``individual`` on all its frames.

        If the tracklet sat on another individual, the two exchange their points on those
        frames (nothing is lost); otherwise the target's points there are replaced.
        """
        if tracklet not in self.tracklets:
            raise KeyError(f"no tracklet {tracklet}; known tracklets: {sorted(self.tracklets)}")
        target = self.tracks.ind(individual)
        pts = self.tracklets[tracklet]
        known = set(self.tracks.frames.tolist())
        frames = sorted(f for f in pts if f in known)
        rows = self._frame_rows(frames)
        self._checkpoint(rows)
        holders = {int(k) for k in np.unique(np.nonzero(self.owner[rows] == tracklet)[1])}
        for h in holders - {target}:
            mine = rows[self.owner[rows, h] == tracklet]
            self.tracks.data[np.ix_(mine, [h, target])] = self.tracks.data[np.ix_(mine, [target, h])]
            self.owner[np.ix_(mine, [h, target])] = self.owner[np.ix_(mine, [target, h])]
        free = rows[self.owner[rows, target] != tracklet]
        if free.size:
            n_multi = len(self.tracks.multi_bodyparts)
            block = np.stack([pts[int(f)] for f in self.tracks.frames[free]])
            self.tracks.data[free, target] = np.nan
            self.tracks.data[free[:, None], target, np.arange(n_multi)[None, :]] = block
            self.owner[free, target] = tracklet

    def delete_points(self, individual: str | int, frames: int | Iterable[int],
                      bodyparts: Sequence[str | int] | None = None) -> None:
        """Remove points of ``individual`` on ``frames`` (all body parts unless given)."""
        i = self.tracks.ind(individual)
        rows = self._frame_rows(frames)
        bpts = range(len(self.tracks.bodyparts)) if bodyparts is None else [self.tracks.bpt(b) for b in bodyparts]
        self._checkpoint(rows)
        self.tracks.data[rows[:, None], i, np.array(list(bpts))[None, :]] = np.nan
        if bodyparts is None:
            self.owner[rows, i] = -1

    def move_point(self, frame: int, individual: str | int, bodypart: str | int, x: float, y: float,
                   likelihood: float = 1.0) -> None:
        """Place one point (a human correction gets likelihood 1 by default)."""
        row, i, b = self.tracks.row(int(frame)), self.tracks.ind(individual), self.tracks.bpt(bodypart)
        self._checkpoint(np.array([row]))
        self.tracks.data[row, i, b] = (float(x), float(y), float(likelihood))

    def fill_gaps(self, max_gap: int = 0) -> int:
        """Interpolate gaps up to ``max_gap`` frames (0: all) with likelihood 0.01; returns points filled."""
        self._checkpoint()
        self.tracks.data, filled = fill_gaps(self.tracks.data, max_gap)
        return int(filled.sum())

    def drop_short_tracklets(self, min_tracklet_len: int = 2) -> int:
        """Delete stretches (and pickle tracklets) shorter than ``min_tracklet_len`` frames; returns how many.

        ``single`` (unique body parts) is not a tracklet and is kept.
        """
        self._checkpoint()
        short = [k for k, v in self.tracklets.items() if len(v) < min_tracklet_len]
        for k in short:  # a short pickle tracklet goes even where it touches another one
            rows, cols = np.nonzero(self.owner == k)
            self.tracks.data[rows, cols] = np.nan
            self.owner[rows, cols] = -1
            del self.tracklets[k]
        single = [k for k, name in enumerate(self.tracks.individuals) if name == "single"]
        self.tracks.data, dropped = drop_short_runs(self.tracks.data, int(min_tracklet_len), skip=single)
        self.owner[np.all(np.isnan(self.tracks.data[..., 0]), axis=2)] = -1
        return dropped + len(short)

    def find_swaps(self, min_swap_len: int = 2) -> list[SwapCandidate]:
        """Candidate identity swaps (see :func:`find_swaps`), in video frame numbers."""
        found = find_swaps(self.tracks.data, self.tracks.individuals, min_swap_len)
        fr = self.tracks.frames
        return [SwapCandidate(s.individual_a, s.individual_b, int(fr[s.start]),
                              int(fr[s.stop - 1]) + 1, s.a, s.b) for s in found]

    def tracklet_segments(self) -> dict[str, list[tuple[int, int]]]:
        """Per individual, the ``[start, stop)`` frame stretches where it is visible (for display)."""
        vis = visible(self.tracks.data)
        fr = self.tracks.frames
        return {name: [(int(fr[s]), int(fr[e - 1]) + 1) for s, e in runs(vis[:, i])]
                for i, name in enumerate(self.tracks.individuals)}

    def summary(self) -> dict[str, Any]:
        """Counts for a status line: frames, individuals, tracklets, visible fraction per individual."""
        vis = visible(self.tracks.data)
        return {"frames": self.tracks.n_frames, "individuals": list(self.tracks.individuals),
                "tracklets": len(self.tracklets),
                "visible": {n: float(vis[:, i].mean()) if len(vis) else 0.0 for i, n in enumerate(self.tracks.individuals)}}
