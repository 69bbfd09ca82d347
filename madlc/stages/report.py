"""``report``: one page per project with what a lab checks before trusting its results.

Written as a static, self-contained ``<project>/report.html`` (every plot an embedded PNG) by
``madlc.report(config)``, ``madlc report CONFIG`` and the pipeline target ``report``; the GUI's
Report page shows the same sections. Each section is drawn from the files the pipeline wrote,
and says what is missing when a stage has not run yet:

- labels per video and body part (``labeled-data/*/CollectedData_<scorer>.h5``);
- learning curves (``dlc-models-pytorch/.../train/learning_stats.csv``);
- train/test pixel error per body part, OKS-mAP per snapshot, and the kept PAF graph
  (``evaluation-results-pytorch/...`` and the model's ``test/pose_cfg.yaml``);
- per video (the stitched tracks ``videos/<stem>DLC..._<method>.h5``): detections per frame
  (``_full.pickle``), animals per frame, track coverage with candidate identity swaps,
  trajectories, links to the labeled videos, and tracking metrics where ground truth was scored
  (``<tracks stem>_tracking_metrics.json``).
"""
from __future__ import annotations

import html
import json
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from madlc.project.config import config_pcutoff

TRACK_SUFFIXES = ("_el", "_bx", "_sk")
#: tracking metrics drawn as bars (fractions) and named in the caption (counts)
FRACTION_METRICS = ("mota", "idf1", "idp", "idr", "precision", "recall")
COUNT_METRICS = ("num_switches", "num_fragmentations", "num_misses", "num_false_positives")


@dataclass
class Figure:
    title: str
    png: str  # base64 PNG
    caption: str = ""


@dataclass
class Section:
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, href relative to the project)


# ---------------------------------------------------------------------------------- sections
def labels_section(cfg: dict[str, Any], root: Path) -> Section:
    """Labeled points per body part, one bar per video."""
    from madlc.io.labels import read_labels
    from madlc.viz import report as plots

    section = Section("Labels")
    counts: dict[str, pd.Series] = {}
    frames: dict[str, int] = {}
    for h5 in sorted((root / "labeled-data").glob(f"*/CollectedData_{cfg['scorer']}.h5")):
        if h5.parent.name.endswith("_labeled"):
            continue
        df = read_labels(h5)
        xs = df.loc[:, [c for c in df.columns if c[-1] == "x"]]
        parts = [c[-2] for c in xs.columns]
        counts[h5.parent.name] = xs.notna().sum(axis=0).groupby(parts, sort=False).sum()
        frames[h5.parent.name] = int(xs.notna().any(axis=1).sum())
    if not counts:
        section.notes.append("No labels yet: extract frames and label them (Label page or `madlc label-frames`).")
        return section
    section.figures.append(Figure("Labeled points per body part and video",
                                  plots.labels_per_part(pd.DataFrame(counts).fillna(0), frames),
                                  "Body parts with few labels are learned worst; label them where visible."))
    return section


def _model_folders(root: Path, shuffle: int) -> list[Path]:
    return sorted(p for p in root.glob(f"dlc-models-pytorch/iteration-*/*shuffle{shuffle}") if p.is_dir())


def training_section(root: Path, shuffle: int) -> Section:
    """Learning curves (every loss column of learning_stats.csv against the step)."""
    from madlc.viz import report as plots

    section = Section("Training")
    for folder in _model_folders(root, shuffle):
        stats = folder / "train" / "learning_stats.csv"
        if not stats.exists():
            continue
        df = pd.read_csv(stats)
        if df.empty or "step" not in df:
            continue
        section.figures.append(Figure(f"Learning curve · {folder.parent.name}/{folder.name}", plots.learning_curve(df),
                                      f"{len(df)} rows (one per train.display_iters steps), last step "
                                      f"{int(df['step'].iloc[-1])}, last loss {float(df['loss'].iloc[-1]):.4g}."))
    if not section.figures:
        section.notes.append("No training yet (learning_stats.csv not found): run the `train` target.")
    return section


def _paf_graph_figure(pose_cfg: Path) -> Figure | None:
    from madlc.io import read_pose_cfg
    from madlc.viz import report as plots

    pose = read_pose_cfg(pose_cfg)
    graph = [(int(e[0]), int(e[1])) for e in pose.get("partaffinityfield_graph") or []]
    names = [str(n) for n in pose.get("all_joints_names") or []]
    if not graph or not names:
        return None
    kept = set(int(e) for e in pose.get("paf_best") or range(len(graph)))
    return Figure("Kept PAF graph", plots.paf_graph(names, graph, kept),
                  f"{len(kept)} of {len(graph)} candidate limbs kept (blue).")


def evaluation_section(root: Path, shuffle: int) -> Section:
    """Pixel error per body part (train/test), OKS-mAP per snapshot, the kept PAF graph."""
    from madlc.viz import report as plots

    section = Section("Evaluation")
    for folder in sorted(root.glob(f"evaluation-results-pytorch/iteration-*/*shuffle{shuffle}")):
        for path in sorted(folder.glob("*-keypoint-results.csv")):
            df = pd.read_csv(path, index_col=0)
            rows = [r for r in ("Train error (px)", "Test error (px)") if r in df.index]
            if rows:
                scorer = path.name[: -len("-keypoint-results.csv")]
                section.figures.append(Figure(f"Pixel error per body part · {scorer}", plots.error_per_part(df.loc[rows]),
                                              "Matched animals' keypoint error; a test error far above train means "
                                              "overfitting."))
        results = [pd.read_csv(p) for p in sorted(folder.glob("*-results.csv")) if not p.name.endswith("keypoint-results.csv")]
        results = [r for r in results if "Training epochs" in r]
        if results:
            df = pd.concat(results).sort_values("Training epochs")
            maps = {split: df[f"{split} mAP"].to_numpy() for split in ("train", "test") if f"{split} mAP" in df}
            section.figures.append(Figure(f"OKS-mAP of the animals · {folder.name}",
                                          plots.map_per_snapshot(df["Training epochs"].to_numpy(), maps)))
    for folder in _model_folders(root, shuffle):
        pose_cfg = folder / "test" / "pose_cfg.yaml"
        if pose_cfg.exists():
            fig = _paf_graph_figure(pose_cfg)
            if fig is not None:
                section.figures.append(fig)
    if not section.figures:
        section.notes.append("No evaluation yet: run the `evaluate` target.")
    return section


def _tracks_files(root: Path) -> list[Path]:
    vdir = root / "videos"
    if not vdir.is_dir():
        return []
    return sorted(p for p in vdir.glob("*.h5") if p.stem.endswith(TRACK_SUFFIXES))


def _detections_per_frame(full_pickle: Path, pcutoff: float) -> np.ndarray | None:
    from madlc.io.full_pickle import frame_indices, get_frame, read_full_pickle

    data = read_full_pickle(full_pickle)
    counts = []
    for index in frame_indices(data):
        frame = get_frame(data, index) or {}
        conf = frame.get("confidence") or []
        counts.append(sum(int(np.sum(np.asarray(c, dtype=float).ravel() >= pcutoff)) for c in conf))
    return np.asarray(counts) if counts else None


def _tracking_metrics_figure(metrics_path: Path) -> Figure | None:
    from madlc.viz import report as plots

    metrics = json.loads(metrics_path.read_text())
    fractions = {k: float(metrics[k]) for k in FRACTION_METRICS if isinstance(metrics.get(k), (int, float))}
    if isinstance(metrics.get("coverage"), list) and metrics["coverage"]:
        fractions["coverage"] = float(np.mean(metrics["coverage"]))
    if not fractions:
        return None
    counts = ", ".join(f"{k.replace('num_', '').replace('_', ' ')} {metrics[k]}" for k in COUNT_METRICS if k in metrics)
    return Figure("Tracking metrics against ground truth", plots.metric_bars(fractions),
                  f"{counts} (ground truth: {metrics.get('ground_truth', '?')}).")


def video_section(cfg: dict[str, Any], root: Path, tracks_path: Path) -> Section:
    """Detections, animals per frame, coverage and swaps, trajectories, labeled videos, tracking metrics."""
    from madlc.core.refine import find_swaps
    from madlc.io.tracks_array import load_tracks
    from madlc.viz import report as plots

    tracks = load_tracks(tracks_path)
    data = np.asarray(tracks.data, dtype=float)  # (frames, individuals, bodyparts, 3)
    inds = list(tracks.individuals)
    stem = tracks_path.name.split("DLC")[0]
    section = Section(f"Video {stem}")
    if data.shape[0] == 0:
        section.notes.append(f"{tracks_path.name} holds no frames (0 rows): the tracker kept nothing. Check "
                             "pcutoff and the detections below, or re-run tracking.")
        return section
    seen = ~np.isnan(data[..., 0])
    if data.shape[-1] > 2:
        seen &= ~(data[..., 2] <= 0)
    visible = seen.any(axis=2)  # (frames, individuals)

    full = next(iter(sorted(tracks_path.parent.glob(f"{stem}DLC*_full.pickle"))), None)
    detections = _detections_per_frame(full, config_pcutoff(cfg)) if full else None
    animals = visible[:, [i for i, n in enumerate(inds) if n != "single"]].sum(axis=1)
    section.figures.append(Figure(
        "Animals per frame" + (" and keypoint detections" if detections is not None else ""),
        plots.animals_per_frame(animals, len(cfg.get("individuals") or inds), detections),
        "Dips below the dashed line: animals lost by the tracker."
        + ("" if detections is not None else " (No _full.pickle: detections not shown.)")))

    swaps = find_swaps(data, inds)
    marks = [(inds.index(name), s.start, s.stop) for s in swaps for name in (s.individual_a, s.individual_b)]
    labels = [f"{n} ({100 * visible[:, i].mean():.0f}%)" for i, n in enumerate(inds)]
    section.figures.append(Figure("Track coverage and candidate identity swaps",
                                  plots.coverage_timeline(seen.mean(axis=2).T, labels, marks),
                                  f"Dark = all parts tracked; red = {len(swaps)} candidate swap(s) to check on the "
                                  "Refine page."))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames where an animal is not seen: NaN
        centres = {n: np.nanmean(np.where(seen[:, i, :, None], data[:, i, :, :2], np.nan), axis=1)
                   for i, n in enumerate(inds)}
    centres = {n: xy for n, xy in centres.items() if np.isfinite(xy).any()}
    if centres:
        section.figures.append(Figure("Trajectories (mean of each animal's parts)", plots.trajectories(centres)))

    metrics_path = tracks_path.with_name(tracks_path.stem + "_tracking_metrics.json")
    if metrics_path.exists():
        fig = _tracking_metrics_figure(metrics_path)
        if fig is not None:
            section.figures.append(fig)
    for video in sorted(tracks_path.parent.glob(f"{stem}DLC*labeled*.mp4")):
        section.links.append((f"labeled video {video.name}", video.relative_to(root).as_posix()))
    return section


def build_sections(config: str | Path, shuffle: int = 1) -> tuple[dict[str, Any], list[Section]]:
    """The report's content: (config, sections)."""
    from madlc.project.config import load_config

    cfg = load_config(config)
    root = Path(cfg["project_path"])
    sections = [labels_section(cfg, root), training_section(root, shuffle), evaluation_section(root, shuffle)]
    tracks = _tracks_files(root)
    sections += [video_section(cfg, root, path) for path in tracks]
    if not tracks:
        sections.append(Section("Videos", notes=["No tracks yet: run the `track` target (or `all`)."]))
    return cfg, sections


def render_body(sections: Sequence[Section], link_prefix: str = "") -> str:
    """The sections as HTML (no <html>/<head>): used by report.html and the GUI's Report page."""
    out = []
    for s in sections:
        out.append(f'<section class="report-section"><h2>{html.escape(s.title)}</h2>')
        out += [f'<p class="note">{html.escape(n)}</p>' for n in s.notes]
        for f in s.figures:
            out.append(f'<figure><figcaption><b>{html.escape(f.title)}</b></figcaption>'
                       f'<img alt="{html.escape(f.title)}" src="data:image/png;base64,{f.png}">'
                       + (f'<p class="caption">{html.escape(f.caption)}</p>' if f.caption else "") + "</figure>")
        if s.links:
            out.append("<ul>" + "".join(f'<li><a href="{html.escape(link_prefix + href)}">{html.escape(text)}</a></li>'
                                        for text, href in s.links) + "</ul>")
        out.append("</section>")
    return "\n".join(out)


STYLE = """body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1d2330;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #d9dde3;padding-bottom:4px;margin-top:28px}
figure{display:inline-block;margin:8px 14px 8px 0;vertical-align:top;max-width:100%}
figure img{max-width:100%;border:1px solid #eef0f3}figcaption{font-size:13px;margin-bottom:4px}
.caption,.note{font-size:12px;color:#667085;max-width:640px}.note{color:#8a4b00}"""


def render_page(cfg: dict[str, Any], sections: Sequence[Section]) -> str:
    title = f"madlc report · {cfg.get('Task')} ({cfg.get('scorer')}, {cfg.get('date')})"
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class=\"caption\">{html.escape(str(cfg.get('project_path')))} · written {time.strftime('%Y-%m-%d %H:%M')}</p>"
            f"{render_body(sections)}</body></html>\n")


def report(config: str, shuffle: int = 1, output: str | None = None) -> str:
    """Write the project report: a static, self-contained ``<project>/report.html`` of plots.

    Labels per video and body part; learning curves; train/test error per body part, OKS-mAP
    and the kept PAF graph; per video: animals and detections per frame, track coverage with
    candidate identity swaps, trajectories, links to labeled videos, and tracking metrics
    where ground truth was scored. ``output``: another file name for the page. Returns its path.
    """
    from madlc.io.atomic import atomic_path

    cfg, sections = build_sections(config, shuffle)
    path = Path(output) if output else Path(cfg["project_path"]) / "report.html"
    with atomic_path(path) as tmp:
        Path(tmp).write_text(render_page(cfg, sections), encoding="utf-8")
    n = sum(len(s.figures) for s in sections)
    print(f"report: {path} ({n} plots, {os.path.getsize(path) // 1024} kB)")
    return str(path)
