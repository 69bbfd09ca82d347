"""The project report's plots (``madlc.report``): arrays and tables in, a base64 PNG out.

Nothing here reads or writes files; :mod:`madlc.stages.report` gathers the numbers and lays the
plots out as HTML. Figures use matplotlib's Agg canvas (no window, no global pyplot state).
"""
from __future__ import annotations

import base64
import io
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

BLUE, GREY, RED, GREEN = "#1f6feb", "#c8ccd2", "#c62828", "#1a7f37"


def _figure(width: float = 7.0, height: float = 3.2, grid: bool = True):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(111)
    if grid:
        ax.grid(alpha=0.3)
    return fig, ax


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _colors(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def labels_per_part(counts: pd.DataFrame, frames: Mapping[str, int]) -> str:
    """Grouped bars: labeled points (rows: body parts) per video (columns); legend with labeled frames."""
    fig, ax = _figure(7.5, 3.4)
    width = 0.8 / max(1, counts.shape[1])
    x = np.arange(len(counts))
    for k, video in enumerate(counts.columns):
        ax.bar(x + k * width, counts[video].to_numpy(), width, label=f"{video} ({frames.get(video, 0)} frames)")
    ax.set_xticks(x + width * (counts.shape[1] - 1) / 2, counts.index, rotation=30, ha="right")
    ax.set_ylabel("labeled points")
    ax.legend(fontsize=8)
    return _png(fig)


def learning_curve(stats: pd.DataFrame) -> str:
    """Every loss column of a learning_stats table against ``step`` (log scale)."""
    fig, ax = _figure()
    for col in [c for c in stats.columns if c not in ("step", "epoch", "lr") and stats[c].notna().any()]:
        ax.plot(stats["step"], stats[col], label=col, lw=2 if col == "loss" else 1, marker="o" if len(stats) < 20 else None)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    return _png(fig)


def error_per_part(errors: pd.DataFrame) -> str:
    """Bars per body part (columns), one per row (e.g. 'Train error (px)', 'Test error (px)')."""
    fig, ax = _figure()
    x = np.arange(errors.shape[1])
    width = 0.8 / max(1, len(errors))
    for k, row in enumerate(errors.index):
        ax.bar(x + width * k, pd.to_numeric(errors.loc[row], errors="coerce").to_numpy(), width, label=row)
    ax.set_xticks(x + width * (len(errors) - 1) / 2, errors.columns, rotation=30, ha="right")
    ax.set_ylabel("mean error (px)")
    ax.legend(fontsize=8)
    return _png(fig)


def map_per_snapshot(epochs: Sequence[float], maps: Mapping[str, Sequence[float]]) -> str:
    """OKS-mAP (%) of each split against the snapshot's training epochs."""
    fig, ax = _figure(5.5, 3.0)
    for split, values in maps.items():
        ax.plot(epochs, values, "o-", label=f"{split} OKS-mAP")
    ax.set_xlabel("training epochs (snapshot)")
    ax.set_ylabel("OKS-mAP (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    return _png(fig)


def paf_graph(names: Sequence[str], graph: Sequence[tuple[int, int]], kept: set[int]) -> str:
    """Body parts on a circle; candidate limbs grey, kept limbs blue."""
    fig, ax = _figure(4.2, 4.2, grid=False)
    angle = np.linspace(0, 2 * np.pi, len(names), endpoint=False)
    xy = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    for k, (a, b) in enumerate(graph):
        if a < len(names) and b < len(names):
            on = k in kept
            ax.plot(*xy[[a, b]].T, color=BLUE if on else GREY, lw=2.5 if on else 0.8, zorder=2 if on else 1)
    ax.scatter(*xy.T, s=60, color="#14181f", zorder=3)
    for (x, y), name in zip(xy, names):
        ax.annotate(name, (x, y), xytext=(x * 1.15, y * 1.15), ha="center", va="center", fontsize=8)
    ax.set_xlim(-1.8, 1.8)
    ax.set_ylim(-1.5, 1.5)
    ax.axis("off")
    return _png(fig)


def animals_per_frame(animals: np.ndarray, n_individuals: int, detections: np.ndarray | None = None) -> str:
    """Tracked animals per frame (steps), the expected count (dashed) and keypoint detections (grey, right axis)."""
    fig, ax = _figure(7.5, 2.8)
    if detections is not None:
        ax2 = ax.twinx()
        ax2.plot(np.arange(len(detections)), detections, color="#9aa3b2", lw=0.8)
        ax2.set_ylabel("keypoint detections", color="#667085")
    ax.step(np.arange(len(animals)), animals, where="mid", color=BLUE, label="animals tracked")
    ax.axhline(n_individuals, color=RED, lw=0.8, ls="--", label="individuals in config")
    ax.set_xlabel("frame")
    ax.set_ylabel("animals")
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def coverage_timeline(cover: np.ndarray, labels: Sequence[str], swaps: Sequence[tuple[int, int, int]]) -> str:
    """``cover`` (individuals, frames) in [0, 1] as a timeline; ``swaps`` (row, start, stop) in red."""
    fig, ax = _figure(7.5, 0.5 + 0.35 * len(labels), grid=False)
    ax.imshow(cover, aspect="auto", cmap="Blues", vmin=0, vmax=1, interpolation="nearest",
              extent=(-0.5, cover.shape[1] - 0.5, len(labels) - 0.5, -0.5))
    ax.set_yticks(range(len(labels)), labels)
    for row, start, stop in swaps:
        ax.plot([start, max(start, stop - 1)], [row, row], color=RED, lw=3)
    ax.set_xlabel("frame")
    return _png(fig)


def trajectories(paths: Mapping[str, np.ndarray]) -> str:
    """One x-y path per animal (``(frames, 2)``, NaN = not seen), image orientation (y down)."""
    fig, ax = _figure(5.5, 4.2)
    for color, (name, xy) in zip(_colors(len(paths)), paths.items()):
        ax.plot(xy[:, 0], xy[:, 1], lw=1, color=color, label=name)
    ax.invert_yaxis()
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x (px)")
    ax.set_ylabel("y (px)")
    ax.legend(fontsize=8)
    return _png(fig)


def metric_bars(values: Mapping[str, float]) -> str:
    """Bars of fractions (MOTA, IDF1, precision, ...)."""
    fig, ax = _figure(6.0, 2.8)
    ax.bar(list(values), list(values.values()), color=GREEN)
    ax.set_ylim(min(0.0, min(values.values())), 1)
    return _png(fig)
