"""Print the package's structure as Markdown: its groups, the imports between them, where Whoosh is used.

``python -m tests.structure`` describes this checkout's ``searchidx/``;
``python -m tests.structure DIR`` another copy of the package (an older
commit's, checked out with ``git worktree add``), for a before/after. The
groups and the rules are the ones tests/test_layering.py checks; a module
that none of its groups names is listed as unclassified.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from tests.test_layering import (
    FACADE,
    FRONT,
    PACKAGE,
    SHARED,
    SIDES,
    WHOOSH_PLACES,
    _cycles,
    _imports,
    _member,
    _modules,
    _reaches,
    _whoosh_internals,
)

GROUPS = {
    "front": ("Front ends", FRONT),
    "facade": ("Facade", FACADE),
    "search": ("Search side", SIDES["search"]),
    "index": ("Index side", SIDES["index"]),
    "shared": ("Shared", SHARED),
}


def _group(name: str) -> str:
    return next((key for key, (_title, members) in GROUPS.items() if _member(name, members)), "unclassified")


def _short(name: str) -> str:
    return name.removeprefix("searchidx").removeprefix(".") or "__init__"


def _place(name: str) -> str:
    for place, modules in WHOOSH_PLACES.items():
        if any(name == m or name.startswith(m + ".") for m in modules):
            return place
    return "**outside the three places**"


def describe(package: Path = PACKAGE) -> list[str]:
    """The structure of ``package`` as Markdown lines."""
    modules = _modules(package)
    graph = {name: _imports(name, path, modules)[0] for name, path in modules.items()}
    groups = {name: _group(name) for name in modules}
    lines_of = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules.items()}
    out = ["```mermaid", "flowchart TD"]
    titles = {**{key: title for key, (title, _members) in GROUPS.items()}, "unclassified": "Unclassified"}
    for key, title in titles.items():
        members = sorted(_short(n) for n, g in groups.items() if g == key and n.count(".") <= 1)
        if members:
            out.append(f'    {key}["{title}: {", ".join(members)}"]')
    between = Counter(
        (groups[a], groups[b]) for a, targets in graph.items() for b in targets if groups[a] != groups[b]
    )
    for (a, b), count in sorted(between.items()):
        out.append(f"    {a} -->|{count}| {b}")
    out += ["```", ""]
    out += ["| group | modules (lines) |", "|---|---|"]
    for key, title in titles.items():
        members = sorted(n for n, g in groups.items() if g == key)
        if members:
            out.append(f"| {title} | {', '.join(f'`{_short(n)}` ({lines_of[n]})' for n in members)} |")
    out += ["", "| module | Whoosh internals used | place |", "|---|---|---|"]
    for name in sorted(modules):
        found = sorted({item.split(": ", 1)[-1] for item in _whoosh_internals(modules[name])})
        if found:
            out.append(f"| `{_short(name)}` | {', '.join(f'`{f}`' for f in found)} | {_place(name)} |")
    cycles = _cycles(graph)
    crossings = sorted(
        f"`{_short(name)}` → `{_short(other)}`"
        for side, opposite in (("search", "index"), ("index", "search"))
        for name in modules
        if groups[name] == side
        for other in _reaches(graph, name)
        if groups[other] == opposite
    )
    out += [
        "",
        f"- Modules: {len(modules)}, {sum(lines_of.values()):,} lines; run-time imports inside the package: "
        f"{sum(len(t) for t in graph.values())}.",
        f"- Run-time import cycles: {'; '.join(' ↔ '.join(map(_short, c)) for c in cycles) or 'none'}.",
        f"- Search side reaching the index side, or the reverse: {', '.join(crossings) or 'none'}.",
        f"- Modules using Whoosh internals: {sum(1 for n in modules if _whoosh_internals(modules[n]))}.",
    ]
    return out


if __name__ == "__main__":
    print("\n".join(describe(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else PACKAGE)))
