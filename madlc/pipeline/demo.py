"""``madlc demo``: the whole workflow on a synthetic project, end to end, on a CPU in minutes.

Makes a synthetic 3-animal project with exact ground truth (``madlc.synth``), runs
``madlc run`` on it (the project's video and a held-out video of the same kind), and
prints what a user would look at: where the outputs are, and the pose and tracking
scores against the ground truth.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

#: small settings so that the demo trains and analyzes on a CPU in a few minutes
#: (the synthetic project's own madlc.yaml already picks the tiny network and small-frame settings)
DEMO_OVERRIDES = ["train.max_steps=1000", "train.save_epochs=1000"]


def demo(
    directory: str,
    animals: int = 3,
    frames: int = 300,
    labeled_frames: int = 60,
    cores: int | None = None,
    overrides: Sequence[str] = (),
) -> str:
    """Make a synthetic project in DIRECTORY (once) and run the whole pipeline on it; return config.yaml.

    Running it again does only what changed (nothing, the second time).
    """
    from madlc.pipeline.run import run
    from madlc.synth.project import synth_project

    folder = Path(directory).expanduser().resolve()
    config = folder / "config.yaml"
    if not config.exists():
        config = Path(synth_project(str(folder), animals=animals, bodyparts=4, frames=frames, size="160x120",
                                    labeled_frames=labeled_frames, videos=1, held_out=1, seed=0))
    held_out = sorted((config.parent / "held-out").glob("*.mp4"))
    run(str(config), "all", cores=cores, videos=[str(v) for v in held_out],
        overrides=[*DEMO_OVERRIDES, *overrides])
    print(report(config))
    return str(config)


def report(config: str | Path) -> str:
    """A short text report of a finished run: evaluation and tracking scores, where the outputs are."""
    config = Path(config)
    state = config.parent / ".madlc"
    lines = [f"madlc demo: project {config.parent}"]
    for marker in sorted(state.rglob("*.done")):
        try:
            payload = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        result = payload.get("result")
        stage = marker.stem if marker.parent.parent.name != "videos" else f"{marker.stem} [{marker.parent.name}]"
        if isinstance(result, dict):
            shown = {k: v for k, v in result.items() if isinstance(v, (int, float, str)) and len(str(v)) < 80}
            lines.append(f"  {stage:<28} {json.dumps(shown, default=str)[:300]}")
        elif result is not None:
            lines.append(f"  {stage:<28} {str(result)[:200]}")
        else:
            lines.append(f"  {stage:<28} done ({payload.get('seconds', '?')} s)")
    return "\n".join(lines)
