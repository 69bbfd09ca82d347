"""Loading and validating a project's config.yaml.

:func:`load_config` is what every stage calls: it reads the file (``madlc.io.read_config``),
checks what later stages depend on, and raises a :class:`ConfigError` naming the key and
the fix for the first problem found (spaces in names, duplicates, a skeleton naming an
unknown part, no individuals, ...).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from madlc.errors import ConfigError
from madlc.io.config import read_config


@dataclass(frozen=True)
class NumberRange:
    """The values a number in config.yaml may take (checked by :func:`validate_config`, shown by the GUI)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False  # low itself is not allowed
    integer: bool = False
    what: str = ""

    def check(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            return False
        if self.integer and float(value) != int(value):
            return False
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return self.high is None or value <= self.high

    def describe(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        if self.low is not None and self.high is not None:
            return f"{kind} in [{self.low}, {self.high}]"
        if self.low is not None:
            return f"{kind} {'>' if self.low_open else '>='} {self.low}"
        return kind


#: config.yaml's ``pcutoff`` when a project has none (DeepLabCut's default)
DEFAULT_PCUTOFF = 0.6


def config_pcutoff(cfg: dict[str, Any], pcutoff: float | None = None) -> float:
    """The likelihood cutoff to use: ``pcutoff`` when given, else config.yaml's, else :data:`DEFAULT_PCUTOFF`."""
    if pcutoff is None:
        pcutoff = cfg.get("pcutoff")
    return float(DEFAULT_PCUTOFF if pcutoff is None else pcutoff)


#: allowed ranges of config.yaml's numbers: one table for edit_config, load_config and the GUI form
NUMBER_RANGES: dict[str, NumberRange] = {
    "pcutoff": NumberRange(0, 1, what="likelihood below which a prediction is not shown or used"),
    "numframes2pick": NumberRange(1, integer=True, what="frames to extract per video"),
    "dotsize": NumberRange(0, low_open=True, what="marker radius in labeled videos"),
    "alphavalue": NumberRange(0, 1, what="marker transparency"),
    "batch_size": NumberRange(1, integer=True, what="images per batch"),
    "iteration": NumberRange(0, integer=True, what="active labeling iteration"),
}


def check_ranges(cfg: dict[str, Any], path: str | Path = "config.yaml") -> None:
    """Raise ConfigError for the first number of ``cfg`` outside its :data:`NUMBER_RANGES` range."""
    for key, allowed in NUMBER_RANGES.items():
        value = cfg.get(key)
        if value is not None and not allowed.check(value):
            raise ConfigError(f"{path}: {key}={value!r} is not {allowed.describe()} ({allowed.what}). "
                              f"What to do: set {key} to {allowed.describe()}.")


def _names(cfg: dict[str, Any], key: str) -> list[str]:
    value = cfg.get(key) or []
    if isinstance(value, str):
        return [] if value == "MULTI!" else [value]
    return [str(v) for v in value]


def validate_config(cfg: dict[str, Any], path: str | Path = "config.yaml") -> dict[str, Any]:
    """Check a config dict; return it unchanged or raise ConfigError naming the key and the fix."""
    multi = bool(cfg.get("multianimalproject"))
    for key in ("Task", "scorer", "date"):
        if not cfg.get(key):
            raise ConfigError(f"{path}: key '{key}' is missing or empty. What to do: set it (create_new_project writes it).")
    name_keys = ["individuals", "multianimalbodyparts", "uniquebodyparts"] if multi else ["bodyparts"]
    seen: dict[str, str] = {}
    for key in name_keys:
        names = _names(cfg, key)
        for name in names:
            if not name or any(ch.isspace() for ch in name):
                raise ConfigError(
                    f"{path}: '{key}' contains the name {name!r} with a space. "
                    f"What to do: rename it without spaces (e.g. {name.strip().replace(' ', '_')!r}), "
                    "in config.yaml and in any labels already made."
                )
        dups = sorted({n for n in names if names.count(n) > 1})
        if dups:
            raise ConfigError(f"{path}: '{key}' lists {dups} more than once. What to do: keep each name once.")
        if key != "individuals":
            for name in names:
                if name in seen:
                    raise ConfigError(
                        f"{path}: body part {name!r} is in both '{seen[name]}' and '{key}'. "
                        "What to do: a body part is either per-animal (multianimalbodyparts) or unique "
                        "(uniquebodyparts), not both."
                    )
                seen[name] = key
    if multi:
        if not _names(cfg, "individuals"):
            raise ConfigError(f"{path}: 'individuals' is empty. What to do: list one name per animal, e.g. "
                              "individuals: [mouse1, mouse2, mouse3] (the most animals in any labeled frame).")
        if "single" in _names(cfg, "individuals"):
            raise ConfigError(f"{path}: 'individuals' contains 'single', a name DeepLabCut reserves for unique "
                              "body parts. What to do: rename that individual.")
        if not _names(cfg, "multianimalbodyparts") and not _names(cfg, "uniquebodyparts"):
            raise ConfigError(f"{path}: 'multianimalbodyparts' is empty. What to do: list the body parts of each animal.")
    elif not _names(cfg, "bodyparts"):
        raise ConfigError(f"{path}: 'bodyparts' is empty. What to do: list the body parts to track.")
    known = set(seen)
    for i, pair in enumerate(cfg.get("skeleton") or []):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ConfigError(f"{path}: skeleton entry {i} ({pair!r}) is not a pair. What to do: write [bodypartA, bodypartB].")
        unknown = [p for p in pair if p not in known]
        if unknown:
            raise ConfigError(
                f"{path}: skeleton entry {list(pair)} names {unknown}, which is not a body part of this project. "
                f"What to do: use names from {sorted(known)}, or add the part to the body parts."
            )
    fractions = cfg.get("TrainingFraction") or [0.95]
    for f in fractions:
        if not isinstance(f, (int, float)) or not 0 < float(f) <= 1:
            raise ConfigError(f"{path}: TrainingFraction value {f!r} is not in (0, 1]. What to do: use e.g. [0.95].")
    check_ranges(cfg, path)
    start, stop = cfg.get("start", 0), cfg.get("stop", 1)
    if start is not None and stop is not None and not 0 <= float(start) < float(stop) <= 1:
        raise ConfigError(f"{path}: start={start}, stop={stop}: need 0 <= start < stop <= 1. What to do: fix them.")
    if cfg.get("cropping"):
        x1, x2, y1, y2 = (cfg.get(k) for k in ("x1", "x2", "y1", "y2"))
        if None in (x1, x2, y1, y2) or not (x1 < x2 and y1 < y2):
            raise ConfigError(f"{path}: cropping is on but x1={x1}, x2={x2}, y1={y1}, y2={y2} do not make a box. "
                              "What to do: set x1 < x2 and y1 < y2, or cropping: false.")
    return cfg


def load_config(config: str | Path | dict[str, Any]) -> dict[str, Any]:
    """Read and validate a project's config.yaml (or validate an already-read dict)."""
    if isinstance(config, dict):
        return validate_config(config, Path(config.get("project_path", ".")) / "config.yaml")
    path = Path(config)
    cfg = read_config(path)
    cfg.setdefault("TrainingFraction", [0.95])
    if not cfg.get("TrainingFraction"):
        cfg["TrainingFraction"] = [0.95]
    cfg.setdefault("iteration", 0)
    return validate_config(cfg, path)
