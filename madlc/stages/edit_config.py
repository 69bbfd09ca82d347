"""``edit_config``: set keys of config.yaml, validate, and write it back atomically."""
from __future__ import annotations

from typing import Any

from madlc.errors import ConfigError
from madlc.io.config import read_config, write_config
from madlc.project.config import validate_config


def edit_config(config: str, edits: dict[str, Any]) -> str:
    """Set keys of config.yaml (``edits`` = {key: value}), validate, and write it back atomically.

    Unknown keys are refused (DeepLabCut 3 refuses to open a config with keys it does not know).
    From the command line: ``madlc edit-config CONFIG "{colormap: summer, individuals: [a, b]}"``.
    """
    from madlc.io.config import KEY_ORDER

    if not isinstance(edits, dict):
        raise ConfigError(f"edits must be a mapping of config keys to values, got {edits!r}. "
                          "What to do: pass e.g. {'colormap': 'summer'}.")
    cfg = read_config(config)
    allowed = set(KEY_ORDER) | {"config_version", "pose_config_path", "resnet", "croppedtraining", "eval_prefix"} | set(cfg)
    unknown = sorted(set(edits) - allowed)
    if unknown:
        raise ConfigError(f"{config}: {unknown} are not DeepLabCut config keys (DeepLabCut would refuse the file). "
                          "What to do: put madlc settings in madlc.yaml next to config.yaml instead.")
    track = edits.get("default_track_method")
    if track == "auto":
        raise ConfigError(f"{config}: default_track_method auto: DeepLabCut reads this key and knows only ellipse, "
                          "box and skeleton. What to do: to let madlc pick the tracker per video, set "
                          "`pipeline: {track_method: auto}` in madlc.yaml (or pick auto on the GUI's Project page).")
    for key, value in edits.items():
        cfg[key] = value
    validate_config(cfg, config)
    write_config(cfg, config)
    if track is not None and cfg.get("multianimalproject"):
        from madlc.project.manage import set_track_method

        set_track_method(config, str(track))  # madlc follows the tracker named here (madlc.yaml's choice cleared)
    return str(config)
