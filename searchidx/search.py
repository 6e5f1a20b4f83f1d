"""Running a parsed query against an open Whoosh searcher and copying hits out.

Date filters use an in-memory sorted copy of the date column (built once per
searcher) instead of Whoosh range queries, which cost hundreds of
milliseconds on wide ranges. Highlights come from the character offsets
stored in the postings, so nothing is re-analysed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import time
from collections.abc import Sequence
from typing import Any, Literal

from whoosh import query as wq
from whoosh.collectors import FilterCollector, TopCollector

from . import analysis
from .analysis import analyze
from .errors import QueryError
from .highlight import snippet, spans_within
from .models import Hit, SearchResults, Span
from .query import DateRange, ParsedQuery, parse, parse_date_bound
from .schema import TEXT_FIELDS

__all__ = ["DateColumn", "SearchCache", "run_search"]

MISSING = 2**63 - 1  # Whoosh's column default for a document without a date
MAX_HIGHLIGHT_TERMS = 256
SORTS = ("relevance", "newest", "oldest")


def _ts(value: dt.datetime) -> int:
    return int(value.timestamp())


def _from_ts(value: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, dt.UTC)


class DateColumn:
    """Sorted ``(timestamp, docnum)`` pairs of the live, dated documents."""

    def __init__(self, searcher: Any) -> None:
        reader = searcher.reader()
        self.by_doc: dict[int, int] = {}
        if reader.doc_count():
            column = reader.column_reader("date")
            for docnum in reader.all_doc_ids():
                value = column[docnum]
                if value != MISSING:
                    self.by_doc[docnum] = value
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
        return _from_ts(self.keys[0]), _from_ts(self.keys[-1]), self.undated


class SearchCache:
    """Per-searcher state: the searcher and lazily built helpers."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self._dates: DateColumn | None = None
        self._words: list[str] | None = None
        self._surface: dict[str, str] | None = None

    @property
    def dates(self) -> DateColumn:
        """The date column, built on first use."""
        if self._dates is None:
            self._dates = DateColumn(self.searcher)
        return self._dates

    def words(self) -> list[str]:
        """Sorted surface words the analyzer has seen (the stem memo's keys)."""
        if self._words is None:
            self._words = sorted(analysis.stem_table())
        return self._words

    def expand_prefix(self, prefix: str) -> list[str]:
        """Stems of known words starting with ``prefix``."""
        words = self.words()
        start = bisect.bisect_left(words, prefix)
        stems = []
        for word in words[start:]:
            if not word.startswith(prefix):
                break
            stems.append(analysis.stem(word))
        return stems

    def surface(self, stem: str) -> str:
        """A readable word for a stem: the shortest known word with that stem."""
        if self._surface is None:
            self._surface = {}
            for word, stemmed in analysis.stem_table().items():
                best = self._surface.get(stemmed)
                if best is None or (len(word), word) < (len(best), best):
                    self._surface[stemmed] = word
        return self._surface.get(stem, stem)


def _date_bound(value: Any, *, end: bool) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment + dt.timedelta(seconds=1) if end else moment
    if isinstance(value, dt.date):
        value = value.isoformat()
    if isinstance(value, str):
        return parse_date_bound(value.strip(), end=end, query=value)
    raise QueryError(f"dates must be YYYY[-MM[-DD]] strings, dates or datetimes, not {value!r}")


def run_search(
    cache: SearchCache,
    text: str,
    *,
    limit: int,
    offset: int,
    since: Any,
    until: Any,
    sort: str,
    mode: Literal["all", "any"],
    highlight: bool = True,
    entities: Sequence[Any] = (),
) -> SearchResults:
    """Parse, filter, rank, page and highlight (see :meth:`searchidx.Index.search`)."""
    started = time.perf_counter()
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}: use relevance, newest or oldest", text)
    if limit < 0 or offset < 0:
        raise QueryError("limit and offset must be zero or more", text)
    parsed, _dates, allowed = prepare(cache, text, mode=mode, since=since, until=until, entities=entities)
    total, page = _execute(cache, parsed, allowed, limit, offset, sort)
    terms = _highlight_terms(cache, parsed) if page and highlight else None
    hits = tuple(_hit(cache, terms, d, score, offset + i + 1) for i, (d, score) in enumerate(page))
    suggestion = _suggest(cache, text, parsed, allowed) if total == 0 else None
    elapsed = (time.perf_counter() - started) * 1000
    return SearchResults(text, total, hits, offset, suggestion, elapsed)


def prepare(
    cache: SearchCache,
    text: str,
    *,
    mode: Literal["all", "any"],
    since: Any,
    until: Any,
    entities: Sequence[Any],
    allow_empty: bool = False,
) -> tuple[ParsedQuery, DateRange | None, set[int] | None]:
    """Parse ``text`` and turn its dates and entity filters into one allowed-docs set.

    Returns:
        The parsed query, the combined date range, and the docnums every hit
        must be in (``None``: no filter).
    """
    if text.strip() or not allow_empty:
        parsed = parse(text, mode=mode, expand=cache.expand_prefix)
    else:
        parsed = ParsedQuery(wq.Every())
    dates = parsed.dates
    bounds = DateRange(_date_bound(since, end=False), _date_bound(until, end=True))
    if bounds.start or bounds.end:
        dates = bounds if dates is None else dates.intersect(bounds)
    allowed = None if dates is None else cache.dates.docs_in(dates)
    for query in [*parsed.filters, *entities]:
        docs = set(cache.searcher.docs_for_query(query))
        allowed = docs if allowed is None else allowed & docs
    return parsed, dates, allowed


def matching_docs(cache: SearchCache, parsed: ParsedQuery, allowed: set[int] | None) -> set[int]:
    """Every docnum the query matches within ``allowed``."""
    docs = set(cache.searcher.docs_for_query(parsed.query))
    return docs if allowed is None else docs & allowed


def _execute(
    cache: SearchCache, parsed: ParsedQuery, allowed: set[int] | None, limit: int, offset: int, sort: str
) -> tuple[int, list[tuple[int, float]]]:
    searcher = cache.searcher
    if allowed is not None and not allowed:
        return 0, []
    if sort == "relevance":
        if limit == 0:
            return len(matching_docs(cache, parsed, allowed)), []
        # One exact pass: Whoosh's default collector prunes sub-matchers once its
        # heap is full, so its total is wrong and len() re-runs the whole query.
        top = TopCollector(limit=offset + limit, usequality=False, replace=0)
        collector = top if allowed is None else FilterCollector(top, allowed)
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


def _matches(
    cache: SearchCache, terms: list[tuple[str, bytes]], docnum: int
) -> dict[str, list[tuple[int, int]]]:
    """Character ranges of every query term in one document, per field."""
    reader = cache.searcher.reader()
    found: dict[str, list[tuple[int, int]]] = {f: [] for f in TEXT_FIELDS}
    for fieldname, term in terms:
        postings = reader.postings(fieldname, term)
        postings.skip_to(docnum)
        if postings.is_active() and postings.id() == docnum:
            found[fieldname].extend((s, e) for _pos, s, e in postings.value_as("characters"))
    return found


def _hit(
    cache: SearchCache, terms: list[tuple[str, bytes]] | None, docnum: int, score: float, rank: int
) -> Hit:
    stored = cache.searcher.stored_fields(docnum)
    extra = stored.get("extra") or {}
    body = stored.get("body", "")
    title = stored.get("title", "")
    text, spans, title_spans = "", tuple[Span, ...](), tuple[Span, ...]()
    if terms is not None:
        text, spans, title_spans = _highlights(cache, terms, docnum, title, body, extra)
    date = stored.get("date")
    return Hit(
        id=stored["id"],
        path=stored.get("path", ""),
        title=title,
        date=_from_ts(date) if isinstance(date, int) else None,
        score=score,
        snippet=text,
        snippet_spans=spans,
        title_spans=title_spans,
        rank=rank,
        source=stored.get("source", ""),
        url=extra.get("url", ""),
        title_derived=bool(extra.get("title_derived")),
        entities={label: tuple(names) for label, names in (extra.get("entities") or {}).items()},
    )


def _highlights(
    cache: SearchCache,
    terms: list[tuple[str, bytes]],
    docnum: int,
    title: str,
    body: str,
    extra: dict[str, Any],
) -> tuple[str, tuple[Span, ...], tuple[Span, ...]]:
    matches = _matches(cache, terms, docnum)
    text, spans = snippet(body, matches["body"])
    if extra.get("title_derived"):
        # A derived title is the first sentence of the body: reuse the body's matches.
        start = int(extra.get("title_start", 0))
        visible = len(title.rstrip("…"))
        title_spans = spans_within(matches["body"], start, start + visible, -start)
        if " ".join(body[start : start + visible].split()) != title[:visible]:
            title_spans = ()  # whitespace was collapsed inside the title: offsets would drift
    else:
        title_spans = spans_within(matches["title"], 0, len(title))
    return text, spans, title_spans


def _suggest(cache: SearchCache, text: str, parsed: ParsedQuery, allowed: set[int] | None) -> str | None:
    """Replace unknown words by the most frequent close term, if that finds hits."""
    reader = cache.searcher.reader()
    replaced = text
    for start, end in reversed(parsed.words):
        tokens = list(analyze(text[start:end]))
        if len(tokens) != 1:
            continue
        term = tokens[0].text
        if any(reader.doc_frequency(f, term) for f in TEXT_FIELDS):
            continue
        maxdist = 1 if len(term) <= 4 else 2
        candidates = {c for f in TEXT_FIELDS for c in reader.terms_within(f, term, maxdist, prefix=1)}
        if not candidates:
            continue
        best = max(candidates, key=lambda c: (sum(reader.doc_frequency(f, c) for f in TEXT_FIELDS), c))
        replaced = replaced[:start] + cache.surface(best) + replaced[end:]
    if replaced == text:
        return None
    try:
        fixed = parse(replaced, expand=cache.expand_prefix)
    except QueryError:
        return None
    return replaced if matching_docs(cache, fixed, allowed) else None
