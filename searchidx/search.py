"""Running a query: parse, filter, rank, fold copies, page, highlight, and copy hits out.

Pure orchestration over a :class:`~searchidx.snapshot.Snapshot`, which does
every read: the scorer (:mod:`.ranking`) ranks what it can term at a time and
the snapshot's Whoosh searcher ranks the rest. Date filters use the snapshot's
in-memory sorted date column instead of Whoosh range queries, which cost
hundreds of milliseconds on wide ranges. Highlights come from the character
offsets stored in the postings, so nothing is re-analysed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from whoosh import query as wq

from .duplicates import fold_page
from .errors import QueryError, SearchCancelled, SearchOptionError
from .explain import filter_notes
from .filters import (
    MODES,
    NO_FILTERS,
    SORTS,
    CompiledFilters,
    Filters,
    Mode,
    Ranked,
    compile_filters,
    entity_docs,
)
from .highlight import snippet, spans_within
from .models import Document, Hit, SearchResults, Span
from .query import ParsedQuery, parse
from .ranking import AtLeast, array_count, top_scored
from .schema import TEXT_FIELDS
from .snapshot import Matches, Snapshot, from_ts
from .spelling import fuzzy_stems, suggest
from .stories import Stories

__all__ = ["check_options", "docset", "load_document", "matching_docs", "prepare", "run_search"]

MAX_HIGHLIGHT_TERMS = 256


def run_search(
    snapshot: Snapshot,
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
    check_options(mode=mode, sort=sort, limit=limit, offset=offset, prefix_terms=prefix_terms)
    # a page of the best, or a count: scored in arrays when big (a count of a phrase may not be)
    ranked: Ranked = None if sort != "relevance" else "page" if limit > 0 else "count"
    parsed, compiled = prepare(
        snapshot, text, mode=mode, filters=filters, prefix_terms=prefix_terms, ranked=ranked
    )
    allowed = compiled.allowed
    copies: dict[int, list[int]] = {}
    stories = snapshot.stories() if fold else None
    if stories is not None and limit:
        total, page, copies = fold_page(
            lambda n: _execute(snapshot, parsed, allowed, n, 0, sort, should_stop, stories),
            stories.of,
            limit,
            offset,
            stories.spread(snapshot.doc_count()),
        )
    else:
        total, page = _execute(snapshot, parsed, allowed, limit, offset, sort, should_stop, stories)
    if should_stop is not None and should_stop():
        raise SearchCancelled()
    stored = {d: snapshot.stored_fields(d) for d, _score in page}
    terms = _highlight_terms(snapshot, parsed) if page and highlight else None
    matches = snapshot.page_matches(terms, stored) if terms is not None else {}
    hits = tuple(
        _hit(snapshot, stored[d], matches.get(d), score, offset + i + 1, copies.get(d, ()))
        for i, (d, score) in enumerate(page)
    )
    suggestion: str | None = None
    notes: tuple[str, ...] = ()
    if total == 0:
        notes = filter_notes(
            snapshot,
            compiled.dates,
            compiled.entities,
            lambda query: entity_docs(query, snapshot),
        )
        if not notes:
            suggestion = suggest(
                snapshot, text, parsed, lambda fixed: bool(matching_docs(snapshot, fixed, allowed))
            )
    elapsed = (time.perf_counter() - started) * 1000
    lower_bound = isinstance(total, AtLeast)  # a phrase's candidates were not all read
    return SearchResults(text, int(total), hits, offset, suggestion, elapsed, notes, lower_bound)


def check_options(
    *, mode: str, sort: str = "relevance", limit: int = 0, offset: int = 0, prefix_terms: int = 0
) -> None:
    """Refuse arguments out of range before any work.

    Raises:
        SearchOptionError: An unknown sort or mode, or a negative limit, offset or prefix_terms.
    """
    if sort not in SORTS:
        raise SearchOptionError(f"unknown sort {sort!r}: use relevance, newest or oldest")
    if mode not in MODES:
        raise SearchOptionError(f"unknown mode {mode!r}: use all or any")
    for name, value in (("limit", limit), ("offset", offset), ("prefix_terms", prefix_terms)):
        if value < 0:
            raise SearchOptionError(f"{name} must be zero or more, not {value}")


def prepare(
    snapshot: Snapshot,
    text: str,
    *,
    mode: Mode,
    filters: Filters = NO_FILTERS,
    allow_empty: bool = False,
    prefix_terms: int = 16,
    ranked: Ranked = None,
) -> tuple[ParsedQuery, CompiledFilters]:
    """Parse ``text`` and compile its filters with ``filters`` (:func:`~searchidx.filters.compile_filters`).

    ``ranked``: the query is ranked by relevance for a page, or counted (priced as the array
    scorer runs it, when it does: :func:`searchidx.cost.query_cost`); date sorts and facets
    are not.

    Returns:
        The parsed query, and its filters compiled: the combined date range, the
        entity queries, and the docnums every hit must be in (``None``: no filter).

    Raises:
        QueryError: The query is malformed or too costly, or the dates leave no day to search.
    """
    parsed = (
        _parse(snapshot, text, mode, prefix_terms)
        if text.strip() or not allow_empty
        else ParsedQuery(wq.Every())
    )
    return parsed, compile_filters(snapshot, text, parsed, filters, ranked=ranked)


def _parse(snapshot: Snapshot, text: str, mode: Mode, prefix_terms: int) -> ParsedQuery:
    return parse(
        text,
        mode=mode,
        expand=lambda prefix: snapshot.expand_prefix(prefix, prefix_terms),
        fuzzy=lambda word, edits: fuzzy_stems(snapshot, word, edits),
    )


def docset(snapshot: Snapshot, query: wq.Query) -> set[int]:
    """Docnums a query matches (:meth:`Snapshot.docset`)."""
    return snapshot.docset(query)


def matching_docs(snapshot: Snapshot, parsed: ParsedQuery, allowed: AbstractSet[int] | None) -> set[int]:
    """Every docnum the query matches within ``allowed``."""
    docs = docset(snapshot, parsed.query)
    return docs if allowed is None else docs & allowed


def _execute(
    snapshot: Snapshot,
    parsed: ParsedQuery,
    allowed: AbstractSet[int] | None,
    limit: int,
    offset: int,
    sort: str,
    should_stop: Callable[[], bool] | None = None,
    stories: Stories | None = None,
) -> tuple[int, list[tuple[int, float]]]:
    """The total and the ranked ``(docnum, score)`` pairs ``offset`` to ``offset + limit``.

    With ``stories``, the total counts stories (copies of one story once), not articles.
    """
    if allowed is not None and not allowed:
        return 0, []
    count: Callable[[set[int]], int] = len if stories is None else stories.count
    if sort == "relevance":
        if limit == 0:  # a count: from the score arrays when it is exact there
            counted = array_count(snapshot, parsed.query, allowed, should_stop, stories)
            return (count(matching_docs(snapshot, parsed, allowed)) if counted is None else counted), []
        fast = top_scored(snapshot, parsed.query, allowed, offset + limit, should_stop, stories)
        if fast is not None:
            return fast[0], fast[1][offset:]
        # Phrases, fuzzy terms, * and --any: Whoosh scores them.
        matched = set[int]() if stories is not None and stories.first else None
        total, page = snapshot.whoosh_top(parsed.query, allowed, offset + limit, offset, should_stop, matched)
        if stories is not None and matched is not None:  # Whoosh counts articles: count the stories
            total = stories.count(matched if allowed is None else matched & allowed)
        return total, page
    docs = matching_docs(snapshot, parsed, allowed)
    by_doc = snapshot.dates.by_doc
    newest = sort == "newest"
    # Undated articles go last in either direction.
    ordered = sorted(
        docs, key=lambda d: (d not in by_doc, -by_doc.get(d, 0) if newest else by_doc.get(d, 0), d)
    )
    return count(docs), [(d, 0.0) for d in ordered[offset : offset + limit]]


def _highlight_terms(snapshot: Snapshot, parsed: ParsedQuery) -> list[tuple[str, bytes]]:
    """Every indexed term of the text fields the query can match, prefixes and fuzzy terms expanded."""
    terms = snapshot.indexed_terms(parsed.query)
    return sorted(t for t in terms if t[0] in TEXT_FIELDS)[:MAX_HIGHLIGHT_TERMS]


def _hit(
    snapshot: Snapshot,
    fields: dict[str, Any],
    matches: Matches | None,
    score: float,
    rank: int,
    copies: Sequence[int] = (),
) -> Hit:
    extra = fields.get("extra") or {}
    body = fields.get("body", "")
    title = fields.get("title", "")
    text, spans, title_spans = "", tuple[Span, ...](), tuple[Span, ...]()
    if matches is not None:
        text, spans = snippet(body, matches["body"])
        title_spans = _title_spans(title, body, extra, matches)
    return Hit(
        **_described(snapshot, fields, extra),
        score=score,
        snippet=text,
        snippet_spans=spans,
        title_spans=title_spans,
        rank=rank,
        title_derived=bool(extra.get("title_derived")),
        copies=tuple(snapshot.doc_id(d) for d in copies),
    )


def _described(snapshot: Snapshot, stored: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
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
        "entities": snapshot.resolution().resolve_names(entities) if entities else {},
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


def load_document(snapshot: Snapshot, doc_id: str, text: str) -> Document | None:
    """The whole article ``doc_id`` with every match of ``text`` (no matches if it is invalid)."""
    docnum = snapshot.document_number(doc_id)
    if docnum is None:
        return None
    stored = snapshot.stored_fields(docnum)
    extra = stored.get("extra") or {}
    title, body = stored.get("title", ""), stored.get("body", "")
    body_spans: tuple[Span, ...] = ()
    title_spans: tuple[Span, ...] = ()
    if text.strip():
        try:
            terms = _highlight_terms(snapshot, _parse(snapshot, text, "all", 16))
        except QueryError:
            terms = []
        found = snapshot.page_matches(terms, {docnum: stored})[docnum]
        body_spans = spans_within(found["body"], 0, len(body))
        title_spans = _title_spans(title, body, extra, found)
    return Document(
        **_described(snapshot, stored, extra), body=body, body_spans=body_spans, title_spans=title_spans
    )
