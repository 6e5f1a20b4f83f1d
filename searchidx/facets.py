"""Facets: the top people, places and organisations among matching articles, and a timeline.

Counts come from the per-document entity column (no stored fields are
loaded), so a facet over the whole collection costs one pass over a column;
what each article adds (its resolved entities and its month) is remembered per
searcher, so later facets only add up. The memo holds at most the snapshot's
``budgets.facet_memo`` bytes (:mod:`searchidx.snapshot.budget`; all of 76,172
Reuters articles fit in ~30 MB): past it, articles are worked out and not
remembered, and a count that leaves it over budget (the ids of the entities it
met) trims it back after (drops it if the ids alone are over).
"""

from __future__ import annotations

import heapq
import sys
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
    fold: bool = True,
) -> Facets:
    """Count entities and months over every story the query matches (every article, unless ``fold``).

    A story told by several copies counts once, as its first matching copy.

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
    if fold:
        docs = snapshot.stories().distinct(docs)
    check()
    known = _known(snapshot)
    try:
        counted = _count(snapshot, known, docs, limit, check)
    finally:
        if not known.trim():
            _forget(snapshot, known)  # the ids alone are over budget: start again
    return Facets(text, len(docs), *counted)


def _count(
    snapshot: Snapshot, known: _Known, docs: set[int], limit: int, check: Callable[[], None]
) -> Counted:
    """People, places, orgs, months and the undated count of ``docs``."""
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

    return top("person"), top("place"), top("org"), tuple(sorted(months.items())), undated


# What one article adds to facets: entity ids (once each), spelling ids (once per mention) and
# its month (None: undated). Ids, not tuples of strings: full garbage collections need not
# walk a container per article (they run on the TUI's thread).
DocFacets = tuple[tuple[int, ...], tuple[int, ...], str | None]
_Top = tuple[FacetValue, ...]
Counted = tuple[_Top, _Top, _Top, tuple[tuple[str, int], ...], int]  # people, places, orgs, months, undated

# Estimated bytes (64-bit CPython; tests/test_memory_budget.py checks the memo's estimate against
# sys.getsizeof of everything it holds) of one remembered article beyond ``sys.getsizeof`` of its
# two id tuples: its slot in the docs dict (~50 on average as the dict grows), the docnum (an int
# object) and the 3-tuple. Months are shared strings (one per month), the ids shared ints.
DOC_BYTES = 50 + 28 + 64
# One entity or spelling id beyond ``sys.getsizeof`` of its string: its slot in the ids dict
# and in the list, the key tuple (2 items) and the id (an int object).
ID_BYTES = 50 + 8 + 56 + 28


def _doc_bytes(doc: DocFacets) -> int:
    return DOC_BYTES + sys.getsizeof(doc[0]) + sys.getsizeof(doc[1])


class _Known:
    """Each article's facet contributions, worked out once per searcher (a commit brings a new one)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget  # bytes: past it, articles are worked out but not remembered
        self.bytes = 0  # estimated bytes held (docs and ids)
        self.docs: dict[int, DocFacets] = {}
        self._months: dict[str, str] = {}  # one string per month, shared by its articles
        self.entities: list[Pair] = []  # id -> (label, key) of the entity counted
        self.spellings: list[tuple[int, str]] = []  # id -> (entity id, name as written)
        self._entity_ids: dict[Pair, int] = {}
        self._spelling_ids: dict[tuple[int, str], int] = {}
        self._lock = threading.Lock()

    def add(self, snapshot: Snapshot, docnum: int) -> DocFacets:
        """Work out what article ``docnum`` adds to facets, and remember it.

        The entities it counts for once each ("Putin" here and "Vladimir Putin" there are
        one person; Merrill Lynch is an org however tagged; common words are no names), the
        names written for it (one per mention, each counted as the name the collection
        shows it as: "Reagan" as "Ronald Reagan", "Bashar Assad" as "Bashar al-Assad"),
        and its month.
        """
        resolution = snapshot.resolution()
        with self._lock:
            roots: set[int] = set()
            names: list[int] = []
            for label, key, name in snapshot.entity_row(docnum):
                root = resolution.root(label, key)
                if root[0] not in KINDS:
                    continue  # a common word, not a name (entities.collection.common_words)
                entity = self._id(self._entity_ids, self.entities, root, root[1])
                if root[1] != key or (label, name) in resolution.renames:
                    # "Reagan" of Ronald Reagan, "Bashar Assad": counted as the name it is shown as
                    name = resolution.renames.get((label, name), (label, ""))[1]
                if name:
                    names.append(self._id(self._spelling_ids, self.spellings, (entity, name), name))
                roots.add(entity)
            stamp = snapshot.dates.by_doc.get(docnum)
            month = None
            if stamp is not None:
                day = from_ts(stamp)
                month = f"{day.year:04d}-{day.month:02d}"  # strftime gives "1-01" for year 1
                month = self._months.setdefault(month, month)
            doc = (tuple(roots), tuple(names), month)
            size = _doc_bytes(doc)
            if self.bytes + size <= self.budget:
                self.docs[docnum] = doc
                self.bytes += size
            return doc

    def trim(self) -> bool:
        """Forget the last remembered articles until the budget holds; False if the ids alone pass it.

        Articles stop being remembered once the budget is reached, but the ids of the entities
        met after that still count: a count over a wide query can leave the memo over budget.
        """
        with self._lock:
            while self.bytes > self.budget and self.docs:
                self.bytes -= _doc_bytes(self.docs.popitem()[1])
            return self.bytes <= self.budget

    def _id(self, ids: dict[_T, int], values: list[_T], value: _T, text: str) -> int:
        """The id of ``value`` (a new one if unseen; ``text``: the string it holds, for its size)."""
        found = ids.get(value)
        if found is None:
            found = ids[value] = len(values)
            values.append(value)
            self.bytes += ID_BYTES + sys.getsizeof(text)
        return found


_KNOWN_LOCK = threading.Lock()


def _known(snapshot: Snapshot) -> _Known:
    """The snapshot's facet memo (made on first use; a commit brings a new snapshot)."""
    with _KNOWN_LOCK:
        if snapshot.facet_parts is None:
            snapshot.facet_parts = _Known(snapshot.budgets.facet_memo)
        known: _Known = snapshot.facet_parts
        return known


def _forget(snapshot: Snapshot, known: _Known) -> None:
    """Drop the snapshot's facet memo (if it is still ``known``): the next count starts a new one."""
    with _KNOWN_LOCK:
        if snapshot.facet_parts is known:
            snapshot.facet_parts = None
