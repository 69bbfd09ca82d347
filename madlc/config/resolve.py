"""One resolver for madlc's settings, with one precedence rule.

Each value of a stage's settings comes from the first of these that sets it, last wins:

1. ``default``: the schema (madlc/config/schema.py) and the chosen option files
   (``model/resnet_50.yaml``);
2. DeepLabCut's files of the shuffle as madlc wrote them, or written by DeepLabCut
   (``test/inference_cfg.yaml``, ``test/pose_cfg.yaml``; rule in madlc.config.dlc_files);
3. ``madlc.yaml``: ``<project>/madlc.yaml``, a mapping (``tracking: {iou_threshold: 0.5}``,
   ``model: resnet_50``) and/or a list of override strings under ``overrides:``;
4. DeepLabCut's files **edited by hand** (a value that differs from what madlc wrote there);
5. ``command line``: the ``overrides`` given to the stage (``tracking.max_age=5``).

Hydra composes the tree from the typed schema (types and unknown keys are checked there); then
every leaf is checked against its allowed range. A bad value raises a ConfigError that names the
key, the value, what is allowed and where the value came from.

    >>> r = resolve("project/config.yaml", ["tracking.max_age=5"])   # doctest: +SKIP
    >>> r["tracking"]["max_age"], r.source("tracking.max_age")
    (5, 'command line')
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

from madlc.errors import ConfigError

log = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"
PROJECT_SETTINGS = "madlc.yaml"
DEFAULT = "default"
MADLC_YAML = "madlc.yaml"
COMMAND_LINE = "command line"


@dataclass
class Resolved:
    """Resolved settings: ``values`` (the plain tree) and, per dotted leaf, its ``sources``."""

    values: dict[str, Any]
    sources: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)  # source name -> file path it refers to

    def __getitem__(self, group: str) -> Any:
        return self.values[group]

    def get(self, group: str, default: Any = None) -> Any:
        return self.values.get(group, default)

    def source(self, key: str) -> str:
        """Where the leaf ``key`` (``tracking.max_age``) came from."""
        return self.sources[key]

    def groups(self, names: Iterable[str]) -> dict[str, Any]:
        """A plain (JSON-able) dict of the given top-level groups."""
        import copy

        return {name: copy.deepcopy(self.values[name]) for name in names}


# ---------------------------------------------------------------- madlc.yaml
def project_settings_path(project: str | Path | None) -> Path | None:
    """``<project>/madlc.yaml`` for a project folder or a config.yaml path, else None."""
    if project is None:
        return None
    p = Path(project)
    folder = p.parent if p.suffix in (".yaml", ".yml") else p
    return folder / PROJECT_SETTINGS


def read_project_settings(project: str | Path | None) -> list[str]:
    """madlc.yaml as override strings (its ``overrides:`` list first, then its mapping's leaves)."""
    from madlc.config.schema import GROUP_SCHEMAS, TOP_LEVEL

    path = project_settings_path(project)
    if path is None or not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err}). What to do: fix the file or delete it.") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings (e.g. `tracking: {{iou_threshold: 0.5}}`). "
                          "What to do: fix the file or delete it.")
    listed = data.pop("overrides", None) or []
    if not isinstance(listed, list):
        raise ConfigError(f"{path}: `overrides:` must be a list of key=value strings. What to do: fix the file.")
    unknown = [k for k in data if k not in TOP_LEVEL]
    if unknown:
        raise ConfigError(f"{path}: unknown settings {unknown}. What to do: use the groups "
                          f"{', '.join(TOP_LEVEL)} (see `madlc show-settings CONFIG`).")
    out = [str(o) for o in listed]
    for key, value in data.items():
        if key in GROUP_SCHEMAS and isinstance(value, str):
            out.append(f"{key}={value}")  # a group option (model: resnet_50)
        elif isinstance(value, dict):
            out += _flatten(value, f"{key}.")
        else:
            out.append(f"{key}={hydra_value(value)}")
    return out


def _flatten(values: Mapping[str, Any], prefix: str) -> list[str]:
    out: list[str] = []
    for key, value in values.items():
        if isinstance(value, dict) and value:
            out += _flatten(value, f"{prefix}{key}.")
        else:
            out.append(f"{prefix}{key}={hydra_value(value)}")
    return out


def hydra_value(value: Any) -> str:
    """A Python value written in Hydra's override grammar (strings quoted, lists/dicts in flow style)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(hydra_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{hydra_value(v)}" for k, v in value.items()) + "}"
    # Hydra's quoted strings: a backslash is literal unless it precedes a quote or ends the string
    text = re.sub(r"(\\+)(?='|$)", lambda m: m.group(1) * 2, str(value)).replace("'", "\\'")
    return f"'{text}'"


# ---------------------------------------------------------------- resolving
def resolve(config: str | Path | None = None, overrides: Sequence[str] = (), stage: str | None = None,
            dlc_files: Sequence[str | Path] | None = None, madlc_written: bool = True) -> Resolved:
    """The settings of a project (``config``: its config.yaml or folder; None: madlc's defaults only).

    ``overrides``: command-line ``key=value`` strings. ``dlc_files``: DeepLabCut's
    ``inference_cfg.yaml`` / ``pose_cfg.yaml`` to fit in; when None and ``stage`` reads them
    (madlc.config.stages.READS_DLC_FILES) they are looked up in the model folder of the project's
    ``pipeline.shuffle`` / ``pipeline.trainingsetindex``. Precedence: module docstring.
    ``madlc_written=False``: values of those files as madlc wrote them are left out
    (:func:`madlc.config.dlc_files.dlc_file_layers`; the Snakemake rules' settings).
    """
    from madlc.config.dlc_files import dlc_file_layers
    from madlc.config.stages import READS_DLC_FILES, stage_name

    project_layer = read_project_settings(config)
    command_line = [str(o) for o in overrides]
    if dlc_files is None and stage is not None and config is not None and stage_name(stage) in READS_DLC_FILES:
        dlc_files = _project_dlc_files(config, project_layer, command_line)
    low, high = dlc_file_layers(dlc_files, madlc_written)
    layers: list[tuple[str, list[str]]] = [
        ("dlc-low", [f"{k}={hydra_value(v)}" for k, (v, _) in low.items()]),
        (MADLC_YAML, project_layer),
        ("dlc-high", [f"{k}={hydra_value(v)}" for k, (v, _) in high.items()]),
        (COMMAND_LINE, command_line),
    ]
    labels = {k: label for k, (_, label) in {**low, **high}.items()}
    files = {}
    if config is not None:
        files[MADLC_YAML] = str(project_settings_path(config))
    for p in dlc_files or ():
        files[Path(p).name] = str(p)
    values = _compose(layers, labels, config, files)
    sources = _sources(values, layers, labels)
    _warn_shadowed(low, sources, values)
    validate(values, sources, config, files)
    return Resolved(values, sources, files)


def _project_dlc_files(config: str | Path, project_layer: list[str], command_line: list[str]) -> list[Path]:
    """test/inference_cfg.yaml and test/pose_cfg.yaml of the project's pipeline shuffle, if they exist."""
    from madlc.config.dlc_files import model_test_files

    p = Path(config)
    if p.suffix not in (".yaml", ".yml"):
        p = p / "config.yaml"
    if not p.exists():
        return []
    pipeline = _compose([(MADLC_YAML, project_layer), (COMMAND_LINE, command_line)], {}, config)["pipeline"]
    try:
        from madlc.project import paths
        from madlc.project.config import load_config

        cfg = load_config(p)
        tsi = int(pipeline["trainingsetindex"])
        shuffle, _ = paths.pipeline_shuffle(cfg, pipeline["shuffle"], tsi)
        return model_test_files(paths.model_folder(cfg, shuffle, tsi))
    except Exception as err:  # noqa: BLE001 - a project without that shuffle simply has no DLC files
        log.debug("no DeepLabCut model files for %s: %s", p, err)
        return []


def _source_name(layer: str, key: str, labels: Mapping[str, str]) -> str:
    return labels.get(key, layer) if layer.startswith("dlc-") else layer


def _compose(layers: list[tuple[str, list[str]]], labels: Mapping[str, str], config: Any,
             files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Hydra composition of the schema with all layers' overrides; on failure, name the culprit."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from madlc.config.schema import register

    register()
    everything = [o for _, items in layers for o in items]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None):
        try:
            cfg = hydra_compose("config", overrides=everything)
            return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
        except (HydraException, OmegaConfBaseException) as first_err:
            # find the first override that breaks the composition, to name its key and source
            done: list[str] = []
            for layer, items in layers:
                for item in items:
                    try:
                        hydra_compose("config", overrides=[*done, item])
                    except (HydraException, OmegaConfBaseException) as err:
                        raise _override_error(item, layer, labels, err, config, files) from None
                    done.append(item)
            raise ConfigError(f"madlc settings: {first_err}") from first_err


def _override_error(item: str, layer: str, labels: Mapping[str, str], err: Exception, config: Any,
                    files: Mapping[str, str] | None = None) -> ConfigError:
    from madlc.config.schema import leaf_specs

    key, equals, raw = item.partition("=")
    key = key.lstrip("+~")
    if not equals:
        return ConfigError(f"setting {item!r} ({_where(_source_name(layer, key, labels), config, files)}): "
                           "expected key=value (e.g. inference.pcutoff=0.2). What to do: write it as key=value.")
    source = _source_name(layer, key, labels)
    where = _where(source, config, files)
    spec = leaf_specs().get(key)
    allowed = spec.metadata.get("allowed") if spec is not None else None
    cause = err.__cause__ or err.__context__
    reason = str(cause if cause is not None and str(cause) else err).split("\n")[0]
    if spec is None and key not in _group_names():
        return ConfigError(f"{key}={raw} ({where}): no such setting ({reason}). What to do: check the spelling; "
                           "`madlc show-settings CONFIG` lists every key.")
    if allowed is not None:
        return ConfigError(f"{key}={raw} ({where}): {reason}. Allowed: {allowed.describe()}.")
    if key in _group_names():
        options = sorted(p.stem for p in (CONFIG_DIR / key).glob("*.yaml")) or ["default"]
        return ConfigError(f"{key}={raw} ({where}): no option {raw!r} in group {key!r}. Allowed: {' | '.join(options)}.")
    return ConfigError(f"{key}={raw} ({where}): {reason}. What to do: fix or remove this setting.")


def _group_names() -> set[str]:
    from madlc.config.schema import GROUP_SCHEMAS

    return set(GROUP_SCHEMAS)


def _where(source: str, config: Any, files: Mapping[str, str] | None = None) -> str:
    if source == MADLC_YAML:
        return f"from {project_settings_path(config)}"
    name = source.split(" ")[0]
    if files and name in files:
        return f"from {source}: {files[name]}"
    return f"from {source}"


def _sources(values: Mapping[str, Any], layers: list[tuple[str, list[str]]], labels: Mapping[str, str]) -> dict[str, str]:
    """Per dotted leaf, the layer that set it last (group choices first, as Hydra applies them)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from madlc.config.schema import GROUP_SCHEMAS

    leaves = list(_leaves(values))
    sources = {k: DEFAULT for k in leaves}
    parser = OverridesParser.create()
    choices, settings = [], []
    for layer, items in layers:
        for ov in parser.parse_overrides(items):
            key = ov.key_or_group
            if key in GROUP_SCHEMAS and isinstance(ov.value(), str):
                choices.append((layer, key, f"{_source_name(layer, key, labels)} ({key}={ov.value()})"))
            else:
                settings.append((layer, key, _source_name(layer, key, labels)))
    for _, key, name in [*choices, *settings]:
        for leaf in leaves:
            if leaf == key or leaf.startswith(key + "."):
                sources[leaf] = name
    return sources


def _leaves(tree: Mapping[str, Any], prefix: str = "") -> Iterable[str]:
    from madlc.config.schema import leaf_specs

    specs = leaf_specs()
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in specs:
            yield from _leaves(value, dotted + ".")
        else:
            yield dotted


def dotted_value(tree: Mapping[str, Any], dotted: str) -> Any:
    """The value at ``a.b.c`` of a nested mapping."""
    node: Any = tree
    for part in dotted.split("."):
        node = node[part]
    return node


def validate(values: Mapping[str, Any], sources: Mapping[str, str], config: Any = None,
             files: Mapping[str, str] | None = None) -> None:
    """Check every leaf against the schema's allowed values (one ConfigError listing all bad ones)."""
    from madlc.config.schema import leaf_specs

    problems = []
    for key, spec in leaf_specs().items():
        allowed = spec.metadata.get("allowed")
        if allowed is None:
            continue
        try:
            value = dotted_value(values, key)
        except (KeyError, TypeError):
            continue
        if not allowed.accepts(value):
            problems.append(f"{key}={value!r} ({_where(sources.get(key, DEFAULT), config, files)}): "
                            f"allowed: {allowed.describe()}")
    if problems:
        raise ConfigError("madlc settings out of range: " + "; ".join(problems)
                          + ". What to do: fix the value where it came from.")


def _warn_shadowed(low: Mapping[str, tuple[Any, str]], sources: Mapping[str, str], values: Mapping[str, Any]) -> None:
    """A value of a DLC file madlc did not write, overridden by madlc.yaml: say so (module docstring)."""
    from madlc.config.dlc_files import INFERENCE_CFG, POSE_CFG

    for key, (value, label) in low.items():
        if label in (INFERENCE_CFG, POSE_CFG) and sources.get(key) == MADLC_YAML and dotted_value(values, key) != value:
            log.warning("%s: %s=%r in %s is overridden by madlc.yaml (%r).", key, key.split(".")[-1], value, label,
                        dotted_value(values, key))


# ---------------------------------------------------------------- for stages and rules
def stage_settings(stage: str, config: str | Path | None = None, overrides: Sequence[str] = (),
                   dlc_files: Sequence[str | Path] | None = None) -> dict[str, Any]:
    """The plain (JSON-able) settings of ``stage``: the groups madlc.config.stages.STAGE_GROUPS lists.

    This is what a Snakemake rule puts in ``params:`` and passes to the stage as ``settings=``.
    """
    from madlc.config.stages import stage_groups

    return resolve(config, overrides, stage=stage, dlc_files=dlc_files).groups(stage_groups(stage))


def to_dict(cfg: Any) -> dict[str, Any]:
    """A plain dict of a Resolved, a DictConfig or a dict."""
    if isinstance(cfg, Resolved):
        return cfg.values
    if isinstance(cfg, dict):
        return cfg
    from omegaconf import OmegaConf

    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


def group_option(group: str, option: str) -> dict[str, Any]:
    """The values of one group option (``group_option("model", "resnet_50")``): schema defaults + its file."""
    return resolve(None, [f"{group}={option}"]).values[group]


def compose(project: str | Path | None = None, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """The whole tree: defaults < ``<project>/madlc.yaml`` < ``overrides`` (no DLC files; a plain dict)."""
    return resolve(project, overrides).values
