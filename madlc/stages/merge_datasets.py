"""``merge_datasets``: start the next active-learning iteration once the outlier frames are corrected."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from madlc.errors import MadlcError


def labeled_folders(cfg: dict[str, Any]) -> list[Path]:
    """``labeled-data/*`` folders that hold images (ignoring ``*_labeled`` and hidden folders)."""
    root = Path(cfg["project_path"]) / "labeled-data"
    if not root.is_dir():
        return []
    return [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")
            and not d.name.endswith("_labeled") and any(d.glob("img*.png"))]


def merge_datasets(config: str | Path, forceiterate: int | None = None) -> int:
    """Start the next iteration once every labeled-data folder holds corrected labels.

    Checks that each ``labeled-data/<video>/`` with images has ``CollectedData_<scorer>.h5`` (or a
    legacy ``MachineLabelsRefine.h5``), then sets config.yaml's ``iteration`` to the next number
    (or ``forceiterate``), so that ``create_multianimaltraining_dataset`` builds
    ``training-datasets/iteration-<N+1>/`` with the refined labels. Returns the new iteration.
    """
    from madlc.io.config import read_config, write_config
    from madlc.project.config import load_config

    cfg = load_config(config)
    config_path = Path(config)
    if config_path.is_dir():
        config_path = config_path / "config.yaml"
    scorer = cfg["scorer"]
    missing = [d.name for d in labeled_folders(cfg)
               if not (d / f"CollectedData_{scorer}.h5").exists() and not (d / "MachineLabelsRefine.h5").exists()]
    if missing:
        raise MadlcError(f"{Path(cfg['project_path']) / 'labeled-data'}: {missing} have frames but no "
                         f"CollectedData_{scorer}.h5. What to do: label or correct those frames (madlc label-frames) "
                         "and save, then run merge_datasets again.")
    raw = read_config(config_path)
    new_iteration = int(forceiterate) if forceiterate is not None else int(raw.get("iteration", 0) or 0) + 1
    raw["iteration"] = new_iteration
    write_config(raw, config_path)
    print(f"Merged. config.yaml iteration is now {new_iteration}; create a new training set next.")
    return new_iteration
