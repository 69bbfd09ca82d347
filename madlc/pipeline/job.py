"""The body of every Snakemake job: call one public madlc function, then mark the job done.

Each script in ``scripts/`` is one line that calls :func:`run_stage` with the name of the
public function it runs. Outputs are written by the function itself (atomically);
the ``.done`` marker is written last, so a killed job leaves no marker and Snakemake
reruns it, never trusting a half-finished stage.
"""
from __future__ import annotations

import contextlib
import inspect
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import madlc
from madlc.io.atomic import atomic_path


class _Tee:
    def __init__(self, *streams):
        self.streams = streams

    def write(self, data: str) -> int:
        for s in self.streams:
            s.write(data)
            s.flush()
        return len(data)

    def flush(self) -> None:
        for s in self.streams:
            s.flush()

    def isatty(self) -> bool:
        return False


def _accepted(func, kwargs: dict[str, Any]) -> dict[str, Any]:
    params = inspect.signature(func).parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return kwargs
    return {k: v for k, v in kwargs.items() if k in params}


def write_marker(path: str | Path, payload: dict[str, Any]) -> None:
    """Write a ``.done`` marker (JSON: what ran, when, what it returned) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n")


def run_stage(smk: Any, function: str, **kwargs: Any) -> Any:
    """Run ``madlc.<function>`` for a Snakemake job, log to its ``log:``, then write its ``.done`` outputs.

    ``kwargs`` may name any argument; those the function does not take are dropped
    (e.g. ``overrides`` for a function that has no settings).
    """
    # a job runs because its inputs or settings changed: stages that keep existing outputs must redo them
    base = {"config": str(smk.config["project"]), "overrides": list(smk.config.get("overrides", [])),
            "overwrite": True}
    base.update(kwargs)
    func = madlc._resolve(function)
    log_path = Path(smk.log[0]) if smk.log else None
    started = time.time()
    with contextlib.ExitStack() as stack:
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_file = stack.enter_context(open(log_path, "a"))
            stack.enter_context(contextlib.redirect_stdout(_Tee(sys.__stdout__, log_file)))
            stack.enter_context(contextlib.redirect_stderr(_Tee(sys.__stderr__, log_file)))
            handler = logging.StreamHandler(log_file)
            logging.getLogger().addHandler(handler)
            stack.callback(logging.getLogger().removeHandler, handler)
        print(f"[madlc] {function}({', '.join(f'{k}={v!r}' for k, v in _accepted(func, base).items())})")
        result = func(**_accepted(func, base))
        print(f"[madlc] {function} finished in {time.time() - started:.1f} s")
    for out in smk.output:
        if str(out).endswith(".done"):
            write_marker(out, {"function": function, "arguments": _accepted(func, base),
                               "result": result, "seconds": round(time.time() - started, 2)})
    return result


def require_labels(smk: Any, stem: str) -> None:
    """The labeling checkpoint: extract frames for a video that has none, then ask for human labels.

    Runs only when ``labeled-data/<stem>/CollectedData_<scorer>.h5`` is missing (Snakemake
    does not rerun it once the file exists), and always stops the DAG with a clear message.
    """
    from madlc.errors import MadlcError

    folder = Path(smk.output[0]).parent
    if not any(folder.glob("img*.png")):
        run_stage(smk, "extract_frames", mode="automatic", videos=[str(smk.input[0])] if smk.input else None,
                  userfeedback=False)
    if not Path(smk.output[0]).exists():
        error = MadlcError(
            f"{smk.output[0]}: no labels yet for video '{stem}'. Frames to label are in {folder}. "
            f"What to do: label them (`madlc label-frames {smk.config['project']}`, or copy DeepLabCut's "
            "CollectedData file there), then run `madlc run` again: it continues from here."
        )
        if smk.log:
            with open(smk.log[0], "a") as log:
                log.write(f"[madlc] {error}\n")
        raise error
