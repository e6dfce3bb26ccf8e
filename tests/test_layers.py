"""The import graph of ``ibcomplexity/`` runs one way and has no cycles (issue 12).

Layers, lowest first: foundations (validation, JSON, numerics, option parsing, limits, result
types, distributions, sampling keys, plots) -> data (``tasks/``) -> statistics, hypotheses and the
bound -> estimators (``estimate/``) -> workflows -> batch jobs -> the curated top level -> the CLI.
Every import between two parts, lazy ones inside functions included, must point to a strictly
lower part; within the package, no chain of module imports may come back to where it started.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "ibcomplexity"

#: The rank of each part of the package: an import must go to a strictly lower rank.
RANK = {
    "_validation": 0,
    "_numerics": 0,
    "_json": 0,
    "_specs_help": 0,
    "results": 1,
    "_options": 1,
    "_limits": 1,
    "_user_code": 1,
    "distributions": 1,
    "sampling": 1,
    "plots": 2,
    "tasks": 2,
    "stats": 3,
    "hypotheses": 3,
    "bound": 3,
    "estimate": 4,
    "workflows": 5,
    "batch": 6,
    "__init__": 7,  # the curated top level (``import ibcomplexity``)
    "cli": 8,
    "__main__": 9,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _part(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def _edges():
    """(importer module, imported module, line) for every ``ibcomplexity`` import."""
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    for name, path in sorted(modules.items()):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ibcomplexity"):
                for alias in node.names:  # ``from pkg import submodule`` imports the submodule
                    sub = f"{node.module}.{alias.name}"
                    targets.append(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("ibcomplexity")]
            for t in targets:
                yield name, t, node.lineno


def test_every_part_has_a_rank():
    parts = {_part(_module_name(p)) for p in PKG.rglob("*.py")}
    assert parts == set(RANK), f"rank these parts in RANK: {sorted(parts ^ set(RANK))}"


def test_imports_only_point_down():
    upward = []
    for src, dst, line in _edges():
        a, b = _part(src), _part(dst)
        if a != b and RANK[b] >= RANK.get(a, -1):
            if b == "__init__" and dst == "ibcomplexity" and a == "cli":
                continue  # the CLI may read ``ibcomplexity.__version__`` from the top level
            upward.append(f"{src}:{line} imports {dst} ({a} rank {RANK[a]} -> {b} {RANK[b]})")
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    graph = defaultdict(set)
    for src, dst, _ in _edges():
        # a package's __init__ re-exports its modules: an import of a package from one of its
        # own modules is a sibling import through the package, not a cycle (ranks cover the root)
        if src != dst and not src.startswith(dst + "."):
            graph[src].add(dst)
    # Tarjan's strongly connected components; a component of two or more modules is a cycle
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)
