"""Running a parsed query against an open Whoosh searcher and copying hits out.

Date filters use an in-memory sorted copy of the date column (built once per
searcher) instead of Whoosh range queries, which cost hundreds of
milliseconds on wide ranges. Highlights come from the character offsets
stored in the postings, so nothing is re-analysed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from whoosh import query as wq
from whoosh import scoring
from whoosh.collectors import FilterCollector, TopCollector, WrappingCollector

from .cache import SearchCache, from_ts
from .duplicates import Sketch, fold_page, sketch
from .errors import QueryError, SearchCancelled
from .explain import filter_notes
from .filters import NO_FILTERS, SORTS, CompiledFilters, Filters, Mode, compile_filters, with_aliases
from .highlight import snippet, spans_within
from .models import Document, Hit, SearchResults, Span
from .query import ParsedQuery, parse
from .ranking import AtLeast, top_scored
from .schema import TEXT_FIELDS
from .spelling import fuzzy_stems, suggest

__all__ = ["RobertsonBM25F", "docset", "load_document", "matching_docs", "prepare", "run_search"]

MAX_HIGHLIGHT_TERMS = 256


class RobertsonBM25F(scoring.BM25F):  # type: ignore[misc]
    """BM25F with the Robertson/Lucene idf, log(1 + (N - n + 0.5) / (n + 0.5)).

    Whoosh's default, log(N / (n + 1)) + 1, gives common query words too much
    weight: on CACM MAP 0.3249 -> 0.3340 and on TIME 0.6658 -> 0.6877 with this one.
    """

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        """Robertson idf from the top-level searcher's statistics."""
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        return math.log(1 + (total - n + 0.5) / (n + 0.5))


class _StoppableCollector(WrappingCollector):  # type: ignore[misc]
    """Asks ``should_stop`` every 128 matches and abandons the search when it says so.

    The check sits in ``matches()`` so it also runs under Whoosh's FilterCollector,
    which iterates its child's matches itself.
    """

    def __init__(self, child: Any, should_stop: Callable[[], bool]) -> None:
        super().__init__(child)
        self.should_stop = should_stop

    def matches(self) -> Iterator[int]:
        for seen, docnum in enumerate(self.child.matches()):
            if not seen & 127 and self.should_stop():
                raise SearchCancelled()
            yield docnum


def run_search(
    cache: SearchCache,
    text: str,
    *,
    filters: Filters = NO_FILTERS,
    limit: int,
    offset: int,
    sort: str,
    mode: Mode,
    highlight: bool = True,
    prefix_terms: int = 16,
    should_stop: Callable[[], bool] | None = None,
    fold: bool = True,
) -> SearchResults:
    """Parse, filter, rank, fold copies, page and highlight (see :meth:`searchidx.Index.search`)."""
    started = time.perf_counter()
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}: use relevance, newest or oldest", text)
    if limit < 0 or offset < 0:
        raise QueryError("limit and offset must be zero or more", text)
    parsed, compiled = prepare(cache, text, mode=mode, filters=filters, prefix_terms=prefix_terms)
    allowed = compiled.allowed
    copies: dict[int, list[int]] = {}
    loaded: dict[int, dict[str, Any]] = {}  # stored fields read once: to fold, then to show

    def stored(docnum: int) -> dict[str, Any]:
        if docnum not in loaded:
            loaded[docnum] = cache.searcher.stored_fields(docnum)
        return loaded[docnum]

    if fold and limit:
        total, page, copies = fold_page(
            lambda n: _execute(cache, parsed, allowed, n, 0, sort, should_stop),
            lambda d: _sketch(stored(d)),
            limit,
            offset,
            cache.dates.by_doc.get,
        )
    else:
        total, page = _execute(cache, parsed, allowed, limit, offset, sort, should_stop)
    if should_stop is not None and should_stop():
        raise SearchCancelled()
    terms = _highlight_terms(cache, parsed) if page and highlight else None
    matches = _page_matches(cache, terms, [d for d, _ in page]) if terms is not None else {}
    hits = tuple(
        _hit(cache, stored, matches.get(d), d, score, offset + i + 1, copies.get(d, ()))
        for i, (d, score) in enumerate(page)
    )
    suggestion: str | None = None
    notes: tuple[str, ...] = ()
    if total == 0:
        notes = filter_notes(
            cache, compiled.dates, compiled.entities, lambda query: docset(cache, with_aliases(query, cache))
        )
        if not notes:
            suggestion = suggest(
                cache, text, parsed, lambda fixed: bool(matching_docs(cache, fixed, allowed))
            )
    elapsed = (time.perf_counter() - started) * 1000
    lower_bound = isinstance(total, AtLeast)  # pruned ranking counted only what it scored
    return SearchResults(text, int(total), hits, offset, suggestion, elapsed, notes, lower_bound)


def prepare(
    cache: SearchCache,
    text: str,
    *,
    mode: Mode,
    filters: Filters = NO_FILTERS,
    allow_empty: bool = False,
    prefix_terms: int = 16,
) -> tuple[ParsedQuery, CompiledFilters]:
    """Parse ``text`` and compile its filters with ``filters`` (:func:`~searchidx.filters.compile_filters`).

    Returns:
        The parsed query, and its filters compiled: the combined date range, the
        entity queries, and the docnums every hit must be in (``None``: no filter).

    Raises:
        QueryError: The query is malformed or too costly, or the dates leave no day to search.
    """
    parsed = (
        _parse(cache, text, mode, prefix_terms)
        if text.strip() or not allow_empty
        else ParsedQuery(wq.Every())
    )
    return parsed, compile_filters(cache, text, parsed, filters)


def _parse(cache: SearchCache, text: str, mode: Mode, prefix_terms: int) -> ParsedQuery:
    return parse(
        text,
        mode=mode,
        expand=lambda prefix: cache.expand_prefix(prefix, prefix_terms),
        fuzzy=lambda word, edits: fuzzy_stems(cache, word, edits),
    )


def docset(cache: SearchCache, query: Any) -> set[int]:
    """Docnums a query matches (:meth:`SearchCache.docset`)."""
    return cache.docset(query)


def matching_docs(cache: SearchCache, parsed: ParsedQuery, allowed: set[int] | None) -> set[int]:
    """Every docnum the query matches within ``allowed``."""
    docs = docset(cache, parsed.query)
    return docs if allowed is None else docs & allowed


def _execute(
    cache: SearchCache,
    parsed: ParsedQuery,
    allowed: set[int] | None,
    limit: int,
    offset: int,
    sort: str,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[int, list[tuple[int, float]]]:
    searcher = cache.searcher
    if allowed is not None and not allowed:
        return 0, []
    if sort == "relevance":
        if limit == 0:
            return len(matching_docs(cache, parsed, allowed)), []
        fast = top_scored(cache, parsed.query, allowed, offset + limit, should_stop)
        if fast is not None:
            return fast[0], fast[1][offset:]
        # Phrases, fuzzy terms, * and --any: Whoosh scores them, in one exact pass (its
        # default collector prunes sub-matchers once its heap is full, so its total is
        # wrong and len() re-runs the whole query).
        top = TopCollector(limit=offset + limit, usequality=False, replace=0)
        inner = top if should_stop is None else _StoppableCollector(top, should_stop)
        collector = inner if allowed is None else FilterCollector(inner, allowed)
        searcher.search_with_collector(parsed.query, collector)
        results = collector.results()
        page = [
            (results.docnum(i), float(results.score(i) or 0.0))
            for i in range(offset, results.scored_length())
        ]
        return top.count(), page
    docs = matching_docs(cache, parsed, allowed)
    by_doc = cache.dates.by_doc
    newest = sort == "newest"
    # Undated articles go last in either direction.
    ordered = sorted(
        docs, key=lambda d: (d not in by_doc, -by_doc.get(d, 0) if newest else by_doc.get(d, 0), d)
    )
    return len(ordered), [(d, 0.0) for d in ordered[offset : offset + limit]]


def _highlight_terms(cache: SearchCache, parsed: ParsedQuery) -> list[tuple[str, bytes]]:
    """Every indexed term the query can match, prefixes and fuzzy terms expanded.

    Leaf by leaf: Whoosh's ``Query.existing_terms`` on a compound query keeps
    only the first field's terms (its loop variable shadows a parameter).
    """
    reader = cache.searcher.reader()
    terms: set[tuple[str, bytes]] = set()
    for leaf in parsed.query.leaves():
        terms |= leaf.existing_terms(reader, phrases=True, expand=True)
    return sorted(t for t in terms if t[0] in TEXT_FIELDS)[:MAX_HIGHLIGHT_TERMS]


Matches = dict[str, list[tuple[int, int]]]  # field -> character ranges


def _page_matches(
    cache: SearchCache, terms: list[tuple[str, bytes]], docnums: Sequence[int]
) -> dict[int, Matches]:
    """Character ranges of every query term in each document of a page.

    Each term's postings are read once and skipped through the page in docnum
    order: opening postings per term *per hit* cost ~2 ms a hit.
    """
    reader = cache.searcher.reader()
    found: dict[int, Matches] = {d: {f: [] for f in TEXT_FIELDS} for d in docnums}
    ordered = sorted(set(docnums))
    for fieldname, term in terms:
        if (fieldname, term) not in reader:
            continue
        postings = reader.postings(fieldname, term)
        for docnum in ordered:
            if not postings.is_active():
                break
            if postings.id() < docnum:
                postings.skip_to(docnum)
                if not postings.is_active():
                    break
            if postings.id() == docnum:
                found[docnum][fieldname].extend((s, e) for _pos, s, e in postings.value_as("characters"))
    return found


def _sketch(stored: dict[str, Any]) -> Sketch:
    """A document's sketch as indexed, or made now (an index written before sketches were kept)."""
    kept = (stored.get("extra") or {}).get("sketch")
    return tuple(kept) if kept is not None else sketch(stored.get("title", ""), stored.get("body", ""))


def _hit(
    cache: SearchCache,
    stored: Callable[[int], dict[str, Any]],
    matches: Matches | None,
    docnum: int,
    score: float,
    rank: int,
    copies: Sequence[int] = (),
) -> Hit:
    fields = stored(docnum)
    extra = fields.get("extra") or {}
    body = fields.get("body", "")
    title = fields.get("title", "")
    text, spans, title_spans = "", tuple[Span, ...](), tuple[Span, ...]()
    if matches is not None:
        text, spans = snippet(body, matches["body"])
        title_spans = _title_spans(title, body, extra, matches)
    return Hit(
        **_described(cache, fields, extra),
        score=score,
        snippet=text,
        snippet_spans=spans,
        title_spans=title_spans,
        rank=rank,
        title_derived=bool(extra.get("title_derived")),
        copies=tuple(stored(d)["id"] for d in copies),
    )


def _described(cache: SearchCache, stored: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The fields a Hit and a Document share, from a document's stored fields.

    Entities are named and typed as the whole collection resolves them, as in facets.
    """
    date = stored.get("date")
    entities = extra.get("entities") or {}
    return {
        "id": stored["id"],
        "path": stored.get("path", ""),
        "title": stored.get("title", ""),
        "date": from_ts(date) if isinstance(date, int) else None,
        "source": stored.get("source", ""),
        "url": extra.get("url", ""),
        "line": int(extra.get("line") or 0),
        "entities": cache.resolution().resolve_names(entities) if entities else {},
    }


def _title_spans(
    title: str, body: str, extra: dict[str, Any], matches: dict[str, list[tuple[int, int]]]
) -> tuple[Span, ...]:
    """Matches in the title; a derived title is the body's first sentence, so reuse the body's."""
    if not extra.get("title_derived"):
        return spans_within(matches["title"], 0, len(title))
    start = int(extra.get("title_start", 0))
    visible = len(title.rstrip("…"))
    if " ".join(body[start : start + visible].split()) != title[:visible]:
        return ()  # whitespace was collapsed inside the title: offsets would drift
    return spans_within(matches["body"], start, start + visible, -start)


def load_document(cache: SearchCache, doc_id: str, text: str) -> Document | None:
    """The whole article ``doc_id`` with every match of ``text`` (no matches if it is invalid)."""
    docnum = cache.searcher.document_number(id=doc_id)
    if docnum is None:
        return None
    stored = cache.searcher.stored_fields(docnum)
    extra = stored.get("extra") or {}
    title, body = stored.get("title", ""), stored.get("body", "")
    body_spans: tuple[Span, ...] = ()
    title_spans: tuple[Span, ...] = ()
    if text.strip():
        try:
            terms = _highlight_terms(cache, _parse(cache, text, "all", 16))
        except QueryError:
            terms = []
        found = _page_matches(cache, terms, [docnum])[docnum]
        body_spans = spans_within(found["body"], 0, len(body))
        title_spans = _title_spans(title, body, extra, found)
    return Document(
        **_described(cache, stored, extra), body=body, body_spans=body_spans, title_spans=title_spans
    )
