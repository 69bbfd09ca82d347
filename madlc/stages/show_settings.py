"""``madlc show-settings CONFIG [STAGE]``: each resolved setting of a stage and where it came from.

No Snakemake rule: it makes no file (it prints, and returns the mapping).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence


def show_settings(config: str | Path | None = None, stage: str | None = None, /, overrides: Sequence[str] = (),
                  print_out: bool = True) -> dict[str, tuple[Any, str]]:
    """Print the resolved settings of ``stage`` (all groups when omitted), one line per value with its source.

    ``config``: the project's config.yaml (its madlc.yaml and the DeepLabCut files of the
    ``pipeline.shuffle`` model are read); None shows madlc's defaults. ``stage``: a stage or public
    function name (``convert_detections2tracklets``, ``tracklets``, ``analyze_videos`` ...).
    ``overrides``: ``key=value`` settings as given on the command line. Sources: ``default``,
    ``madlc.yaml``, ``inference_cfg.yaml`` / ``pose_cfg.yaml`` (``as madlc wrote it`` or
    ``edited``), ``command line``. Returns ``{dotted key: (value, source)}``.
    """
    from madlc.config.resolve import dotted_value, resolve
    from madlc.config.stages import stage_groups

    resolved = resolve(config, overrides, stage=stage)
    groups = stage_groups(stage)
    rows = {key: (dotted_value(resolved.values, key), source) for key, source in resolved.sources.items()
            if key.split(".")[0] in groups}
    if print_out:
        print(format_settings(rows, resolved.files, stage))
    return rows


def format_settings(rows: dict[str, tuple[Any, str]], files: dict[str, str] | None = None, stage: str | None = None) -> str:
    """The aligned table ``key  value  source`` (and the files the sources refer to)."""
    import yaml

    def text(value: Any) -> str:
        return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()

    shown = {k: text(v) for k, (v, _) in rows.items()}
    width_key = max((len(k) for k in rows), default=0)
    width_value = min(max((len(v) for v in shown.values()), default=0), 40)
    title = f"settings of stage {stage}" if stage else "all settings"
    lines = [f"# {title}: key, value, source (default < inference_cfg.yaml/pose_cfg.yaml < madlc.yaml "
             "< hand-edited inference_cfg.yaml/pose_cfg.yaml < command line)"]
    for key, (_, source) in rows.items():
        lines.append(f"{key:<{width_key}}  {shown[key]:<{width_value}}  {source}")
    for name, path in (files or {}).items():
        lines.append(f"# {name}: {path}{'' if Path(path).exists() else ' (not there)'}")
    return "\n".join(lines)
