"""Per-searcher state built lazily: the date column, vocabulary, entity rows, aliases.

One :class:`SearchCache` lives as long as one Whoosh searcher; a commit by
another process gives a new searcher and so a fresh cache.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import analysis
from .dates import DateRange
from .ranking import FieldNorms
from .schema import TEXT_FIELDS, live_column

if TYPE_CHECKING:
    from .resolution import Resolution

__all__ = ["MISSING", "DateColumn", "SearchCache", "from_ts"]

EXPANSIONS = 4096  # prefix and fuzzy expansions remembered per searcher
TERM_CACHE_POSTINGS = 400_000  # ~40 MB of cached term scores (about 100 bytes each)
MISSING = 2**63 - 1  # Whoosh's column default for a document without a date


def _ts(value: dt.datetime) -> int:
    return int(value.timestamp())


def from_ts(value: int) -> dt.datetime:
    """UTC datetime from the epoch seconds stored in the date field."""
    return dt.datetime.fromtimestamp(value, dt.UTC)


class DateColumn:
    """Sorted ``(timestamp, docnum)`` pairs of the live, dated documents."""

    def __init__(self, searcher: Any) -> None:
        reader = searcher.reader()
        self.by_doc: dict[int, int] = {
            docnum: value for docnum, value in live_column(reader, "date") if value != MISSING
        }
        self.pairs = sorted((v, d) for d, v in self.by_doc.items())
        self.keys = [v for v, _ in self.pairs]
        self.undated = reader.doc_count() - len(self.pairs)

    def docs_in(self, dates: DateRange) -> set[int]:
        """Return docnums dated within ``[start, end)``."""
        lo = 0 if dates.start is None else bisect.bisect_left(self.keys, _ts(dates.start))
        hi = len(self.keys) if dates.end is None else bisect.bisect_left(self.keys, _ts(dates.end))
        return {d for _, d in self.pairs[lo:hi]}

    def summary(self) -> tuple[dt.datetime | None, dt.datetime | None, int]:
        """Return the first date, the last date and the number of undated documents."""
        if not self.keys:
            return None, None, self.undated
        return from_ts(self.keys[0]), from_ts(self.keys[-1]), self.undated


class SearchCache:
    """Per-searcher state: the searcher and lazily built helpers."""

    def __init__(self, searcher: Any, *, entities: bool = True, path: Path | None = None) -> None:
        self.searcher = searcher
        self.path = path  # the index directory, for the files written beside each commit
        self.entities = entities  # False for an index built with --no-entities
        self._dates: DateColumn | None = None
        self._words: list[str] | None = None
        self._frequency: dict[str, int] = {}
        self._field_frequency: dict[tuple[str, str], int] = {}
        self._expansions: dict[tuple[str, str, int], list[str]] = {}
        self._resolution: Resolution | None = None
        self._entity_aliases: dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]] | None = None
        self._rows: dict[int, list[tuple[str, str, str]]] | None = None
        self._norms: dict[str, FieldNorms] = {}
        self._term_scores: OrderedDict[tuple[str, str], dict[int, float]] = OrderedDict()
        self._term_postings = 0
        #: What each article adds to facets, worked out by :mod:`searchidx.facets` and kept here.
        self.facet_parts: Any = None

    @property
    def dates(self) -> DateColumn:
        """The date column, built on first use."""
        if self._dates is None:
            self._dates = DateColumn(self.searcher)
        return self._dates

    def field_norms(self, fieldname: str) -> FieldNorms:
        """BM25 length normalisation per document of one field, built on first use."""
        if fieldname not in self._norms:
            self._norms[fieldname] = FieldNorms(self.searcher, fieldname)
        return self._norms[fieldname]

    def term_scores(
        self, fieldname: str, text: str, build: Callable[[], dict[int, float]]
    ) -> dict[int, float]:
        """BM25 scores of one term's documents, kept for the next keystrokes (never mutate them).

        Live search repeats the same words query after query; decoding their
        posting blocks again was most of a search. Least recently used terms
        go first once the cached postings pass :data:`TERM_CACHE_POSTINGS`.
        """
        key = (fieldname, text)
        found = self._term_scores.get(key)
        if found is not None:
            self._term_scores.move_to_end(key)
            return found
        found = build()
        self._term_scores[key] = found
        self._term_postings += len(found)
        while self._term_postings > TERM_CACHE_POSTINGS and len(self._term_scores) > 1:
            _key, dropped = self._term_scores.popitem(last=False)
            self._term_postings -= len(dropped)
        return found

    def docset(self, query: Any) -> set[int]:
        """Docnums a query matches, by set algebra over posting lists.

        Much faster than walking Whoosh's Python union matchers for wide ORs
        (prefix expansions); phrases and fuzzy terms fall back to Whoosh. Lives
        with the searcher it reads, so the scorer (:mod:`.ranking`) and the
        orchestrator (:mod:`.search`) both use it without importing each other.
        """
        from whoosh import query as wq

        reader = self.searcher.reader()
        if isinstance(query, wq.Term):
            if (query.fieldname, query.text) not in reader:
                return set()
            return set(reader.postings(query.fieldname, query.text).all_ids())
        if isinstance(query, wq.Every):
            return set(reader.all_doc_ids())
        if isinstance(query, wq.Or):
            found: set[int] = set()
            for sub in query.subqueries:
                found |= self.docset(sub)
            return found
        if isinstance(query, wq.And):
            positive = [q for q in query.subqueries if not isinstance(q, wq.Not)]
            sets = sorted((self.docset(q) for q in positive), key=len) or [set(reader.all_doc_ids())]
            result = sets[0].intersection(*sets[1:])
            for q in query.subqueries:
                if isinstance(q, wq.Not):
                    result -= self.docset(q.query)
            return result
        if isinstance(query, wq.Not):
            return set(reader.all_doc_ids()) - self.docset(query.query)
        return set(self.searcher.docs_for_query(query))

    def resolution(self) -> Resolution:
        """One name and one type per entity across the collection (:mod:`.entities.collection`).

        Facets count by it and entity filters expand by it, so a filter on a
        facet value finds exactly the articles it counted.
        """
        if self._resolution is None and self.path is not None:
            from .resolution import load_resolution

            self._resolution = load_resolution(self.path, self.searcher.reader().generation())
        if self._resolution is None:  # no file for this generation (an older searchidx wrote it)
            from .entities.collection import resolve_collection, shipped_lists

            lists = shipped_lists()
            self._resolution = resolve_collection(
                self.entity_rows().values(), lists.places, lists.first_names
            )
        return self._resolution

    def entity_aliases(self) -> dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]]:
        """``(field, analysed words)`` of an entity filter -> the other names of that entity.

        Keyed by the words an entity filter is analysed into, so ``person:reagan``
        finds the other members of what "reagan" resolves to (:meth:`resolution`).
        Only names whose root is of the filter's own type expand.
        """
        if self._entity_aliases is None:
            resolution = self.resolution()
            self._entity_aliases = {}
            for root, members in resolution.members.items():
                if len(members) < 2:
                    continue
                for label, key in members:
                    if label != root[0]:
                        continue
                    words = tuple(t.text for t in analysis.analyze(key, stemming=False) if not t.joined)
                    others = [m for m in members if m != (label, key)]
                    self._entity_aliases.setdefault((label, words), []).extend(others)
        return self._entity_aliases

    def entity_rows(self) -> dict[int, list[tuple[str, str, str]]]:
        """``(label, key, name)`` entities of every live document, decoded once per searcher."""
        if self._rows is None:
            from .schema import decode_entities

            self._rows = {}
            for docnum, value in live_column(self.searcher.reader(), "entities"):
                row = decode_entities(value)
                if row:
                    self._rows[docnum] = row
        return self._rows

    def words(self) -> list[str]:
        """Sorted surface words the analyzer has seen (the stem memo's keys)."""
        if self._words is None:
            self._words = sorted(analysis.stem_table())
        return self._words

    def doc_frequency(self, stem: str) -> int:
        """Articles holding ``stem`` (title and body counts added up), remembered per searcher."""
        found = self._frequency.get(stem)
        if found is None:
            reader = self.searcher.reader()
            found = self._frequency[stem] = sum(reader.doc_frequency(f, stem) for f in TEXT_FIELDS)
        return found

    def field_frequency(self, fieldname: str, term: str) -> int:
        """Documents whose ``fieldname`` holds ``term``, remembered per searcher (for the planner)."""
        key = (fieldname, term)
        found = self._field_frequency.get(key)
        if found is None:
            if len(self._field_frequency) > 100_000:
                self._field_frequency.clear()
            found = self._field_frequency[key] = self.searcher.reader().doc_frequency(fieldname, term)
        return found

    def expansion(self, kind: str, text: str, limit: int, build: Callable[[], list[str]]) -> list[str]:
        """A prefix or fuzzy expansion, built once per searcher (the last :data:`EXPANSIONS` kept)."""
        key = (kind, text, limit)
        found = self._expansions.get(key)
        if found is None:
            if len(self._expansions) >= EXPANSIONS:
                self._expansions.clear()
            found = self._expansions[key] = build()
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
        reader = self.searcher.reader()
        for field in TEXT_FIELDS:
            stems.update(
                t.decode() if isinstance(t, bytes) else t for t in reader.expand_prefix(field, prefix)
            )
        frequency = {s: self.doc_frequency(s) for s in stems}
        ranked = sorted((s for s in stems if frequency[s]), key=lambda s: (-frequency[s], s))
        return ranked[:limit]
