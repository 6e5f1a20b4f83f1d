"""The collection's entity resolution as a value: where each stored name goes.

Computed by :func:`searchidx.entities.collection.resolve_collection` after each
commit and saved as ``entities.json``; read here without importing the tagger,
so a search pays only for loading a small JSON file.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from .storage import ENTITIES_FILE

__all__ = ["Pair", "Resolution", "load_resolution"]

Pair = tuple[str, str]  # (label, folded key)


class Resolution:
    """Where each stored ``(label, key)`` goes, and how each stored name is shown.

    Args:
        roots: Stored ``(label, key)`` -> the ``(label, key)`` it counts as (pairs
            not listed count as themselves).
        renames: ``(label, name as stored)`` -> ``(label, name to show)`` for
            names whose entity goes elsewhere ("Reagan" -> "Ronald Reagan").
    """

    def __init__(self, roots: Mapping[Pair, Pair], renames: Mapping[Pair, Pair] | None = None) -> None:
        self.roots = dict(roots)
        self.renames = dict(renames or {})

    def root(self, label: str, key: str) -> Pair:
        """The entity a stored ``(label, key)`` counts as (itself when not listed)."""
        return self.roots.get((label, key), (label, key))

    @cached_property
    def members(self) -> dict[Pair, tuple[Pair, ...]]:
        """Target -> every stored pair that goes to it, itself included (targets with others only)."""
        found: dict[Pair, set[Pair]] = defaultdict(set)
        for stored, root in self.roots.items():
            if stored != root:
                found[root].update((stored, root))
        return {root: tuple(sorted(pairs)) for root, pairs in found.items()}

    def resolve_names(self, entities: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
        """One article's stored names by label, as the collection names and types them.

        ``{"person": ["Reagan", "Idlib"]}`` -> ``{"person": ("Ronald Reagan",), "place": ("Idlib",)}``;
        order kept, each entity once.
        """
        out: dict[str, list[str]] = {}
        for label, names in entities.items():
            for name in names:
                new_label, shown = self.renames.get((label, name), (label, name))
                if not new_label:
                    continue  # a common word the collection shows is no name
                if shown not in out.setdefault(new_label, []):
                    out[new_label].append(shown)
        return {label: tuple(names) for label, names in out.items()}

    def to_json(self) -> dict[str, list[list[str]]]:
        """Plain lists for ``entities.json``."""
        return {
            "roots": sorted([*pair, *root] for pair, root in self.roots.items() if pair != root),
            "renames": sorted([*pair, *shown] for pair, shown in self.renames.items()),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Resolution:
        """Rebuild from :meth:`to_json`."""
        rows: Iterable[Sequence[str]] = data["roots"]
        renames: Iterable[Sequence[str]] = data["renames"]
        return cls(
            {(str(a), str(b)): (str(c), str(d)) for a, b, c, d in rows},
            {(str(a), str(b)): (str(c), str(d)) for a, b, c, d in renames},
        )


def load_resolution(where: Path, generation: int) -> Resolution | None:
    """The resolution saved beside the index for ``generation``, or None (missing, stale, damaged)."""
    try:
        data = json.loads((where / ENTITIES_FILE).read_text(encoding="utf-8"))
        if data["generation"] != generation:
            return None
        return Resolution.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # it is only a cache: the caller resolves in memory
