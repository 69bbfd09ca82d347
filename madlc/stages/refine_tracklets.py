"""``refine_tracklets``: the user guide's entry point to tracklet refinement.

It opens the tracklet pickle (or a tracks ``.h5``) as a
:class:`~madlc.core.refine.TrackEditor`, drops tracklets shorter than
``min_tracklet_len`` and then either

- hands the editor to the refinement GUI -- the one registered with :func:`set_refine_gui`,
  or with ``gui=True`` the web GUI (:data:`DEFAULT_GUI`); it saves through ``editor.save()`` -- or
- without a GUI, fills gaps of up to ``max_gap`` frames (``0``: all gaps) by interpolation
  with likelihood 0.01 and writes the refined tracks.

Output (FORMATS.md §7.3): the pickle's name with ``.pickle`` -> ``.h5`` (the same path as the
stitched tracks, which is kept as ``.h5.bak``), key ``df_with_missing``, one row per video frame.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from madlc.errors import MadlcError, file_error


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
    from madlc.core.refine import TrackEditor
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
