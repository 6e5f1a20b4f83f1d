"""The snapshot's word lookups: this index's vocabulary, document frequencies and expansions.

:class:`WordLookups` is the part of :class:`~searchidx.snapshot.Snapshot` that
suggestions (:mod:`searchidx.spelling`), prefix expansion and the query
planner ask: the words of ``stems.json``, the document frequency of a stem or
of a field's term, and prefix and fuzzy expansions; frequencies and expansions
are kept for the next keystrokes within their byte budgets (:mod:`.budget`).
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .. import analysis
from ..schema import TEXT_FIELDS
from ..storage import read_vocabulary
from .budget import LRU_ENTRY_BYTES, Budgets, ByteLRU, str_list_bytes

if TYPE_CHECKING:
    from .protocols import WhooshSearcher

__all__ = ["WordLookups"]


class WordLookups:
    """The word lookups of a :class:`~searchidx.snapshot.Snapshot` (a base class of it).

    The snapshot sets ``_searcher`` and ``path``, then calls :meth:`_open_lookups`.
    """

    _searcher: WhooshSearcher
    path: Path | None

    def _open_lookups(self, budgets: Budgets) -> None:
        """Nothing read yet; the frequency and expansion caches within ``budgets``."""
        #: This index's words and their stems (``stems.json``), read when first needed.
        self.vocabulary: Mapping[str, str] | None = None
        self._words: list[str] | None = None
        self._frequency: ByteLRU[str, int] = ByteLRU(budgets.frequencies // 2, _frequency_bytes)
        self._field_frequency: ByteLRU[tuple[str, str], int] = ByteLRU(
            budgets.frequencies - budgets.frequencies // 2, _field_frequency_bytes
        )
        self._expansions: ByteLRU[tuple[str, str, int], list[str]] = ByteLRU(
            budgets.expansions, _expansion_bytes
        )

    def forget_lookups(self) -> None:
        """Empty the remembered expansions and document frequencies (for cold benchmarks)."""
        self._expansions.clear()
        self._field_frequency.clear()
        self._frequency.clear()

    def words(self) -> list[str]:
        """The words of this index, sorted: what suggestions and prefix expansion choose from.

        Read from ``stems.json``, not from the process's stem memo, which also
        holds the words of queries and of any other index this process used.
        """
        if self._words is None:
            if self.vocabulary is None:
                self.vocabulary = analysis.stem_table() if self.path is None else read_vocabulary(self.path)
            self._words = sorted(self.vocabulary)
        return self._words

    def doc_frequency(self, stem: str) -> int:
        """Articles holding ``stem`` (title and body counts added up), remembered per searcher."""
        found = self._frequency.get(stem)
        if found is None:
            reader = self._searcher.reader()
            found = sum(reader.doc_frequency(f, stem) for f in TEXT_FIELDS)
            self._frequency.put(stem, found)
        return found

    def field_frequency(self, fieldname: str, term: str) -> int:
        """Documents whose ``fieldname`` holds ``term``, remembered per searcher (for the planner)."""
        key = (fieldname, term)
        found = self._field_frequency.get(key)
        if found is None:
            found = self._searcher.reader().doc_frequency(fieldname, term)
            self._field_frequency.put(key, found)
        return found

    def expansion(self, kind: str, text: str, limit: int, build: Callable[[], list[str]]) -> list[str]:
        """A prefix or fuzzy expansion, kept for the next keystrokes (within ``budgets.expansions`` bytes)."""
        key = (kind, text, limit)
        found = self._expansions.get(key)
        if found is None:
            found = build()
            self._expansions.put(key, found)
        return found

    def expand_prefix(self, prefix: str, limit: int = 16) -> list[str]:
        """Indexed stems for a prefix, the ``limit`` most frequent (a bounded rewrite).

        Stems of known words that start with the prefix ("programmi*" ->
        "program"), plus indexed stems that start with it.
        """
        return self.expansion("prefix", prefix, limit, lambda: self._expand_prefix(prefix, limit))

    def _expand_prefix(self, prefix: str, limit: int) -> list[str]:
        words = self.words()
        stems = set()
        for word in words[bisect.bisect_left(words, prefix) :]:
            if not word.startswith(prefix):
                break
            stems.add(analysis.stem(word))
        reader = self._searcher.reader()
        for field in TEXT_FIELDS:
            stems.update(
                t.decode() if isinstance(t, bytes) else t for t in reader.expand_prefix(field, prefix)
            )
        frequency = {s: self.doc_frequency(s) for s in stems}
        ranked = sorted((s for s in stems if frequency[s]), key=lambda s: (-frequency[s], s))
        return ranked[:limit]


def _frequency_bytes(stem: str, _count: int) -> int:
    return LRU_ENTRY_BYTES + sys.getsizeof(stem)


def _field_frequency_bytes(key: tuple[str, str], _count: int) -> int:
    return LRU_ENTRY_BYTES + sys.getsizeof(key[0]) + sys.getsizeof(key[1])


def _expansion_bytes(key: tuple[str, str, int], terms: list[str]) -> int:
    return LRU_ENTRY_BYTES + sys.getsizeof(key[1]) + str_list_bytes(terms)
