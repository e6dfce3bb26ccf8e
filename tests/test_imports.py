"""Every ``from ibcomplexity... import name`` in the package, the experiments and the benchmarks
resolves, the lazy ones inside functions included (a moved or renamed helper otherwise fails only
when that branch runs)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "ibcomplexity"


def _imports():
    root = PKG.parent
    paths = [*PKG.rglob("*.py"), *(root / "experiments").rglob("*.py")]
    for path in sorted([*paths, *(root / "benchmarks").rglob("*.py")]):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ibcomplexity"):
                for alias in node.names:
                    yield f"{path.relative_to(PKG.parent)}:{node.lineno}", node.module, alias.name


def test_every_import_resolves():
    broken = []
    found = list(_imports())
    for where, module, name in found:
        mod = importlib.import_module(module)
        if hasattr(mod, name):
            continue
        try:  # a submodule imported by name
            importlib.import_module(f"{module}.{name}")
        except ImportError:
            broken.append(f"{where}: from {module} import {name}")
    assert len(found) > 500 and not broken, "\n".join(broken)
