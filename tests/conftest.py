"""Shared pytest fixtures for the whole madlc test suite (other test files rely on these names).

Session-scoped (made once per test run, in a temporary folder; treat them as READ-ONLY, use
``copy_project`` or a ``*_copy`` fixture when a test writes into the project):

- ``dlc_data_dir`` -> Path of the real DeepLabCut files ``/work/shared/data/dlc`` (montblanc: 3 birds,
  4 body parts + unique ``center``). The test is skipped if the folder is missing.
- ``synth_project_small`` -> str, config.yaml of a synthetic project: 3 animals (animal1..3),
  4 body parts (snout, neck, back, tailbase; chain skeleton), 1 video ``videos/synth0.mp4`` of 100 frames,
  128x96 px, 20 labeled frames (labeled-data/synth0/img<NN>.png + CollectedData_synth.h5/.csv),
  ground truth ``ground-truth/synth0_gt.h5`` (tracks layout, scorer ``groundtruth``) and a held-out video
  ``held-out/heldout0.mp4`` (+ ``ground-truth/heldout0_gt.h5``). About 1 s to make.
- ``synth_project_train`` -> str, config.yaml for training tests: 3 animals, 4 body parts, 160x120 px,
  2 videos x 150 frames, 30 labeled frames per video (60 in all), TrainingFraction [0.8],
  plus one held-out video of 150 frames with ground truth.
- ``synth_project_identity`` -> str, like small but ``identity: true`` (each animal its own colour)
  and 2 unique body parts (``landmark1``, ``landmark2`` under individual ``single``).
- ``synth_project_single`` -> str, a single-animal project (``multianimalproject: false``),
  1 animal, 4 body parts, 100 frames, 128x96, 20 labeled frames.

Function-scoped:

- ``copy_project`` -> function ``copy_project(config_path) -> str``: copies the project folder into the
  test's ``tmp_path`` and points ``video_sets`` at the copied videos; returns the new config path.
- ``synth_project_small_copy`` / ``synth_project_train_copy`` -> str: a fresh writable copy of each.

Ground truth of a synthetic video: ``madlc.io.read_tracks(<project>/ground-truth/<stem>_gt.h5)``
(or ``pd.read_hdf``): x, y, likelihood (1 visible / 0 hidden) for every frame and animal.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DLC_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "dlc"


@pytest.fixture(scope="session")
def dlc_data_dir() -> Path:
    """Folder of the real DeepLabCut test files (skip if missing)."""
    if not DLC_DATA_DIR.is_dir():
        pytest.skip(f"real DeepLabCut test data not found at {DLC_DATA_DIR}")
    return DLC_DATA_DIR


def _make(tmp_path_factory: pytest.TempPathFactory, name: str, **kwargs) -> str:
    from madlc.stages.synth_project import synth_project

    return synth_project(str(tmp_path_factory.mktemp(name) / "project"), **kwargs)


@pytest.fixture(scope="session")
def synth_project_small(tmp_path_factory: pytest.TempPathFactory) -> str:
    """3 animals x 4 body parts, 100 frames of 128x96, 20 labeled frames, 1 held-out video (read-only)."""
    return _make(tmp_path_factory, "synth_small", animals=3, bodyparts=4, frames=100, size="128x96",
                 labeled_frames=20, held_out=1, seed=0)


@pytest.fixture(scope="session")
def synth_project_train(tmp_path_factory: pytest.TempPathFactory) -> str:
    """3 animals x 4 body parts, 2 videos x 150 frames of 160x120, 60 labeled frames (read-only)."""
    return _make(tmp_path_factory, "synth_train", animals=3, bodyparts=4, frames=150, size="160x120",
                 labeled_frames=30, videos=2, held_out=1, seed=1)


@pytest.fixture(scope="session")
def synth_project_identity(tmp_path_factory: pytest.TempPathFactory) -> str:
    """identity: true, 2 unique landmarks; 3 animals x 4 body parts, 100 frames of 128x96 (read-only)."""
    return _make(tmp_path_factory, "synth_identity", animals=3, bodyparts=4, frames=100, size="128x96",
                 labeled_frames=20, identity=True, unique=True, seed=2)


@pytest.fixture(scope="session")
def synth_project_single(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Single-animal project (multianimalproject: false): 4 body parts, 100 frames of 128x96 (read-only)."""
    return _make(tmp_path_factory, "synth_single", animals=1, bodyparts=4, frames=100, size="128x96",
                 labeled_frames=20, multianimal=False, seed=3)


def copy_project_to(config_path: str | Path, dest: Path) -> str:
    """Copy a project folder to ``dest`` (which must not exist); point ``video_sets`` at the copy."""
    from madlc.io.config import read_config, write_config

    src = Path(config_path).resolve().parent
    shutil.copytree(src, dest, symlinks=True)
    cfg = read_config(dest / "config.yaml")
    sets = {}
    for key, value in (cfg.get("video_sets") or {}).items():
        path = Path(str(key))
        try:
            path = dest / path.resolve().relative_to(src)
        except ValueError:
            pass  # a video outside the project stays where it is
        sets[str(path)] = value
    cfg["video_sets"] = sets
    write_config(cfg, dest / "config.yaml")
    return str(dest / "config.yaml")


@pytest.fixture
def copy_project(tmp_path: Path):
    """``copy_project(config_path) -> str``: a writable copy of a project inside this test's tmp_path."""
    counter = [0]

    def _copy(config_path: str | Path) -> str:
        counter[0] += 1
        return copy_project_to(config_path, tmp_path / f"project_copy{counter[0]}")

    return _copy


@pytest.fixture
def synth_project_small_copy(synth_project_small: str, copy_project) -> str:
    """A writable copy of ``synth_project_small`` for this test only."""
    return copy_project(synth_project_small)


@pytest.fixture
def synth_project_train_copy(synth_project_train: str, copy_project) -> str:
    """A writable copy of ``synth_project_train`` for this test only."""
    return copy_project(synth_project_train)
