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

import base64
import html
import io
import json
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

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


# ---------------------------------------------------------------------------------- plotting
def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    _plt().close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float = 7.0, height: float = 3.2):
    fig, ax = _plt().subplots(figsize=(width, height))
    ax.grid(alpha=0.3)
    return fig, ax


# ---------------------------------------------------------------------------------- sections
def labels_section(cfg: dict[str, Any], root: Path) -> Section:
    """Labeled points per body part, one bar per video."""
    from madlc.io.labels import read_labels

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
    table = pd.DataFrame(counts).fillna(0)
    fig, ax = _figure(7.5, 3.4)
    width = 0.8 / max(1, table.shape[1])
    x = np.arange(len(table))
    for k, video in enumerate(table.columns):
        ax.bar(x + k * width, table[video].to_numpy(), width, label=f"{video} ({frames[video]} frames)")
    ax.set_xticks(x + width * (table.shape[1] - 1) / 2, table.index, rotation=30, ha="right")
    ax.set_ylabel("labeled points")
    ax.legend(fontsize=8)
    section.figures.append(Figure("Labeled points per body part and video", _png(fig),
                                  "Body parts with few labels are learned worst; label them where visible."))
    return section


def _model_folders(root: Path, shuffle: int) -> list[Path]:
    return sorted(p for p in root.glob(f"dlc-models-pytorch/iteration-*/*shuffle{shuffle}") if p.is_dir())


def training_section(root: Path, shuffle: int) -> Section:
    """Learning curves (every loss column of learning_stats.csv against the step)."""
    section = Section("Training")
    for folder in _model_folders(root, shuffle):
        stats = folder / "train" / "learning_stats.csv"
        if not stats.exists():
            continue
        df = pd.read_csv(stats)
        if df.empty or "step" not in df:
            continue
        fig, ax = _figure()
        for col in [c for c in df.columns if c not in ("step", "epoch", "lr") and df[c].notna().any()]:
            ax.plot(df["step"], df[col], label=col, lw=2 if col == "loss" else 1, marker="o" if len(df) < 20 else None)
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.legend(fontsize=8)
        section.figures.append(Figure(f"Learning curve · {folder.parent.name}/{folder.name}", _png(fig),
                                      f"{len(df)} rows, last step {int(df['step'].iloc[-1])}, "
                                      f"last loss {float(df['loss'].iloc[-1]):.4g}."))
    if not section.figures:
        section.notes.append("No training yet (learning_stats.csv not found): run the `train` target.")
    return section


def _paf_graph_figure(pose_cfg: Path) -> Figure | None:
    from madlc.io import read_pose_cfg

    pose = read_pose_cfg(pose_cfg)
    graph = [tuple(int(v) for v in e) for e in pose.get("partaffinityfield_graph") or []]
    names = [str(n) for n in pose.get("all_joints_names") or []]
    if not graph or not names:
        return None
    kept = set(int(e) for e in pose.get("paf_best") or range(len(graph)))
    angle = np.linspace(0, 2 * np.pi, len(names), endpoint=False)
    xy = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    fig, ax = _plt().subplots(figsize=(4.2, 4.2))
    for k, (a, b) in enumerate(graph):
        if a < len(names) and b < len(names):
            on = k in kept
            ax.plot(*xy[[a, b]].T, color="#1f6feb" if on else "#c8ccd2", lw=2.5 if on else 0.8, zorder=2 if on else 1)
    ax.scatter(*xy.T, s=60, color="#14181f", zorder=3)
    for (x, y), name in zip(xy, names):
        ax.annotate(name, (x, y), xytext=(x * 1.15, y * 1.15), ha="center", va="center", fontsize=8)
    ax.set_xlim(-1.8, 1.8)
    ax.set_ylim(-1.5, 1.5)
    ax.axis("off")
    return Figure("Kept PAF graph", _png(fig), f"{len(kept)} of {len(graph)} candidate limbs kept (blue).")


def evaluation_section(root: Path, shuffle: int) -> Section:
    """Pixel error per body part (train/test), OKS-mAP per snapshot, the kept PAF graph."""
    section = Section("Evaluation")
    for folder in sorted(root.glob(f"evaluation-results-pytorch/iteration-*/*shuffle{shuffle}")):
        for path in sorted(folder.glob("*-keypoint-results.csv")):
            df = pd.read_csv(path, index_col=0)
            rows = [r for r in ("Train error (px)", "Test error (px)") if r in df.index]
            if not rows:
                continue
            fig, ax = _figure()
            x = np.arange(df.shape[1])
            for k, row in enumerate(rows):
                ax.bar(x + 0.4 * k, pd.to_numeric(df.loc[row], errors="coerce").to_numpy(), 0.4, label=row)
            ax.set_xticks(x + 0.2, df.columns, rotation=30, ha="right")
            ax.set_ylabel("mean error (px)")
            ax.legend(fontsize=8)
            scorer = path.name[: -len("-keypoint-results.csv")]
            section.figures.append(Figure(f"Pixel error per body part · {scorer}", _png(fig),
                                          "Matched animals' keypoint error; a test error far above train means overfitting."))
        results = [pd.read_csv(p) for p in sorted(folder.glob("*-results.csv")) if not p.name.endswith("keypoint-results.csv")]
        results = [r for r in results if "Training epochs" in r]
        if results:
            df = pd.concat(results).sort_values("Training epochs")
            fig, ax = _figure(5.5, 3.0)
            for split in ("train", "test"):
                if f"{split} mAP" in df:
                    ax.plot(df["Training epochs"], df[f"{split} mAP"], "o-", label=f"{split} OKS-mAP")
            ax.set_xlabel("training epochs (snapshot)")
            ax.set_ylabel("OKS-mAP (%)")
            ax.set_ylim(0, 100)
            ax.legend(fontsize=8)
            section.figures.append(Figure(f"OKS-mAP of the animals · {folder.name}", _png(fig)))
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


def video_section(cfg: dict[str, Any], root: Path, tracks_path: Path) -> Section:
    """Detections, animals per frame, coverage and swaps, trajectories, labeled videos, tracking metrics."""
    from madlc.core.refine import find_swaps
    from madlc.io.tracks_array import load_tracks

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
    frames = np.arange(data.shape[0])

    full = next(iter(sorted(tracks_path.parent.glob(f"{stem}DLC*_full.pickle"))), None)
    detections = _detections_per_frame(full, float(cfg.get("pcutoff", 0.6))) if full else None
    fig, ax = _figure(7.5, 2.8)
    if detections is not None:
        ax2 = ax.twinx()
        ax2.plot(np.arange(len(detections)), detections, color="#9aa3b2", lw=0.8, label="detections")
        ax2.set_ylabel("keypoint detections", color="#667085")
    ax.step(frames, visible[:, [i for i, n in enumerate(inds) if n != "single"]].sum(axis=1), where="mid",
            color="#1f6feb", label="animals tracked")
    ax.axhline(len(cfg.get("individuals") or inds), color="#c62828", lw=0.8, ls="--", label="individuals in config")
    ax.set_xlabel("frame")
    ax.set_ylabel("animals")
    ax.legend(fontsize=8, loc="lower right")
    section.figures.append(Figure("Animals per frame" + (" and keypoint detections" if detections is not None else ""),
                                  _png(fig), "Dips below the dashed line: animals lost by the tracker."
                                  + ("" if detections is not None else " (No _full.pickle: detections not shown.)")))

    swaps = find_swaps(data, inds)
    fig, ax = _figure(7.5, 0.5 + 0.35 * len(inds))
    cover = seen.mean(axis=2).T  # (individuals, frames) fraction of parts seen
    ax.imshow(cover, aspect="auto", cmap="Blues", vmin=0, vmax=1, interpolation="nearest",
              extent=(-0.5, data.shape[0] - 0.5, len(inds) - 0.5, -0.5))
    ax.set_yticks(range(len(inds)), [f"{n} ({100 * visible[:, i].mean():.0f}%)" for i, n in enumerate(inds)])
    for s in swaps:
        for name in (s.individual_a, s.individual_b):
            row = inds.index(name)
            ax.plot([s.start, max(s.start, s.stop - 1)], [row, row], color="#c62828", lw=3)
    ax.set_xlabel("frame")
    ax.grid(False)
    section.figures.append(Figure("Track coverage and candidate identity swaps", _png(fig),
                                  f"Dark = all parts tracked; red = {len(swaps)} candidate swap(s) to check on the "
                                  "Refine page."))

    fig, ax = _plt().subplots(figsize=(5.5, 4.2))
    colors = _plt().get_cmap("tab10")
    for i, name in enumerate(inds):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # frames where the animal is not seen: NaN
            centre = np.nanmean(np.where(seen[:, i, :, None], data[:, i, :, :2], np.nan), axis=1)
        if np.isfinite(centre).any():
            ax.plot(centre[:, 0], centre[:, 1], lw=1, color=colors(i % 10), label=name)
    ax.invert_yaxis()
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x (px)")
    ax.set_ylabel("y (px)")
    ax.legend(fontsize=8)
    section.figures.append(Figure("Trajectories (mean of each animal's parts)", _png(fig)))

    metrics_path = tracks_path.with_name(tracks_path.stem + "_tracking_metrics.json")
    if metrics_path.exists():
        metrics = json.loads(metrics_path.read_text())
        fractions = {k: float(metrics[k]) for k in FRACTION_METRICS if isinstance(metrics.get(k), (int, float))}
        if isinstance(metrics.get("coverage"), list) and metrics["coverage"]:
            fractions["coverage"] = float(np.mean(metrics["coverage"]))
        if fractions:
            fig, ax = _figure(6.0, 2.8)
            ax.bar(list(fractions), list(fractions.values()), color="#1a7f37")
            ax.set_ylim(min(0.0, min(fractions.values())), 1)
            counts = ", ".join(f"{k.replace('num_', '').replace('_', ' ')} {metrics[k]}" for k in COUNT_METRICS if k in metrics)
            section.figures.append(Figure("Tracking metrics against ground truth", _png(fig),
                                          f"{counts} (ground truth: {metrics.get('ground_truth', '?')})."))
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
