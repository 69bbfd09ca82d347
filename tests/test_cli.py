"""The `madlc` command: one subcommand per public function, generated (jsonargparse) from its signature."""
from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import pytest

import madlc
from madlc.cli import _source_docstring, build_parser, describe, main
from madlc.errors import ConfigError

SEEN: dict = {}


def fake_stage(config: str, videos: list[str], shuffle: int = 1, track_method: str = "ellipse",
               save_as_csv: bool = False, overwrite: bool = True, Shuffles: list[int] | None = None,
               displayedbodyparts: str | list[str] = "all", edits: dict | None = None, output: str | None = None,
               settings: dict | None = None, overrides: Sequence[str] = ()) -> list[str]:
    """Pretend to analyse videos.

    Args:
        config: the project's config.yaml
        track_method: how the animals are linked, ellipse or box
    """
    SEEN.clear()
    SEEN.update(config=config, videos=videos, shuffle=shuffle, track_method=track_method, save_as_csv=save_as_csv,
                overwrite=overwrite, Shuffles=Shuffles, displayedbodyparts=displayedbodyparts, edits=edits,
                output=output, settings=settings, overrides=list(overrides))
    return [f"{v}.out" for v in videos]


def optional_config(config: str | None = None, pickle_file: str | None = None, port: int = 8080) -> None:
    """A GUI-like command: `madlc optional-config [CONFIG]`."""
    SEEN.clear()
    SEEN.update(config=config, port=port)


def show(config: str, stage: str | None = None, /, verbose: bool = False) -> str:
    """Positional-only parameters with a default: `madlc show CONFIG [STAGE]`."""
    SEEN.clear()
    SEEN.update(config=config, stage=stage, verbose=verbose)
    return f"{config} {stage}"


def failing(config: str) -> None:
    """Always refuses its input."""
    raise ConfigError(f"{config}: key 'numframes2pick' is -1.\nWhat to do: set it to a positive number.")


@pytest.fixture
def fakes(monkeypatch):
    real = madlc._resolve
    stand_ins = {"fake_stage": fake_stage, "optional_config": optional_config, "failing": failing, "show": show}
    for name in stand_ins:
        monkeypatch.setitem(madlc.API, name, f"tests_fake:{name}")
    monkeypatch.setattr(madlc, "_resolve", lambda name: stand_ins[name] if name in stand_ins else real(name))
    return SEEN


def test_every_public_function_has_a_subcommand_with_help(capsys):
    for name in madlc.API:
        func = madlc._resolve(name)
        parser = build_parser(name, func)
        assert parser.prog == f"madlc {name.replace('_', '-')}"
        assert func.__doc__, f"{name} has no docstring (its --help would be empty)"
        options = {o for action in parser._actions for o in action.option_strings}
        assert "--settings" not in options and "settings" not in {a.dest for a in parser._actions}
    assert main(["--help"]) == 0
    listing = capsys.readouterr().out
    for name in madlc.API:
        assert f"  {name.replace('_', '-')} " in listing or listing.rstrip().endswith(name.replace("_", "-"))
    assert "Detect body parts in videos" in listing  # first docstring line, read without importing the module
    assert _source_docstring("madlc.io", "atomic_path")  # found through `from madlc.io.atomic import atomic_path`


def test_options_follow_the_python_argument_names():
    func = madlc._resolve("create_labeled_video")
    options = {a for action in build_parser("create_labeled_video", func)._actions for a in action.option_strings}
    assert {"--color-by", "--draw-skeleton", "--no-draw-skeleton", "--track-method"} <= options
    func = madlc._resolve("track")
    options = {a for action in build_parser("track", func)._actions for a in action.option_strings}
    assert {"-o", "--method", "--identity-only"} <= options


@pytest.mark.parametrize("command, expected", [
    ("create-labeled-video", ["CONFIG VIDEOS [VIDEOS ...]", "--color-by", "--no-draw-skeleton", "--track-method"]),
    ("track", ["-o OUTPUT, --output OUTPUT", "--method", "KEY=VALUE", "Link the animals"]),
    ("gui", ["[CONFIG]", "--port", "--open-browser"]),
])
def test_command_help_lists_its_options(command, expected, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    for text in expected:
        assert text in out, (text, out)


def test_positional_lists_options_with_dashes_flags_and_yaml_values(fakes):
    assert main(["fake-stage", "cfg.yaml", "a.mp4", "b.mp4", "--track-method", "box", "--save-as-csv",
                 "--no-overwrite", "--shuffles", "[1,2]", "--displayedbodyparts", "snout", "tail",
                 "--edits", "{colormap: summer}", "-o", "out.h5", "--shuffle", "2"]) == 0
    assert fakes == {"config": "cfg.yaml", "videos": ["a.mp4", "b.mp4"], "shuffle": 2, "track_method": "box",
                     "save_as_csv": True, "overwrite": False, "Shuffles": [1, 2],
                     "displayedbodyparts": ["snout", "tail"], "edits": {"colormap": "summer"}, "output": "out.h5",
                     "settings": None, "overrides": []}
    # defaults, the underscore spelling, a list as several words, a single word for `str | list[str]`
    assert main(["fake-stage", "cfg.yaml", "a.mp4", "--track_method", "ellipse", "--Shuffles", "1", "3",
                 "--displayedbodyparts", "all", "--output=x.h5"]) == 0
    assert fakes["videos"] == ["a.mp4"] and fakes["Shuffles"] == [1, 3] and fakes["displayedbodyparts"] == "all"
    assert fakes["save_as_csv"] is False and fakes["overwrite"] is True and fakes["output"] == "x.h5"


def test_only_the_options_given_are_passed(fakes, monkeypatch):
    """Options left out are not passed, so the function's defaults (and settings behind them) apply."""
    passed: dict = {}

    @functools.wraps(fake_stage)
    def spy(*args, **kwargs):
        passed.update(kwargs)
        return fake_stage(*args, **kwargs)

    real = madlc._resolve
    monkeypatch.setattr(madlc, "_resolve", lambda name: spy if name == "fake_stage" else real(name))
    assert main(["fake-stage", "cfg.yaml", "a.mp4", "--shuffle", "1", "--no-save-as-csv"]) == 0
    assert passed == {"config": "cfg.yaml", "videos": ["a.mp4"], "shuffle": 1, "save_as_csv": False, "overrides": []}


def test_hydra_overrides_are_trailing_key_value_words(fakes):
    assert main(["fake-stage", "cfg.yaml", "a.mp4", "b.mp4", "tracking.max_age=3", "--shuffle", "2",
                 "+model.extra=1"]) == 0
    assert fakes["videos"] == ["a.mp4", "b.mp4"] and fakes["shuffle"] == 2
    assert fakes["overrides"] == ["tracking.max_age=3", "+model.extra=1"]


def test_settings_cannot_be_given_on_the_command_line(fakes, capsys):
    assert main(["fake-stage", "--help"]) == 0
    out = capsys.readouterr().out
    assert "settings" not in out
    assert "how the animals are linked, ellipse or box" in out  # the docstring's Args section is the option help
    assert main(["fake-stage", "cfg.yaml", "a.mp4", "--settings", "{a: 1}"]) == 2
    assert "settings" in capsys.readouterr().err


def test_optional_positional_config(fakes):
    assert main(["optional-config"]) == 0 and fakes == {"config": None, "port": 8080}
    assert main(["optional-config", "p/config.yaml", "--port", "9000"]) == 0
    assert fakes == {"config": "p/config.yaml", "port": 9000}


def test_positional_only_parameters_with_a_default_are_optional_positionals(fakes, capsys):
    assert main(["show", "p/config.yaml", "--verbose"]) == 0
    assert fakes == {"config": "p/config.yaml", "stage": None, "verbose": True}
    assert main(["show", "p/config.yaml", "track"]) == 0 and fakes["stage"] == "track"
    assert capsys.readouterr().out.splitlines()[-1] == "p/config.yaml track"
    assert main(["show", "--help"]) == 0
    assert "CONFIG [STAGE]" in capsys.readouterr().out


def test_bad_value_is_a_usage_error(fakes, capsys):
    assert main(["fake-stage", "cfg.yaml", "a.mp4", "--shuffle", "two"]) == 2
    assert "shuffle" in capsys.readouterr().err
    assert main(["fake-stage", "cfg.yaml"]) == 2  # VIDEOS missing


def test_madlc_error_is_one_paragraph_with_exit_code_2(fakes, capsys):
    assert main(["failing", "p/config.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "madlc failing: error: p/config.yaml: key 'numframes2pick' is -1. What to do: set it to a positive number."]


def test_bad_input_is_one_clear_error_not_a_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "madlc.cli", "create-new-project", "my project", "ana",
                           str(tmp_path / "missing.mp4")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "my project" in proc.stderr and "What to do" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_unknown_command_lists_the_commands(capsys):
    assert main(["analyse-videos"]) == 2
    err = capsys.readouterr().err
    assert "madlc analyze-videos" in err and "create-new-project" in err


def test_results_print_for_people_and_as_json(fakes, capsys, tmp_path):
    assert main(["fake-stage", "cfg.yaml", "a.mp4", "b.mp4"]) == 0
    assert capsys.readouterr().out.splitlines() == ["a.mp4.out", "b.mp4.out"]
    assert main(["fake-stage", "cfg.yaml", "a.mp4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == ["a.mp4.out"]
    images = []
    for i in range(12):
        images.append(tmp_path / "labeled-data" / "m1_labeled" / f"img{i:03d}.png")
        images[-1].parent.mkdir(parents=True, exist_ok=True)
        images[-1].touch()
    text = describe({"images": [str(p) for p in images], "outside": [], "missing": [], "mAP": 0.81234})
    assert text.splitlines() == [f"images: 12 files in {images[0].parent}", "outside: none", "missing: none",
                                 "mAP: 0.8123"]
    assert describe(["a", "b"]) == "a\nb" and describe(None) == "" and describe(3) == "3"
    assert describe([str(i) for i in range(25)]).splitlines()[-1] == "... and 15 more (25 in all)"


def test_synth_project_from_the_command_line_prints_the_config(tmp_path):
    out = subprocess.run([sys.executable, "-m", "madlc.cli", "synth-project", str(tmp_path / "p"), "--animals", "2",
                          "--frames", "20", "--size", "64x48", "--labeled-frames", "4", "--seed", "1"],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    assert Path(out) == tmp_path / "p" / "config.yaml" and Path(out).exists()


def test_cli_imports_neither_torch_nor_the_other_commands():
    code = ("import sys; from madlc.cli import main; main(['--help']); main(['create-new-project', '--help']); "
            "main(['check-labels', '--help']); print(sorted(m for m in ('torch', 'lightning', 'madlc.webapp') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_nested_results_read_as_indented_lines():
    assert describe({"shuffle 1": {"train error": 2.5, "test error": 3.25}, "snapshots": ["a", "b"], "n": 1}) == (
        "shuffle 1:\n  train error: 2.5\n  test error: 3.25\nsnapshots:\n  a\n  b\nn: 1")
