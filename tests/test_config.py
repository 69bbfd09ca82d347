"""madlc.config: the typed schema, the one precedence rule, provenance, range errors, show-settings."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml

from madlc.config import resolve, stage_settings
from madlc.config.dlc_files import record_written
from madlc.errors import ConfigError

FROZEN = Path(__file__).with_name("frozen_settings_defaults.json")


def _equal(new, old, where=""):
    """Same tree, same values and same types (17 stays an int)."""
    if isinstance(old, dict):
        assert isinstance(new, dict) and set(old) <= set(new), f"{where}: keys {set(old) - set(new or {})} missing"
        for key in old:
            _equal(new[key], old[key], f"{where}.{key}")
        return
    if isinstance(old, bool) or old is None or isinstance(old, str):
        assert new == old and type(new) is type(old), f"{where}: {new!r} != {old!r}"
    elif isinstance(old, list):
        assert len(new) == len(old), where
        for i, (a, b) in enumerate(zip(new, old)):
            _equal(a, b, f"{where}[{i}]")
    else:
        assert new == old and type(new) is type(old), f"{where}: {new!r} != {old!r}"


def test_defaults_are_todays_values():
    """The schema's defaults = the YAML values and ANALYZE_DEFAULTS before the schema (frozen copy)."""
    frozen = json.loads(FROZEN.read_text())
    values = resolve(None).values
    for group, old in frozen["tree"].items():
        _equal(values[group], old, group)
    for option, old in frozen["model"].items():
        model = resolve(None, [f"model={option}"]).values["model"]
        _equal(model, old, f"model[{option}]")
        extra = set(model) - set(old)
        assert extra <= {"tiny_channels"} and all(model[k] is None for k in extra)
    assert all(s == "default" for s in resolve(None).sources.values())


def _project(tmp_path: Path, settings: dict | str | None = None) -> Path:
    (tmp_path / "config.yaml").write_text("Task: t\n")
    if settings is not None:
        text = settings if isinstance(settings, str) else yaml.safe_dump(settings)
        (tmp_path / "madlc.yaml").write_text(text)
    return tmp_path / "config.yaml"


def _model_files(tmp_path: Path, written: dict, on_disk: dict | None = None, record: bool = True) -> Path:
    test = tmp_path / "model" / "test"
    test.mkdir(parents=True)
    path = test / "inference_cfg.yaml"
    path.write_text(yaml.safe_dump(on_disk if on_disk is not None else written))
    if record:
        record_written(path, written)
    return path


def test_precedence_default_madlc_yaml_hand_edit_command_line(tmp_path):
    config = _project(tmp_path, {"inference": {"pafthreshold": 0.2, "pcutoff": 0.3, "nmsradius": 7.0},
                                 "tracking": {"max_age": 4}})
    written = {"pafthreshold": 0.1, "pcutoff": 0.1, "max_age": 1, "minimalnumberofconnections": 2}
    # the user edits pcutoff (0.1 -> 0.25) and max_age (1 -> 6) in DeepLabCut's file
    inf = _model_files(tmp_path, written, {**written, "pcutoff": 0.25, "max_age": 6})
    r = resolve(config, ["inference.pafthreshold=0.4"], dlc_files=[inf])
    inference, tracking = r["inference"], r["tracking"]
    assert inference["pafthreshold"] == 0.4 and r.source("inference.pafthreshold") == "command line"
    assert inference["pcutoff"] == 0.25 and r.source("inference.pcutoff") == "inference_cfg.yaml (edited)"
    assert tracking["pcutoff"] == 0.25 and r.source("tracking.pcutoff") == "inference_cfg.yaml (edited)"
    assert tracking["max_age"] == 6 and r.source("tracking.max_age") == "inference_cfg.yaml (edited)"
    assert inference["nmsradius"] == 7.0 and r.source("inference.nmsradius") == "madlc.yaml"
    # untouched value of the file: the shuffle's default, below madlc.yaml
    assert inference["minimalnumberofconnections"] == 2
    assert r.source("inference.minimalnumberofconnections") == "inference_cfg.yaml (as madlc wrote it)"
    assert inference["grouping"] == "average" and r.source("inference.grouping") == "default"
    # the command line beats a hand edit
    r = resolve(config, ["inference.pcutoff=0.5", "tracking.max_age=2"], dlc_files=[inf])
    assert r["inference"]["pcutoff"] == 0.5 and r["tracking"]["max_age"] == 2
    assert r.source("tracking.max_age") == "command line"


def test_madlc_yaml_change_wins_over_untouched_dlc_file(tmp_path):
    written = {"pafthreshold": 0.1, "iou_threshold": 0.6}
    inf = _model_files(tmp_path, written)
    config = _project(tmp_path)
    r = resolve(config, dlc_files=[inf])
    assert r["tracking"]["iou_threshold"] == 0.6
    assert r.source("tracking.iou_threshold") == "inference_cfg.yaml (as madlc wrote it)"
    (tmp_path / "madlc.yaml").write_text("tracking: {iou_threshold: 0.5}\ninference: {pafthreshold: 0.3}\n")
    r = resolve(config, dlc_files=[inf])
    assert r["tracking"]["iou_threshold"] == 0.5 and r.source("tracking.iou_threshold") == "madlc.yaml"
    assert r["inference"]["pafthreshold"] == 0.3


def test_file_without_record_is_the_shuffle_default_and_shadowing_is_reported(tmp_path, caplog):
    inf = _model_files(tmp_path, {"pafthreshold": 0.2, "pcutoff": 0.4}, record=False)
    config = _project(tmp_path, {"inference": {"pcutoff": 0.3}})
    with caplog.at_level(logging.WARNING):
        r = resolve(config, dlc_files=[inf])
    assert r["inference"]["pafthreshold"] == 0.2 and r.source("inference.pafthreshold") == "inference_cfg.yaml"
    assert r["inference"]["pcutoff"] == 0.3 and r.source("inference.pcutoff") == "madlc.yaml"
    assert "overridden by madlc.yaml" in caplog.text and "0.4" in caplog.text


def test_pose_cfg_peak_settings(tmp_path):
    test = tmp_path / "test"
    test.mkdir()
    pose = test / "pose_cfg.yaml"
    pose.write_text(yaml.safe_dump({"nmsradius": 6.0, "minconfidence": 0.01, "all_joints": [[0]], "paf_best": [0]}))
    record_written(pose, {"nmsradius": 5.0, "minconfidence": 0.01})
    r = resolve(None, dlc_files=[pose])
    assert r["inference"]["nmsradius"] == 6.0 and r.source("inference.nmsradius") == "pose_cfg.yaml (edited)"
    assert r.source("inference.minconfidence") == "pose_cfg.yaml (as madlc wrote it)"


def test_madlc_yaml_group_choice_overrides_list_and_provenance(tmp_path):
    config = _project(tmp_path, {"model": "resnet_50", "overrides": ["train.max_steps=123"], "seed": 3})
    r = resolve(config, ["data.batch_size=2"])
    assert r["model"]["backbone"] == "resnet_50" and r["model"]["neck"] == "single"
    assert r.source("model.neck") == "madlc.yaml (model=resnet_50)"
    assert r["train"]["max_steps"] == 123 and r.source("train.max_steps") == "madlc.yaml"
    assert r["seed"] == 3 and r.source("seed") == "madlc.yaml"
    assert r["data"]["batch_size"] == 2 and r.source("data.batch_size") == "command line"
    r = resolve(config, ["model=tiny"])
    assert r["model"]["backbone"] == "tiny" and r.source("model.backbone") == "command line (model=tiny)"


@pytest.mark.parametrize("setting, allowed", [
    ("inference.pcutoff=5", "a number in [0, 1]"),
    ("tracking.max_age=-1", "an integer >= 0"),
    ("filter.filtertype=foo", "median | arima | spline"),
    ("inference.pcutoff=abc", "a number in [0, 1]"),
    ("model.stride=6", "4 | 8"),
])
def test_bad_value_on_command_line_names_key_range_and_source(setting, allowed):
    key = setting.split("=")[0]
    with pytest.raises(ConfigError) as err:
        resolve(None, [setting])
    text = str(err.value)
    assert key in text and allowed in text and "command line" in text


def test_bad_value_in_madlc_yaml_names_the_file(tmp_path):
    config = _project(tmp_path, {"tracking": {"max_age": -1}})
    with pytest.raises(ConfigError, match=r"tracking\.max_age=-1 .*madlc\.yaml.*an integer >= 0"):
        resolve(config)
    config = _project(tmp_path, {"tracking": {"no_such_key": 1}})
    with pytest.raises(ConfigError, match=r"tracking\.no_such_key.*madlc\.yaml.*no such setting"):
        resolve(config)
    config = _project(tmp_path, {"trackign": {"max_age": 1}})
    with pytest.raises(ConfigError, match=r"madlc\.yaml: unknown settings \['trackign'\]"):
        resolve(config)


def test_bad_value_in_hand_edited_dlc_file_names_the_file(tmp_path):
    inf = _model_files(tmp_path, {"pcutoff": 0.1}, {"pcutoff": 7})
    with pytest.raises(ConfigError, match=r"inference\.pcutoff=7(\.0)? .*inference_cfg\.yaml \(edited\): .*test/inference_cfg\.yaml.*\[0, 1\]"):
        resolve(None, dlc_files=[inf])


def test_invalid_yaml_in_madlc_yaml_names_the_file(tmp_path):
    config = _project(tmp_path, "tracking: {iou_threshold: [0.5\n")
    with pytest.raises(ConfigError, match=r"madlc\.yaml: not valid YAML"):
        resolve(config)
    config = _project(tmp_path, "- a\n- b\n")
    with pytest.raises(ConfigError, match=r"madlc\.yaml: expected a mapping"):
        resolve(config)


def test_stage_settings_only_the_stage_groups_and_json(tmp_path):
    config = _project(tmp_path, {"tracking": {"iou_threshold": 0.5}})
    values = stage_settings("stitch_tracklets", config)
    assert set(values) == {"tracking"} and values["tracking"]["iou_threshold"] == 0.5
    assert json.loads(json.dumps(values)) == values
    assert set(stage_settings("convert_detections2tracklets", config)) == {"inference", "tracking"}
    assert set(stage_settings("analyze_videos", config)) == {"inference", "analyze"}
    with pytest.raises(ConfigError, match="unknown stage"):
        stage_settings("no_such_stage", config)


def test_show_settings_prints_values_and_sources(tmp_path, capsys):
    from madlc import show_settings

    config = _project(tmp_path, {"tracking": {"iou_threshold": 0.5}})
    rows = show_settings(config, "stitch_tracklets", ["tracking.max_age=3"])
    out = capsys.readouterr().out
    assert rows["tracking.iou_threshold"] == (0.5, "madlc.yaml")
    assert rows["tracking.max_age"] == (3, "command line")
    assert rows["tracking.min_length"] == (10, "default")
    assert all(key.startswith("tracking.") for key in rows)
    lines = {line.split()[0]: line.split(None, 2) for line in out.splitlines() if not line.startswith("#")}
    assert lines["tracking.iou_threshold"][1:] == ["0.5", "madlc.yaml"]
    assert lines["tracking.max_age"][1:] == ["3", "command line"]
    # aligned: every value starts in the same column
    columns = {line.index(line.split()[1], len(line.split()[0])) for line in out.splitlines() if not line.startswith("#")}
    assert len(columns) == 1


def test_show_settings_command_takes_the_stage_positionally(tmp_path, capsys):
    """`madlc show-settings CONFIG STAGE key=value` (as README and the docstring say); printed once."""
    from madlc.cli import main

    config = _project(tmp_path, {"tracking": {"iou_threshold": 0.5}})
    assert main(["show-settings", str(config), "stitch_tracklets", "tracking.max_age=3"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line.split(None, 2)[1:] for line in out.splitlines() if not line.startswith("#")}
    assert lines["tracking.max_age"] == ["3", "command line"] and lines["tracking.iou_threshold"] == ["0.5", "madlc.yaml"]
    assert all(key.startswith("tracking.") for key in lines)  # the stage's groups only, no JSON dump after


@pytest.mark.parametrize("text", ["C:\\data\\w.pt", "it's here: a/b c.pt", "x\\"])
def test_madlc_yaml_strings_reach_the_settings_unchanged(tmp_path, text):
    config = _project(tmp_path, {"train": {"init_weights": text}})
    assert resolve(config)["train"]["init_weights"] == text
