"""The `madlc` command: one subcommand per public function, generated from its signature."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path


import madlc
from madlc.cli import build_parser, main


def test_every_public_function_has_a_subcommand_with_help(capsys):
    for name in madlc.API:
        func = madlc._resolve(name)
        parser = build_parser(name, func)
        assert parser.prog == f"madlc {name.replace('_', '-')}"
        assert func.__doc__, f"{name} has no docstring (its --help would be empty)"
    assert main(["--help"]) == 0
    assert "analyze-videos" in capsys.readouterr().out


def test_options_follow_the_python_argument_names():
    func = madlc._resolve("create_labeled_video")
    options = {a for action in build_parser("create_labeled_video", func)._actions for a in action.option_strings}
    assert {"--color-by", "--draw-skeleton", "--no-draw-skeleton", "--track-method"} <= options
    func = madlc._resolve("track")
    options = {a for action in build_parser("track", func)._actions for a in action.option_strings}
    assert {"-o", "--method", "--identity-only"} <= options


def test_synth_project_from_the_command_line_prints_the_config(tmp_path):
    out = subprocess.run([sys.executable, "-m", "madlc.cli", "synth-project", str(tmp_path / "p"), "--animals", "2",
                          "--frames", "20", "--size", "64x48", "--labeled-frames", "4", "--seed", "1"],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    assert Path(out) == tmp_path / "p" / "config.yaml" and Path(out).exists()


def test_bad_input_is_one_clear_error_not_a_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "madlc.cli", "create-new-project", "my project", "ana",
                           str(tmp_path / "missing.mp4")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "my project" in proc.stderr and "What to do" in proc.stderr


def test_unknown_command_lists_the_commands(capsys):
    assert main(["analyse-video"]) == 2
    assert "analyze-videos" in capsys.readouterr().err


def test_hydra_overrides_after_positional_lists_are_split(monkeypatch):
    seen = {}

    def fake(config: str, videos: list[str], shuffle: int = 1, overrides=()) -> None:
        """A stand-in API function."""
        seen.update(config=config, videos=videos, shuffle=shuffle, overrides=list(overrides))

    monkeypatch.setitem(madlc.API, "fake_stage", "tests_fake:fake")
    monkeypatch.setattr(madlc, "_resolve", lambda name: fake)
    assert main(["fake-stage", "cfg.yaml", "a.mp4", "b.mp4", "tracking.max_age=3", "--shuffle", "2"]) == 0
    assert seen == {"config": "cfg.yaml", "videos": ["a.mp4", "b.mp4"], "shuffle": 2,
                    "overrides": ["tracking.max_age=3"]}
