"""Matching through Whoosh: docsets by set algebra, and Whoosh's own scoring with a watched collector.

Part of the snapshot package (:class:`~searchidx.snapshot.Snapshot` hands its searcher here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from ..errors import SearchCancelled
from .columns import as_set
from .protocols import WhooshSearcher

if TYPE_CHECKING:
    from whoosh import query as wq

__all__ = ["docset", "whoosh_top"]


def docset(searcher: WhooshSearcher, query: wq.Query) -> set[int]:
    """Docnums a query matches, by set algebra over posting lists.

    Much faster than walking Whoosh's Python union matchers for wide ORs
    (prefix expansions); phrases and fuzzy terms fall back to Whoosh.
    """
    from whoosh import query as wq

    reader = searcher.reader()
    if isinstance(query, wq.Term):
        if (query.fieldname, query.text) not in reader:
            return set()
        return set(reader.postings(query.fieldname, query.text).all_ids())
    if isinstance(query, wq.Every):
        return set(reader.all_doc_ids())
    if isinstance(query, wq.Or):
        found: set[int] = set()
        for sub in query.subqueries:
            found |= docset(searcher, sub)
        return found
    if isinstance(query, wq.And):
        positive = [q for q in query.subqueries if not isinstance(q, wq.Not)]
        sets = sorted((docset(searcher, q) for q in positive), key=len) or [set(reader.all_doc_ids())]
        result = sets[0].intersection(*sets[1:])
        for q in query.subqueries:
            if isinstance(q, wq.Not):
                result -= docset(searcher, q.query)
        return result
    if isinstance(query, wq.Not):
        return set(reader.all_doc_ids()) - docset(searcher, query.query)
    return set(searcher.docs_for_query(query))


def whoosh_top(
    searcher: WhooshSearcher,
    query: wq.Query,
    allowed: AbstractSet[int] | None,
    k: int,
    offset: int,
    should_stop: Callable[[], bool] | None = None,
    matched: set[int] | None = None,
) -> tuple[int, list[tuple[int, float]]]:
    """Whoosh's own scoring: the total, and the ``(docnum, score)`` pairs ranked ``offset`` to ``k``.

    Phrases, fuzzy terms, ``*`` and ``--any`` come here. One exact pass: Whoosh's
    default collector prunes sub-matchers once its heap is full, so its total is
    wrong and ``len()`` re-runs the whole query. ``matched``, when given, is filled
    with the docnums the query matches (before ``allowed`` filters them).

    Raises:
        SearchCancelled: ``should_stop`` said so (asked every 128 matches).
    """
    from whoosh.collectors import FilterCollector, TopCollector

    top = TopCollector(limit=k, usequality=False, replace=0)
    inner = top if should_stop is None and matched is None else _watched(top, should_stop, matched)
    collector = inner if allowed is None else FilterCollector(inner, as_set(allowed))
    searcher.search_with_collector(query, collector)
    results = collector.results()
    page = [
        (results.docnum(i), float(results.score(i) or 0.0)) for i in range(offset, results.scored_length())
    ]
    return top.count(), page


def _watched(child: Any, should_stop: Callable[[], bool] | None, matched: set[int] | None) -> Any:
    """A collector around ``child`` that asks ``should_stop`` every 128 matches and notes each in ``matched``.

    Both sit in ``matches()`` so they also run under Whoosh's FilterCollector,
    which iterates its child's matches itself.
    """
    from whoosh.collectors import WrappingCollector

    class Watched(WrappingCollector):  # type: ignore[misc]
        def matches(self) -> Iterator[int]:
            offset = self.child.offset
            for seen, docnum in enumerate(self.child.matches()):
                if should_stop is not None and not seen & 127 and should_stop():
                    raise SearchCancelled()
                if matched is not None:
                    matched.add(offset + docnum)
                yield docnum

    return Watched(child)
