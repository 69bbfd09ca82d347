"""A tiny multi-animal project generator for the training tests (and its own sanity tests).

Each animal is a chain of coloured discs (one colour per body part) joined by a line whose colour
encodes the individual (so identity is learnable); an optional unique body part is a white square.
Other test modules import :func:`make_toy_project` from here.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from madlc.io.config import write_config
from madlc.io.labels import write_labels, array_to_labels
from madlc.project.manage import default_config

PART_COLOURS = [(255, 60, 60), (60, 255, 60), (60, 120, 255), (255, 230, 40), (255, 60, 255), (40, 230, 230)]
ID_COLOURS = [(200, 120, 0), (0, 160, 200), (160, 0, 200), (120, 200, 120)]


def _render(rng: np.random.Generator, size: tuple[int, int], n_animals: int, n_parts: int,
            unique: bool) -> tuple[np.ndarray, np.ndarray]:
    w, h = size
    img = (rng.normal(60, 12, (h, w, 3))).clip(0, 255).astype(np.uint8)
    slots = n_animals + (1 if unique else 0)
    kpts = np.full((slots, n_parts + (1 if unique else 0), 2), np.nan)
    centres: list[np.ndarray] = []
    for a in range(n_animals):
        for _ in range(50):
            c = rng.uniform([22, 22], [w - 22, h - 22])
            if all(np.linalg.norm(c - o) > 34 for o in centres):
                break
        centres.append(c)
        angle = rng.uniform(0, 2 * np.pi)
        step = 9.0 * np.array([np.cos(angle), np.sin(angle)])
        pts = c + (np.arange(n_parts) - (n_parts - 1) / 2)[:, None] * step
        cv2.polylines(img, [np.round(pts).astype(np.int32)], False, ID_COLOURS[a % len(ID_COLOURS)], 3, cv2.LINE_AA)
        for j, p in enumerate(pts):
            cv2.circle(img, (int(round(p[0])), int(round(p[1]))), 3, PART_COLOURS[j % len(PART_COLOURS)], -1, cv2.LINE_AA)
        kpts[a, :n_parts] = pts
    if unique:
        u = rng.uniform([8, 8], [w - 8, h - 8])
        cv2.rectangle(img, (int(u[0]) - 3, int(u[1]) - 3), (int(u[0]) + 3, int(u[1]) + 3), (255, 255, 255), -1)
        kpts[-1, -1] = u
    return img, kpts


def make_toy_project(root: str | Path, frames: int = 60, size: tuple[int, int] = (160, 128), animals: int = 3,
                     bodyparts: int = 4, unique: bool = False, identity: bool = False, videos: int = 2,
                     empty_frames: int = 0, seed: int = 0, sizes: list[tuple[int, int]] | None = None) -> Path:
    """Write a labeled multi-animal project; returns its config.yaml. ``sizes``: per-video image sizes."""
    root = Path(root)
    project = root / "toy-tester-2026-01-01"
    cfg = default_config("toy", "tester", date="Jan1")
    parts = [f"part{i}" for i in range(bodyparts)]
    cfg.update(individuals=[f"animal{i}" for i in range(animals)], multianimalbodyparts=parts,
               uniquebodyparts=["marker"] if unique else [], identity=identity, TrainingFraction=[0.8],
               default_net_type="tiny", skeleton=[[parts[i], parts[i + 1]] for i in range(bodyparts - 1)],
               project_path=str(project))
    rng = np.random.default_rng(seed)
    per_video = int(np.ceil(frames / videos))
    cfg["video_sets"] = {}
    for v in range(videos):
        w, h = sizes[v] if sizes else size
        name = f"video{v}"
        cfg["video_sets"][str(project / "videos" / f"{name}.mp4")] = {"crop": f"0, {w}, 0, {h}"}
        folder = project / "labeled-data" / name
        folder.mkdir(parents=True, exist_ok=True)
        keys, all_kpts = [], []
        for i in range(min(per_video, frames - v * per_video)):
            img, kpts = _render(rng, (w, h), animals, bodyparts, unique)
            fname = f"img{i:03d}.png"
            cv2.imwrite(str(folder / fname), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
            if v == 0 and i < empty_frames:
                kpts[:] = np.nan
            keys.append(("labeled-data", name, fname))
            all_kpts.append(kpts)
        df = array_to_labels(np.stack(all_kpts), "tester", cfg["individuals"], parts, cfg["uniquebodyparts"], keys)
        write_labels(df, folder / "CollectedData_tester.h5", backup_existing=False)
    for sub in ("videos", "training-datasets", "dlc-models"):
        (project / sub).mkdir(parents=True, exist_ok=True)
    return write_config(cfg, project / "config.yaml")


def test_toy_project_reads_back(tmp_path: Path) -> None:
    from madlc.project.labels import labels_to_keypoints, merge_labels
    from madlc.project.config import load_config

    config = make_toy_project(tmp_path, frames=6, unique=True)
    cfg = load_config(config)
    df = merge_labels(cfg)
    kpts = labels_to_keypoints(df, cfg)
    assert kpts.shape == (6, 4, 5, 2)
    assert np.isfinite(kpts[:, :3, :4]).all() and np.isnan(kpts[:, :3, 4]).all()
    assert np.isfinite(kpts[:, 3, 4]).all() and np.isnan(kpts[:, 3, :4]).all()


@pytest.fixture
def toy_project(tmp_path: Path) -> Path:
    return make_toy_project(tmp_path)
