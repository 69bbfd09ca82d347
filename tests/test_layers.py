"""The package layering (docs/architecture.md), checked on the source with ``ast``.

- ``madlc/core`` is pure: it imports none of madlc's file, project, settings, stage,
  workflow, web or torch code and opens no file.
- Only ``madlc/nn`` imports torch or Lightning (at module level or inside functions).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "madlc"

#: module prefixes core may not import
CORE_FORBIDDEN_IMPORTS = (
    "madlc.io", "madlc.project", "madlc.settings", "madlc.config", "madlc.stages", "madlc.workflow",
    "madlc.pipeline", "madlc.webapp", "madlc.nn", "madlc.cli", "madlc.video", "madlc.viz",
    "torch", "torchvision", "lightning", "pytorch_lightning", "h5py", "tables", "cv2", "pickle", "shelve",
    "yaml", "hydra", "omegaconf",
)
#: calls that read or write files: bare names and attribute names (obj.<name>(...))
CORE_FORBIDDEN_CALLS = {"open"}
CORE_FORBIDDEN_METHODS = {
    "read_text", "write_text", "read_bytes", "write_bytes", "open", "to_hdf", "to_csv", "to_pickle",
    "savez", "savez_compressed", "loadtxt", "savetxt", "genfromtxt", "fromfile", "tofile", "mkdir", "unlink",
}
#: module-qualified calls that touch files (np.load, pd.read_csv, ...)
CORE_FORBIDDEN_QUALIFIED = {("np", "load"), ("np", "save"), ("numpy", "load"), ("numpy", "save")}
TORCH = ("torch", "torchvision", "lightning", "pytorch_lightning")


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _imports(tree: ast.AST, path: Path) -> list[tuple[int, str]]:
    """Every module an ``import`` names (absolute; relative imports resolved against ``path``)."""
    found = []
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _matches(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def core_violations(path: Path, source: str | None = None) -> list[str]:
    """Forbidden imports and file access in one core module, as ``file:line: what``."""
    source = path.read_text() if source is None else source
    tree = ast.parse(source)
    where = path.relative_to(PACKAGE.parent)
    bad = [f"{where}:{line}: imports {module}" for line, module in _imports(tree, path)
           if _matches(module, CORE_FORBIDDEN_IMPORTS)]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in CORE_FORBIDDEN_CALLS:
            bad.append(f"{where}:{node.lineno}: calls {func.id}()")
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if func.attr in CORE_FORBIDDEN_METHODS or (owner, func.attr) in CORE_FORBIDDEN_QUALIFIED \
                    or (owner in ("pd", "pandas") and func.attr.startswith("read_")):
                bad.append(f"{where}:{node.lineno}: calls {owner or '...'}.{func.attr}()")
    return sorted(set(bad))


def torch_violations(path: Path, source: str | None = None) -> list[str]:
    """torch/Lightning imports (anywhere in the module) outside madlc/nn."""
    source = path.read_text() if source is None else source
    where = path.relative_to(PACKAGE.parent)
    return [f"{where}:{line}: imports {module}" for line, module in _imports(ast.parse(source), path)
            if _matches(module, TORCH)]


def test_core_is_pure() -> None:
    bad = [v for path in _modules(PACKAGE / "core") for v in core_violations(path)]
    assert not bad, "madlc/core must not do file I/O or import these layers:\n" + "\n".join(bad)


def test_only_nn_imports_torch() -> None:
    nn = PACKAGE / "nn"
    bad = [v for path in _modules(PACKAGE) if nn not in path.parents for v in torch_violations(path)]
    assert not bad, "torch/Lightning belong in madlc/nn (call its functions instead):\n" + "\n".join(bad)


@pytest.mark.parametrize("snippet, expected", [
    ("from madlc.io import read_tracks\n", "imports madlc.io"),
    ("import madlc.project.paths\n", "imports madlc.project.paths"),
    ("from madlc import settings\n", "imports madlc.settings"),
    ("from ...stages import track\n", "imports madlc.stages"),
    ("def f():\n    import torch\n", "imports torch"),
    ("import h5py\n", "imports h5py"),
    ("def f(p):\n    return open(p).read()\n", "calls open()"),
    ("def f(p):\n    return p.read_text()\n", ".read_text()"),
    ("import numpy as np\ndef f(p):\n    return np.load(p)\n", "calls np.load()"),
    ("import pandas as pd\ndef f(p):\n    return pd.read_hdf(p)\n", "calls pd.read_hdf()"),
    ("def f(df, p):\n    df.to_csv(p)\n", ".to_csv()"),
])
def test_the_checks_catch_a_bad_core_module(snippet: str, expected: str) -> None:
    path = PACKAGE / "core" / "tracking" / "example.py"
    assert any(expected in v for v in core_violations(path, snippet)), core_violations(path, snippet)


def test_the_torch_check_catches_an_import_in_a_function() -> None:
    path = PACKAGE / "stages" / "example.py"
    assert torch_violations(path, "def f():\n    from lightning import Trainer\n")
    assert not torch_violations(path, "def f():\n    from madlc.nn.models import load_model\n")
