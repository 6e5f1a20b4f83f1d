"""The package's import graph: no cycles, two independent sides, no front end's libraries in the core.

Imports inside ``if TYPE_CHECKING:`` are left out (they never run); imports
inside functions count, since they run when called.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "searchidx"
FRONT_ENDS = ("click", "rich", "textual")


def _modules(package: Path = PACKAGE) -> dict[str, Path]:
    found = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _compiled_only(name: str) -> bool:
    """A module written in C: only its ``.pyi`` stub is in the source tree (``entities._crf``)."""
    stub = PACKAGE.parent.joinpath(*name.split(".")).with_suffix(".pyi")
    return stub.is_file() and not stub.with_suffix(".py").is_file()


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
                if _compiled_only(candidate):
                    continue  # a C extension module (its stub beside it): it imports nothing of ours
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


#: Optional extras: imported only inside the functions of the one module that uses them, so that
#: searchidx works (and starts as fast) without them.
OPTIONAL = {"distributed": "searchidx.executors", "dask": "searchidx.executors"}


def test_optional_extras_are_imported_only_when_asked_for() -> None:
    modules = _modules()
    for name, path in modules.items():
        used = _imports(name, path, modules)[1] & set(OPTIONAL)
        assert all(OPTIONAL[extra] == name for extra in used), name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {
            alias.name.split(".")[0]
            for node in tree.body
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        top |= {(node.module or "").split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom)}
        assert not top & set(OPTIONAL), name


#: The two sides of the core, by module or package (a package: every module in it). Each side may
#: import the shared modules, never the other side, even through a shared module; the modules
#: above both (the facade, the front ends) may import anything. ``python -m tests.structure``
#: draws these groups and the imports between them.
SIDES = {
    "search": (
        "query", "query_lexer", "query_clauses", "cost", "filters", "search", "ranking", "array_scoring",
        "phrases", "explain", "facets", "highlight", "spelling", "snapshot",
    ),
    "index": (
        "update", "segments", "whoosh_files", "posting_pool", "executors", "workers", "writing",
        "collection_files", "discovery", "ingest",
        "ingest_csv", "ingest_web", "ingest_warc", "ingest_feed", "ingest_jsonl", "fetch", "polling",
        "compressed", "fields",
    ),
}  # fmt: skip
SHARED = (
    "_version", "errors", "models", "frozen", "reports", "analysis", "dates", "schema", "storage",
    "duplicates", "resolution", "stories", "entities", "postings_arrays", "position_values",
)  # fmt: skip
FACADE = ("__init__", "index", "index_queries", "opening", "watch")  # the Index and what keeps it current
FRONT = ("__main__", "render", "cli", "cli_common", "cli_entities", "cli_watch", "tui")
ABOVE = FACADE + FRONT


def _member(name: str, group: tuple[str, ...]) -> bool:
    short = name.removeprefix("searchidx").removeprefix(".") or "__init__"
    return any(short == g or short.startswith(g + ".") for g in group)


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for other in graph[todo.pop()] - seen:
            seen.add(other)
            todo.append(other)
    return seen


def test_every_module_has_a_side() -> None:
    groups = (*SIDES.values(), SHARED, ABOVE)
    for name in _modules():
        assert sum(_member(name, group) for group in groups) == 1, name


def test_the_search_side_and_the_index_side_never_import_each_other() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules)[0] for name, path in modules.items()}
    for side, other in (("search", "index"), ("index", "search")):
        for name in modules:
            if _member(name, SIDES[side]):
                crossing = {m for m in _reaches(graph, name) if _member(m, SIDES[other])}
                assert not crossing, f"{name} ({side} side) imports {sorted(crossing)} ({other} side)"


def test_the_cycle_check_can_fail() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


# ---- Whoosh's internals: read in the snapshot, written by whoosh_files, defined by the schema ----

#: The only modules that may touch Whoosh's internals, by what they do with them. Internals are
#: any Whoosh module outside :data:`WHOOSH_PUBLIC`, any name starting with ``_`` imported from
#: Whoosh, and (in a module that imports Whoosh) any ``_private`` attribute of an object other
#: than ``self``/``cls``. Everywhere else, Whoosh is used through its public API only.
WHOOSH_PLACES = {
    "read": ("searchidx.snapshot",),  # the package: one searcher and everything read from it
    # worker segments, the writer and its posting pool, tables of contents
    "write": ("searchidx.whoosh_files", "searchidx.posting_pool"),
    "format": ("searchidx.schema", "searchidx.position_values"),  # what the fields and values hold
}
#: Whoosh's public API, importable anywhere in the core: module -> names (``None``: any public name).
WHOOSH_PUBLIC: dict[str, frozenset[str] | None] = {
    "whoosh.query": None,  # building and inspecting queries
    "whoosh.scoring": None,  # weighting models (ranking.RobertsonBM25F subclasses BM25F)
    "whoosh.index": frozenset({"open_dir", "EmptyIndexError"}),  # opening an index
}


def _in_place(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for place in WHOOSH_PLACES.values() for m in place)


def _whoosh_internals(path: Path) -> list[str]:
    """What a module uses of Whoosh beyond its public API (type-only imports included)."""
    found: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imports_whoosh = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "whoosh":
                    imports_whoosh = True
                    if alias.name not in WHOOSH_PUBLIC:
                        found.append(f"import {alias.name}")
        elif (
            isinstance(node, ast.ImportFrom)
            and not node.level
            and (node.module or "").split(".")[0] == "whoosh"
        ):
            imports_whoosh = True
            for alias in node.names:
                module, name = node.module or "", alias.name
                if module == "whoosh":  # from whoosh import query: the module itself
                    module, name = f"whoosh.{name}", ""
                allowed = WHOOSH_PUBLIC.get(module, frozenset())
                if (
                    module not in WHOOSH_PUBLIC
                    or name.startswith("_")
                    or (allowed and name and name not in allowed)
                ):
                    found.append(f"from {node.module} import {alias.name}")
    if imports_whoosh:
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_only_the_named_places_touch_whoosh_internals() -> None:
    offenders = {
        name: found
        for name, path in _modules().items()
        if not _in_place(name) and (found := _whoosh_internals(path))
    }
    assert offenders == {}


def test_the_places_are_where_the_internals_are() -> None:
    """Each place exists and really uses internals (else the rule above would be vacuous)."""
    modules = _modules()
    assert _whoosh_internals(modules["searchidx.snapshot.postings"])  # W3LeafMatcher, _blocklength, ...
    assert _whoosh_internals(modules["searchidx.snapshot.searcher"])  # weighting._field_B, _btexts
    for place in WHOOSH_PLACES.values():
        for name in place:
            assert name in modules, name


def test_the_snapshot_package_is_imported_whole() -> None:
    """Outside the package, modules import ``searchidx.snapshot``, never its modules (the codec above all)."""
    modules = _modules()
    for name, path in modules.items():
        if name.startswith("searchidx.snapshot"):
            continue
        inside = _imports(name, path, modules)[0]
        assert not {m for m in inside if m.startswith("searchidx.snapshot.")}, name


def test_the_whoosh_rule_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from whoosh import query as wq\nfrom whoosh.index import open_dir\n"
        "from whoosh.codec.whoosh3 import W3LeafMatcher\nfrom whoosh.index import TOC\n"
        "from whoosh.query import _private\nimport whoosh.matching\n"
        "def f(w): return w._field_B, self._fine\n"
    )
    assert _whoosh_internals(sample) == [
        "from whoosh.codec.whoosh3 import W3LeafMatcher",
        "from whoosh.index import TOC",
        "from whoosh.query import _private",
        "import whoosh.matching",
        "line 7: w._field_B",
    ]
