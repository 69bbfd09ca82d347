"""The body of every Snakemake job: call one public madlc function with the rule's settings.

Each script in ``scripts/`` is one line that calls :func:`run_stage` with the name of the
public function it runs. The function writes the rule's outputs itself (atomically, with
DeepLabCut's names), so a killed job leaves no half output that Snakemake would trust. A rule
whose stage has no file of its own to show (the outlier extractions) declares a named output
``report``: the job writes the function's result there as JSON.
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
from madlc.errors import MadlcError
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


#: arguments every job offers; a function that does not take one simply does not get it
OPTIONAL_ARGUMENTS = ("config", "overrides", "overwrite", "settings")


def call_arguments(func: Any, function: str, optional: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments for ``func``: ``optional`` ones it takes, and every one of ``given``.

    A ``given`` argument the function does not take is an error (a script passing a wrong name
    must not be silently ignored).
    """
    params = inspect.signature(func).parameters
    takes_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
    unknown = [k for k in given if k not in params and not takes_any]
    if unknown:
        raise MadlcError(f"madlc.{function} takes no argument {', '.join(map(repr, unknown))} (it takes "
                         f"{', '.join(params)}). What to do: fix the job script that passes it.")
    kwargs = {k: v for k, v in optional.items() if k in params or takes_any}
    kwargs.update(given)
    return kwargs


def rule_settings(smk: Any) -> dict[str, Any] | None:
    """The resolved settings the rule carries in ``params.settings`` (JSON), or None."""
    value = getattr(smk.params, "settings", None) if hasattr(smk, "params") else None
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else dict(value)


def write_report(path: str | Path, payload: Any) -> None:
    """Write a job's result as JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n")


def run_stage(smk: Any, function: str, **kwargs: Any) -> Any:
    """Run ``madlc.<function>`` for a Snakemake job and log to its ``log:``.

    ``kwargs`` must be arguments of the function (else :class:`MadlcError`). The job also passes
    ``config``, the run's Hydra ``overrides``, ``overwrite=True`` (a job runs because its inputs or
    settings changed, so outputs are redone) and ``settings`` (the rule's resolved settings), each
    only to functions that take it.
    """
    optional = {"config": str(smk.config["project"]), "overrides": list(smk.config.get("overrides", [])),
                "overwrite": True, "settings": rule_settings(smk)}
    func = madlc._resolve(function)
    arguments = call_arguments(func, function, optional, kwargs)
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
        print(f"[madlc] {function}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})")
        result = func(**arguments)
        print(f"[madlc] {function} finished in {time.time() - started:.1f} s")
    report = getattr(smk.output, "report", None) if hasattr(smk, "output") else None
    if report:
        write_report(report, {"function": function, "result": result})
    return result


def require_labels(smk: Any, stem: str) -> None:
    """The labeling checkpoint: extract frames for a video that has none, then ask for human labels.

    Runs only when ``labeled-data/<stem>/CollectedData_<scorer>.h5`` is missing (Snakemake
    does not rerun it once the file exists), and always stops the DAG with a clear message.
    """
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
