"""Moved to :mod:`madlc.config` (schema, resolver, precedence rule); kept so old imports still work."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from madlc.config.resolve import (  # noqa: F401 - re-exported
    CONFIG_DIR,
    PROJECT_SETTINGS,
    compose,
    project_settings_path,
    read_project_settings,
    to_dict,
)


def _project_overrides(project: str | Path | None) -> tuple[list[str], dict[str, Any]]:
    """madlc.yaml as (override strings, {}) (old interface)."""
    return read_project_settings(project), {}
