"""The ``madlc`` command: one subcommand per public API function.

Subcommands are generated from :data:`madlc.API` and the functions' signatures, so the
CLI always matches the Python API:

- the subcommand is the function's name with dashes (``analyze_videos`` -> ``analyze-videos``);
- required arguments are positional (a list argument such as ``videos`` takes one or more);
- options are the Python argument names with dashes (``--track-method``, ``--destfolder``);
  booleans are flags (``--save-as-csv`` / ``--no-save-as-csv``); an argument named
  ``output`` also answers to ``-o``;
- a function with an ``overrides`` argument takes Hydra overrides (``key=value``) as
  trailing words: ``madlc train-network CONFIG model=resnet_50 train.max_steps=20000``.

Values of non-string options are read as YAML (``--shuffles [1,2]``, ``--plotting true``).
A :class:`madlc.errors.MadlcError` is printed as one clear paragraph (exit code 2), not a traceback.
"""
from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import typing
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml

import madlc
from madlc.errors import MadlcError

_PRINTS_ITSELF = {"run"}  # commands that already printed their result
_OVERRIDE = re.compile(r"^[+~]{0,2}[A-Za-z_][\w.\-]*=")


def _type_hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func)
    except Exception:  # unresolvable forward references: fall back to the raw strings
        return dict(getattr(func, "__annotations__", {}))


def _hint_text(hint: Any) -> str:
    return hint if isinstance(hint, str) else repr(hint)


def _is_list(hint: Any) -> bool:
    text = _hint_text(hint).lower()
    return any(word in text for word in ("list", "sequence", "tuple", "iterable")) and "dict" not in text


def _is_plain_str(hint: Any) -> bool:
    if hint in (str, Path):
        return True
    text = _hint_text(hint).replace("typing.", "").replace(" ", "")
    return text in {"str", "Path", "str|Path", "Path|str", "str|None", "Optional[str]", "Union[str,NoneType]",
                    "str|Path|None", "Optional[Union[str,Path]]", "Union[str,Path,NoneType]",
                    "Union[str,pathlib.Path]", "Union[str,pathlib.Path,NoneType]", "<class'str'>",
                    "<class'pathlib.Path'>", "Union[str,NoneType,pathlib.Path]"}


def _is_list_of_str(hint: Any) -> bool:
    text = _hint_text(hint).replace("typing.", "").replace(" ", "")
    return bool(re.search(r"(list|Sequence|tuple|Iterable)\[(str|Path|str\|Path|Union\[str,pathlib\.Path\])", text))


def _parse_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _first_doc_line(func: Callable[..., Any]) -> str:
    doc = inspect.getdoc(func) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def build_parser(name: str, func: Callable[..., Any]) -> argparse.ArgumentParser:
    """An argparse parser for one API function, derived from its signature."""
    parser = argparse.ArgumentParser(
        prog=f"madlc {name.replace('_', '-')}",
        description=inspect.getdoc(func) or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    hints = _type_hints(func)
    for pname, param in inspect.signature(func).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or pname == "overrides":
            continue
        hint = hints.get(pname, str)
        required = param.default is inspect.Parameter.empty
        dest = pname
        if pname == "config" and param.default is None:  # `madlc gui [CONFIG]`
            parser.add_argument(dest, nargs="?", default=None, help="the project's config.yaml (optional)")
            continue
        if required:
            nargs = "+" if _is_list(hint) else None
            parser.add_argument(dest, nargs=nargs, help=f"{pname} ({_hint_text(hint)})")
            continue
        flags = [f"--{pname.replace('_', '-')}"]
        if pname.replace("_", "-") != pname:
            flags.append(f"--{pname}")
        if pname == "output":
            flags.insert(0, "-o")
        default = param.default
        if hint is bool or _hint_text(hint) in ("bool", "<class 'bool'>") or (pname not in hints and isinstance(default, bool)):
            parser.add_argument(*flags, dest=dest, action=argparse.BooleanOptionalAction, default=default,
                                help=f"(default: {default})")
        elif _is_list(hint) and not _is_plain_str(hint):
            parser.add_argument(*flags, dest=dest, nargs="+", default=default, help=f"(default: {default})")
        else:
            parser.add_argument(*flags, dest=dest, default=default, help=f"(default: {default})")
    if "overrides" in inspect.signature(func).parameters:
        parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. model=tiny train.max_steps=200")
    return parser


def _convert(func: Callable[..., Any], namespace: dict[str, Any]) -> dict[str, Any]:
    hints = _type_hints(func)
    params = inspect.signature(func).parameters
    out: dict[str, Any] = {}
    for key, value in namespace.items():
        param = params.get(key)
        if param is None:
            continue
        hint = hints.get(key, str)
        if value is None or (param.default is not inspect.Parameter.empty and value is param.default):
            out[key] = value
        elif isinstance(value, list):
            out[key] = value if _is_list_of_str(hint) or key == "overrides" else [_parse_value(v) for v in value]
        elif isinstance(value, str) and not _is_plain_str(hint):
            out[key] = _parse_value(value)
        else:
            out[key] = value
    return out


def _split_overrides(func: Callable[..., Any], argv: list[str]) -> tuple[list[str], list[str]]:
    """Separate Hydra overrides (``key=value`` words, anywhere on the line) from the other arguments."""
    if "overrides" not in inspect.signature(func).parameters:
        return argv, []
    plain = [a for a in argv if not (_OVERRIDE.match(a) and not Path(a).exists())]
    return plain, [a for a in argv if a not in plain]


def _print_result(result: Any) -> None:
    if result is None:
        return
    if isinstance(result, (str, Path, int, float)):
        print(result)
    else:
        try:
            print(json.dumps(result, indent=2, default=str))
        except (TypeError, ValueError):
            print(result)


def _usage() -> str:
    lines = ["usage: madlc COMMAND [ARGS...]   (madlc COMMAND --help for its arguments)", "", "commands:"]
    lines += [f"  {name.replace('_', '-')}" for name in madlc.API]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``madlc`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    if args[0] in ("--version", "version"):
        print(madlc.__version__)
        return 0
    name = args[0].replace("-", "_")
    if name not in madlc.API:
        print(f"madlc: unknown command {args[0]!r}.\n\n{_usage()}", file=sys.stderr)
        return 2
    func = madlc._resolve(name)
    parser = build_parser(name, func)
    plain, override_words = _split_overrides(func, args[1:])
    namespace = vars(parser.parse_args(plain))
    if override_words:
        namespace["overrides"] = list(namespace.get("overrides") or []) + override_words
    try:
        result = func(**_convert(func, namespace))
    except MadlcError as err:
        print(f"madlc {args[0]}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; finished outputs are kept, rerun the same command to resume.", file=sys.stderr)
        return 130
    if name not in _PRINTS_ITSELF:
        try:
            _print_result(result)
        except BrokenPipeError:  # `madlc … | head`
            sys.stderr.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
