"""Frozen values that cross the library boundary.

Nothing here refers to Whoosh: a :class:`Hit` outlives the searcher that
found it, and renderers turn its offsets into colour, bold or JSON. Strings
are kept as found (``to_dict`` too); escaping them is the renderers' job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .frozen import FrozenMap, freeze_field, iso_utc
from .reports import IndexReport, IndexStats, Problem  # named here too: the values crossing the boundary

__all__ = [
    "Article",
    "CanonicalEntity",
    "Document",
    "Entity",
    "FacetValue",
    "Facets",
    "FrozenMap",
    "Hit",
    "IndexReport",
    "IndexStats",
    "Problem",
    "SearchResults",
    "Span",
]


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` into some text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Article:
    """One article as read from disk, before indexing.

    Attributes:
        id: Stable identifier: path relative to the indexed root, or the JSONL ``id``.
        path: Absolute path of the file it came from.
        title: Display title (a headline, or derived from the first sentence).
        title_derived: True when no headline existed and ``title`` was derived.
        title_start: Offset in ``body`` where a derived title starts (0 otherwise).
        body: Article text, without the header line(s).
        date: Publication time in UTC, or ``None`` when the source has none.
        source: Publisher or collection name, if known.
        url: Canonical URL, if known.
        metadata: Any other keys of a JSON Lines record.
        content_hash: Hash of the raw record, used for incremental updates.
        line: 1-based line number within a JSON Lines file (0 for text files).
    """

    id: str
    path: str
    title: str
    body: str
    date: dt.datetime | None = None
    title_derived: bool = False
    title_start: int = 0
    source: str = ""
    url: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    content_hash: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result, detached from the index.

    Attributes:
        id: Document id.
        path: File the article came from.
        title: Display title.
        date: Publication time (UTC) or ``None``.
        score: Relevance score (BM25F); 0.0 when sorted by date.
        snippet: Whole-word excerpt of the body around the best matches.
        snippet_spans: Offsets of every highlighted match within ``snippet``.
        title_spans: Offsets of every highlighted match within ``title``.
        rank: 1-based position in the full result list.
        source: Publisher or collection, if known.
        url: URL, if known.
        title_derived: True when the article had no headline and ``title`` is its first sentence.
        entities: Canonical names per label (``person``, ``place``, ``org``), most mentioned first.
        line: 1-based line of the article in its file (JSON Lines, CSV), 0 when it is the whole file.
        copies: Ids of the other articles telling the same story (re-sent, corrected, or
            another outlet's copy), folded into this hit (:mod:`searchidx.duplicates`).
    """

    id: str
    path: str
    title: str
    date: dt.datetime | None
    score: float
    snippet: str
    snippet_spans: tuple[Span, ...]
    title_spans: tuple[Span, ...]
    rank: int
    source: str = ""
    url: str = ""
    title_derived: bool = False
    entities: Mapping[str, tuple[str, ...]] = field(default_factory=FrozenMap)
    line: int = 0
    copies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        freeze_field(self, "entities", self.entities)

    @property
    def similar(self) -> int:
        """How many copies of this hit's story were folded into it (``len(copies)``)."""
        return len(self.copies)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (dates as ISO 8601 UTC, spans as pairs)."""
        return {
            "rank": self.rank,
            "id": self.id,
            "path": self.path,
            "title": self.title,
            "title_derived": self.title_derived,
            "date": iso_utc(self.date),
            "score": round(self.score, 4),
            "source": self.source,
            "url": self.url,
            "line": self.line,
            "snippet": self.snippet,
            "snippet_spans": [[s.start, s.end] for s in self.snippet_spans],
            "title_spans": [[s.start, s.end] for s in self.title_spans],
            "entities": {label: list(names) for label, names in self.entities.items()},
            "similar": self.similar,
            "copies": list(self.copies),
        }


@dataclass(frozen=True, slots=True)
class SearchResults:
    """The answer to one search.

    Attributes:
        query: The query text as given.
        total: Number of matching articles (all pages).
        hits: The requested page of hits.
        offset: Index of the first hit within all matches.
        suggestion: A corrected query that has hits, when this one has none.
        elapsed_ms: Wall time spent in the library, milliseconds.
        notes: When nothing matched, why a filter could not match (e.g. ``no
            article names a person "x"``), one sentence each; else empty.
        total_is_lower_bound: ``total`` is only a lower bound: ranking skipped
            documents that could not reach the page, uncounted (``Index.count``
            and ``limit=0`` are always exact).
    """

    query: str
    total: int
    hits: tuple[Hit, ...]
    offset: int = 0
    suggestion: str | None = None
    elapsed_ms: float = 0.0
    notes: tuple[str, ...] = ()
    total_is_lower_bound: bool = False


@dataclass(frozen=True, slots=True)
class Entity:
    """A named-entity mention.

    Attributes:
        text: The mention as written.
        label: ``"person"``, ``"place"`` or ``"org"``.
        start: Start offset in the text it was found in.
        end: End offset.
    """

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class CanonicalEntity:
    """One entity of an article after merging its mentions.

    Attributes:
        label: ``"person"``, ``"place"`` or ``"org"``.
        key: Folded key shared across articles ("recep tayyip erdogan").
        name: Display form: the fullest, best-attested spelling in the article.
        mentions: How many mentions were merged into it.
    """

    label: str
    key: str
    name: str
    mentions: int


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One entity among the matching articles.

    Attributes:
        name: Best-attested display form across those articles.
        key: Folded canonical key (what ``person:``/``place:``/``org:`` match).
        count: Number of matching articles that mention it.
    """

    name: str
    key: str
    count: int


@dataclass(frozen=True, slots=True)
class Facets:
    """Entity and date facets of a query.

    Attributes:
        query: The query text.
        total: Matching articles.
        people: Top people, most articles first.
        places: Top places.
        orgs: Top organisations.
        months: ``(YYYY-MM, articles)`` for every month with matches, in order.
        undated: Matching articles without a date.
    """

    query: str
    total: int
    people: tuple[FacetValue, ...]
    places: tuple[FacetValue, ...]
    orgs: tuple[FacetValue, ...]
    months: tuple[tuple[str, int], ...]
    undated: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""

        def values(items: tuple[FacetValue, ...]) -> list[dict[str, Any]]:
            return [{"name": v.name, "key": v.key, "count": v.count} for v in items]

        return {
            "query": self.query,
            "total": self.total,
            "person": values(self.people),
            "place": values(self.places),
            "org": values(self.orgs),
            "months": [{"month": m, "count": c} for m, c in self.months],
            "undated": self.undated,
        }


@dataclass(frozen=True, slots=True)
class Document:
    """One whole article with the matches of a query, for a preview pane.

    Attributes:
        id: Document id.
        path: File it came from.
        title: Display title.
        date: Publication time (UTC) or ``None``.
        body: Full text.
        body_spans: Every match of the query in ``body``, in order.
        title_spans: Every match in ``title``.
        entities: Canonical names per label, most mentioned first.
        source: Publisher or collection, if known.
        url: URL, if known.
        line: 1-based line of the article in its file (JSON Lines, CSV), 0 when it is the whole file.
    """

    id: str
    path: str
    title: str
    date: dt.datetime | None
    body: str
    body_spans: tuple[Span, ...]
    title_spans: tuple[Span, ...]
    entities: Mapping[str, tuple[str, ...]]
    source: str = ""
    url: str = ""
    line: int = 0

    def __post_init__(self) -> None:
        freeze_field(self, "entities", self.entities)
