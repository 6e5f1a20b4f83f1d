"""What a snapshot may keep between searches, in bytes: every cache's budget in one place.

A long-lived reader (the TUI, an embedding application) keeps one snapshot
for as long as no commit happens, and what it remembers must not grow with
the queries asked: each cache below is bounded by an estimate of the bytes it
holds, not by a count of entries (a term of 60,000 postings is not a term of
3). Issue 14's bound: the TUI stays under 400 MB resident at 76,172 Reuters
articles after 100 queries.

Sizes are estimates for 64-bit CPython 3.11+: ``sys.getsizeof`` of each
container (a dict's includes its hash table) plus constants for what it holds,
documented where they are defined. ``tests/test_memory_budget.py`` checks each
estimate against ``sys.getsizeof`` of every object its cache reaches (and the
term scores' against ``tracemalloc``), and that no cache passes its budget.

Not caches, so not here: tables with one entry per article or per indexed word
that a snapshot builds once (the date column, field norms, the vocabulary, the
entity resolution). They grow with the collection, not with use;
:func:`cache_bytes` reports them beside the caches.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

__all__ = ["BUDGETS", "LRU_ENTRY_BYTES", "MB", "Budgets", "ByteLRU", "posting_scores_bytes", "str_list_bytes"]

MB = 1 << 20

#: A NumPy array object beyond its data (``sys.getsizeof`` of an empty one that owns its data).
ARRAY_BYTES = 112
#: A :class:`ByteLRU` entry beyond its key's strings and its value: the ``OrderedDict``'s
#: slot, link node and fast-node pointer (~110 bytes), a 2-tuple key (56) or an int value (28).
LRU_ENTRY_BYTES = 200

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


@dataclass(frozen=True)
class Budgets:
    """Byte budgets of a snapshot's caches (see :data:`BUDGETS`)."""

    #: BM25 scores of recently used terms, ``(field, term) -> (docnums, scores)`` as two NumPy
    #: arrays: live search asks for the same words keystroke after keystroke. 16 bytes a
    #: posting, so 24 MB is ~1.5 million postings (the dictionaries they replace held 400,000
    #: in 40 MB).
    term_scores: int = 24 * MB
    #: What each article adds to facets (its entities, spellings and month), and the ids of
    #: the entities and spellings seen. All 76,172 Reuters articles take ~30 MB.
    facet_memo: int = 32 * MB
    #: Prefix and fuzzy expansions (a list of terms each).
    expansions: int = 2 * MB
    #: Document frequencies asked by the planner and by suggestions.
    frequencies: int = 2 * MB

    @property
    def total(self) -> int:
        """The sum of the budgets: what a snapshot's caches may hold at most."""
        return sum(getattr(self, f.name) for f in fields(self))


#: The budgets every snapshot opened from now on uses (tests set smaller ones).
BUDGETS = Budgets()


def posting_scores_bytes(key: tuple[str, str], scores: tuple[Any, Any]) -> int:
    """Estimated bytes of one term-score cache entry: its key, and its two arrays (a tuple)."""
    field, term = key
    docs, values = scores
    return (
        LRU_ENTRY_BYTES
        + sys.getsizeof(field)
        + sys.getsizeof(term)
        + sys.getsizeof(scores)
        + 2 * ARRAY_BYTES
        + int(docs.nbytes)
        + int(values.nbytes)
    )


def str_list_bytes(values: list[str]) -> int:
    """Estimated bytes of a list of strings (the list and each string)."""
    return sys.getsizeof(values) + sum(sys.getsizeof(v) for v in values)


class ByteLRU(Generic[_K, _V]):
    """A least-recently-used map that holds at most ``budget`` bytes (``sizeof`` estimates an entry).

    An entry larger than the whole budget is not kept at all. Values must not change
    once put (their size is worked out again when they go).
    """

    def __init__(self, budget: int, sizeof: Callable[[_K, _V], int]) -> None:
        self.budget = budget
        self._sizeof = sizeof
        self._items: OrderedDict[_K, _V] = OrderedDict()
        self.bytes = 0  # estimated bytes held

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: _K) -> bool:
        return key in self._items

    def items(self) -> list[tuple[_K, _V]]:
        """The entries, least recently used first."""
        return list(self._items.items())

    def get(self, key: _K) -> _V | None:
        """The value (now the most recently used), or None."""
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: _K, value: _V) -> None:
        """Keep ``value``; drop the least recently used entries until the budget holds."""
        size = self._sizeof(key, value)
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= self._sizeof(key, old)
        if size > self.budget:
            return
        self._items[key] = value
        self.bytes += size
        while self.bytes > self.budget:
            dropped = self._items.popitem(last=False)
            self.bytes -= self._sizeof(*dropped)

    def clear(self) -> None:
        """Drop every entry."""
        self._items.clear()
        self.bytes = 0
