"""The package's import graph: no cycles, and the core never imports a front end's libraries.

Imports inside ``if TYPE_CHECKING:`` are left out (they never run); imports
inside functions count, since they run when called.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "searchidx"
FRONT_ENDS = ("click", "rich", "textual")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """(searchidx modules, top-level outside packages) that ``name`` imports at run time."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    inside: set[str] = set()
    outside: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            for alias in node.names:
                (inside if alias.name.startswith("searchidx") else outside).add(alias.name.split(".")[0])

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if not node.level:
                module = node.module or ""
                if not module.startswith("searchidx"):
                    outside.add(module.split(".")[0])
                    return
                base = module
            else:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                inside.add(candidate if candidate in modules else base)

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in inside if m in modules and m != name}, outside


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules)[0] for name, path in modules.items()}
    assert _cycles(graph) == []


def test_the_core_never_imports_front_end_libraries() -> None:
    modules = _modules()
    for name, path in modules.items():
        if name.startswith(("searchidx.tui", "searchidx.cli")) or name == "searchidx.__main__":
            continue
        assert not _imports(name, path, modules)[1] & set(FRONT_ENDS), name


def test_the_cycle_check_can_fail() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
