"""The package's layout: layers that import only downwards, no import cycles, few top-level modules.

Reads every ``import`` of ``fer_utils`` as text (imports inside functions too),
so a cycle cannot hide behind a late import.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fer_utils"
LAYERS = ("config", "errors", "machine", "data", "augment", "nets", "engine", "faces", "studies", "figures",
          "exercises", "book", "cli")
"""Lowest first; a module may import its own layer and those before it. ``errors``
and ``machine`` sit beside ``config`` at the bottom."""
BOTTOM = {"config", "errors", "machine"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports, anywhere in the file."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found |= {f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m in modules and m != me and not me.startswith(m + ".")}


def import_graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(f) for f in files}
    return {module_name(f): imported_modules(f, modules) for f in files}


def layer(module: str) -> int | None:
    """The layer of ``fer_utils.X...``; ``None`` for the package itself and ``__main__``."""
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_belongs_to_a_layer():
    assert {m for m in import_graph() if layer(m) is None} == {"fer_utils", "fer_utils.__main__"}


def test_no_layer_imports_a_higher_one():
    upward = []
    for module, imports in import_graph().items():
        mine = layer(module)
        if mine is None:
            continue
        for target in imports:
            theirs = layer(target)
            ceiling = max(mine, max(LAYERS.index(b) for b in BOTTOM))
            if theirs is not None and theirs > ceiling:
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_no_import_cycles():
    graph = import_graph()
    state: dict[str, str] = {}
    cycles = []

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_top_level_stays_small():
    top = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert len(top) <= 10, top
    assert {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} == set(LAYERS) - {
        "config", "errors", "machine", "book", "cli"}
