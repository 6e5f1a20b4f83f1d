"""Facets: the top people, places and organisations among matching articles, and a timeline.

Counts come from the per-document entity column (no stored fields are
loaded), so a facet over the whole collection costs one pass over a column;
what each article adds (its resolved entities and its month) is remembered per
searcher, so later facets only add up.
"""

from __future__ import annotations

import heapq
import threading
from collections import Counter
from collections.abc import Callable, Hashable
from itertools import chain
from typing import TypeVar

from .entities.canonical import best_display
from .errors import SearchCancelled
from .filters import NO_FILTERS, Filters, Mode
from .models import Facets, FacetValue
from .resolution import Pair
from .search import check_options, matching_docs, prepare
from .snapshot import Snapshot, from_ts

__all__ = ["run_facets"]

KINDS = ("person", "place", "org")
_T = TypeVar("_T", bound=Hashable)


def run_facets(
    snapshot: Snapshot,
    text: str,
    *,
    limit: int,
    mode: Mode,
    filters: Filters = NO_FILTERS,
    should_stop: Callable[[], bool] | None = None,
) -> Facets:
    """Count entities and months over every article the query matches.

    Raises:
        SearchOptionError: An unknown mode or a negative limit.
        SearchCancelled: ``should_stop`` said so (asked between stages and every 1,024 articles).
    """
    check_options(mode=mode, limit=limit)

    def check() -> None:
        if should_stop is not None and should_stop():
            raise SearchCancelled()

    parsed, compiled = prepare(snapshot, text, mode=mode, filters=filters, allow_empty=True)
    docs = matching_docs(snapshot, parsed, compiled.allowed)
    check()
    known = _known(snapshot)
    found: list[DocFacets] = []
    for seen_docs, docnum in enumerate(docs):
        if not seen_docs & 1023:
            check()
        doc = known.docs.get(docnum)
        found.append(known.add(snapshot, docnum) if doc is None else doc)
    entities = Counter(chain.from_iterable(doc[0] for doc in found))  # articles per entity id
    spellings = Counter(chain.from_iterable(doc[1] for doc in found))  # mentions per spelling id
    months = Counter(doc[2] for doc in found if doc[2] is not None)
    undated = len(found) - months.total()
    check()
    ranked: dict[str, list[tuple[str, int]]] = {"person": [], "place": [], "org": []}
    for entity, n in entities.items():
        label, key = known.entities[entity]
        ranked[label].append((key, n))
    shown: dict[Pair, Counter[str]] = {}
    for label, pairs in ranked.items():
        ranked[label] = heapq.nsmallest(limit, pairs, key=lambda kv: (-kv[1], kv[0]))
        shown.update(((label, key), Counter()) for key, _ in ranked[label])
    for spelling, n in spellings.items():
        entity, name = known.spellings[spelling]
        root = known.entities[entity]
        if root in shown:
            shown[root][name] += n

    def top(label: str) -> tuple[FacetValue, ...]:
        return tuple(
            FacetValue(best_display(shown[label, key] or Counter({key: 1})), key, n)
            for key, n in ranked[label]
        )

    return Facets(
        text, len(docs), top("person"), top("place"), top("org"), tuple(sorted(months.items())), undated
    )


# What one article adds to facets: entity ids (once each), spelling ids (once per mention) and
# its month (None: undated). Ids, not tuples of strings: full garbage collections need not
# walk a container per article (they run on the TUI's thread).
DocFacets = tuple[tuple[int, ...], tuple[int, ...], str | None]


class _Known:
    """Each article's facet contributions, worked out once per searcher (a commit brings a new one)."""

    def __init__(self) -> None:
        self.docs: dict[int, DocFacets] = {}
        self.entities: list[Pair] = []  # id -> (label, key) of the entity counted
        self.spellings: list[tuple[int, str]] = []  # id -> (entity id, name as written)
        self._entity_ids: dict[Pair, int] = {}
        self._spelling_ids: dict[tuple[int, str], int] = {}
        self._lock = threading.Lock()

    def add(self, snapshot: Snapshot, docnum: int) -> DocFacets:
        """Work out what article ``docnum`` adds to facets, and remember it.

        The entities it counts for once each ("Putin" here and "Vladimir Putin" there are
        one person; Merrill Lynch is an org however tagged; common words are no names), the
        names written for an entity stored under its own key (one per mention: the shown
        spelling is the most written one), and its month.
        """
        resolution = snapshot.resolution()
        with self._lock:
            roots: set[int] = set()
            names: list[int] = []
            for label, key, name in snapshot.entity_rows().get(docnum, ()):
                root = resolution.root(label, key)
                if root[0] not in KINDS:
                    continue  # a common word, not a name (entities.collection.common_words)
                entity = self._id(self._entity_ids, self.entities, root)
                if root[1] == key:
                    names.append(self._id(self._spelling_ids, self.spellings, (entity, name)))
                roots.add(entity)
            stamp = snapshot.dates.by_doc.get(docnum)
            month = None
            if stamp is not None:
                day = from_ts(stamp)
                month = f"{day.year:04d}-{day.month:02d}"  # strftime gives "1-01" for year 1
            doc = self.docs[docnum] = (tuple(roots), tuple(names), month)
            return doc

    @staticmethod
    def _id(ids: dict[_T, int], values: list[_T], value: _T) -> int:
        found = ids.get(value)
        if found is None:
            found = ids[value] = len(values)
            values.append(value)
        return found


_KNOWN_LOCK = threading.Lock()


def _known(snapshot: Snapshot) -> _Known:
    """The snapshot's facet memo (made on first use; a commit brings a new snapshot)."""
    with _KNOWN_LOCK:
        if snapshot.facet_parts is None:
            snapshot.facet_parts = _Known()
        known: _Known = snapshot.facet_parts
        return known
