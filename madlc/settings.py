"""madlc's own settings: the Hydra config tree in ``madlc/configs``.

Two layers (ARCHITECTURE.md §4): a project's ``config.yaml`` says what the project
is (DeepLabCut's keys only); the Hydra tree says how each stage computes. A project
may keep its own choices in ``<project>/madlc.yaml`` (a plain YAML mapping merged
over the defaults, e.g. ``{tracking: {iou_threshold: 0.5}}``, or a list of override
strings under ``overrides:``); command-line overrides win over both.

    >>> cfg = compose(overrides=["train.max_steps=10"])   # doctest: +SKIP
    >>> cfg.model.name
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import yaml

from madlc.errors import ConfigError

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
PROJECT_SETTINGS = "madlc.yaml"


def project_settings_path(project: str | Path | None) -> Path | None:
    """``<project>/madlc.yaml`` for a project folder or a config.yaml path, else None."""
    if project is None:
        return None
    p = Path(project)
    folder = p.parent if p.suffix in (".yaml", ".yml") else p
    return folder / PROJECT_SETTINGS


def _project_overrides(project: str | Path | None) -> tuple[list[str], dict[str, Any]]:
    path = project_settings_path(project)
    if path is None or not path.exists():
        return [], {}
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err}). What to do: fix the file or delete it.") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings. What to do: fix the file or delete it.")
    overrides = [str(o) for o in data.pop("overrides", []) or []]
    return overrides, data


def compose(project: str | Path | None = None, overrides: Sequence[str] = ()) -> Any:
    """The resolved settings (an OmegaConf DictConfig): defaults < project madlc.yaml < ``overrides``."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    project_overrides, project_values = _project_overrides(project)
    # madlc.yaml's group choices and values become overrides placed before the command line's, so
    # that Hydra checks every key and the command line wins.
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None):
            cfg = hydra_compose("config", overrides=[*project_overrides, *_flatten(project_values), *overrides])
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(
            f"madlc settings: cannot apply overrides {list(overrides)}: {err}. "
            "What to do: check the key names with `madlc run --help` or the files in madlc/configs/."
        ) from err
    return cfg


def _flatten(values: dict[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flatten(value, dotted + ".")
        else:
            out.append(f"{dotted}={yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip()}")
    return out


def to_dict(cfg: Any) -> dict[str, Any]:
    """A plain dict of a DictConfig (or a dict), resolved."""
    from omegaconf import OmegaConf

    if isinstance(cfg, dict):
        return cfg
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
