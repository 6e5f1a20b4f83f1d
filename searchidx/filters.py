"""Filters: the restrictions a search runs under, as one frozen value, and their one compiler.

A :class:`Filters` says which articles may match at all (a date range and the
people, places and organisations they must name), whatever the query. It
knows nothing of Whoosh: :func:`compile_filters` is the one place where it and
the query's own ``date:`` and ``person:``-style filters become what a search
reads (the combined date range, the entity queries and the allowed docnums).
Search and facets both call it.

``mode`` is not a filter: it changes how the query's words match and rank (all
of them, or ranked OR), not which articles are admitted. It stays an argument
of :meth:`~searchidx.Index.search` and :meth:`~searchidx.Index.facets`, typed
:data:`Mode`, beside the :data:`Sort` order.

The compiler imports the search side (Whoosh queries, the cost model, the
snapshot) when it runs, so ``from searchidx import Filters`` costs nothing at start-up.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from whoosh import query as wq

    from .dates import DateRange
    from .query import ParsedQuery
    from .snapshot import Snapshot

__all__ = [
    "MODES",
    "NO_FILTERS",
    "SORTS",
    "CompiledFilters",
    "DateLike",
    "FilterKeywords",
    "Filters",
    "Mode",
    "Ranked",
    "Sort",
    "compile_filters",
    "entity_docs",
    "resolve_filters",
]

Sort = Literal["relevance", "newest", "oldest"]
Mode = Literal["all", "any"]
#: How a query's matches are used: ranked by relevance for a page, counted, or neither (None:
#: sorted by date, faceted), which decides the prices of the cost bound (:func:`compile_filters`).
Ranked = Literal["page", "count"] | None
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")
MODES: tuple[Mode, ...] = ("all", "any")
DateLike = str | dt.date | dt.datetime | None
_ENTITY_KINDS = (("people", "person"), ("places", "place"), ("orgs", "org"))


@dataclass(frozen=True, slots=True, init=False)
class Filters:
    """Which articles a search or a facet count may admit, whatever the query.

    Immutable and hashable. People, places and organisations may be given as
    any iterable of names (not a bare string); they are kept as tuples, in
    order, each name once. Dates are checked when the search runs: a bad one
    is a :class:`~searchidx.QueryError` then, as for the query's ``date:``.

    Attributes:
        since: Earliest date included (``YYYY[-MM[-DD]]``, a date or a datetime; naive is UTC).
        until: Latest date included (a day, month or year counts whole).
        people: Only articles naming every one of these people.
        places: Only articles naming every one of these places.
        orgs: Only articles naming every one of these organisations.

    Example:
        >>> Filters(since="2019", people=["erdogan", "putin"]).people
        ('erdogan', 'putin')
    """

    since: DateLike
    until: DateLike
    people: tuple[str, ...]
    places: tuple[str, ...]
    orgs: tuple[str, ...]

    def __init__(
        self,
        *,
        since: DateLike = None,
        until: DateLike = None,
        people: Iterable[str] = (),
        places: Iterable[str] = (),
        orgs: Iterable[str] = (),
    ) -> None:
        for bound, value in (("since", since), ("until", until)):
            if value is not None and not isinstance(value, (str, dt.date)):
                raise TypeError(f"Filters.{bound} must be a YYYY[-MM[-DD]] string, a date or a datetime")
            object.__setattr__(self, bound, value)
        for kind, names in (("people", people), ("places", places), ("orgs", orgs)):
            if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
                one = f": write {kind}=({names!r},) for one name" if isinstance(names, str) else ""
                raise TypeError(f"Filters.{kind} takes a sequence of names, not {type(names).__name__}{one}")
            kept = tuple(dict.fromkeys(names))
            if not all(isinstance(name, str) for name in kept):
                raise TypeError(f"Filters.{kind} must hold names (str), not {kept!r}")
            object.__setattr__(self, kind, kept)

    @property
    def is_empty(self) -> bool:
        """True when nothing is filtered (every article is admitted)."""
        return self.since is None and self.until is None and not (self.people or self.places or self.orgs)

    def entities(self) -> tuple[tuple[str, str], ...]:
        """Each entity filter as ``(field, name)``: ``person``, ``place`` or ``org``, in order."""
        return tuple((label, name) for kind, label in _ENTITY_KINDS for name in getattr(self, kind))


NO_FILTERS = Filters()


class FilterKeywords(TypedDict, total=False):
    """The filter keywords search and facets took before :class:`Filters` (deprecated)."""

    since: DateLike
    until: DateLike
    people: Sequence[str]
    places: Sequence[str]
    orgs: Sequence[str]


def resolve_filters(filters: Filters | None, keywords: Mapping[str, Any], caller: str) -> Filters:
    """The filters of a call: ``filters=``, or the deprecated keywords, never both.

    Args:
        filters: The ``filters=`` argument, if given.
        keywords: The other keyword arguments the call received (deprecated filter keywords).
        caller: The method's name, for messages (``search``, ``facets``).

    Returns:
        ``filters``, a Filters built from the keywords (with a :class:`DeprecationWarning`),
        or no filters.

    Raises:
        TypeError: A keyword that is not a filter's, or ``filters=`` together with filter keywords.
    """
    unknown = [name for name in keywords if name not in FilterKeywords.__annotations__]
    if unknown:
        raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
    if not keywords:
        return NO_FILTERS if filters is None else filters
    used = ", ".join(f"{name}=" for name in keywords)
    if filters is not None:
        raise TypeError(
            f"{caller}() takes filters=Filters(...) or the deprecated {used} keywords, not both: "
            f"move {used} into the Filters"
        )
    warnings.warn(
        f"{caller}({used}...) is deprecated and will be removed in searchidx 0.3: "
        f"pass filters=Filters({used}...) (from searchidx import Filters)",
        DeprecationWarning,
        stacklevel=3,  # the caller of Index.search / Index.facets
    )
    return Filters(**keywords)


@dataclass(frozen=True, slots=True)
class CompiledFilters:
    """What a search reads from its filters: the query's own and a :class:`Filters` value together.

    Attributes:
        dates: The combined date range (``date:`` and since/until), or ``None``.
        entities: Every entity filter as a Whoosh query (the query's, then the Filters'),
            before aliases: what the "why nothing matched" notes describe.
        allowed: Docnums every hit must be in (``None``: no filter).
    """

    dates: DateRange | None
    entities: tuple[wq.Query, ...]
    allowed: AbstractSet[int] | None


def compile_filters(
    snapshot: Snapshot, text: str, parsed: ParsedQuery, filters: Filters, *, ranked: Ranked = None
) -> CompiledFilters:
    """Compile the query's filters and ``filters`` into a date range, entity queries and allowed docs.

    The query is priced here, with every filter it runs under (reading a
    filter's postings is part of its cost).

    Args:
        snapshot: The open index's snapshot.
        text: The query as typed, for messages.
        parsed: The parsed query (its ``date:`` and ``person:``-style filters).
        filters: The caller's filters.
        ranked: ``"page"``: the query is ranked by relevance for a page; ``"count"``: its
            matches are counted. The array scorer's prices apply where it runs it
            (:func:`searchidx.cost.query_cost`): a page, or a count without phrases (a
            phrase's count may need Whoosh's matchers).

    Raises:
        QueryError: The query is too costly, a date or a name is malformed, the dates
            leave no day to search, or this index has no entities to filter on.
    """
    from .cost import check_cost, has_phrase
    from .dates import DateRange, date_bound
    from .errors import QueryError
    from .query_clauses import entity_query

    entities = (*parsed.filters, *(entity_query(label, name) for label, name in filters.entities()))
    in_arrays = ranked == "page" or (ranked == "count" and not has_phrase(parsed.query))
    check_cost(
        parsed.query,
        text,
        snapshot.field_frequency,
        snapshot.doc_count_all(),
        list(entities),
        expand=snapshot.expand_terms,
        arrays=snapshot.keeps_positions if in_arrays else None,
    )
    if entities and not snapshot.entities:
        raise QueryError(
            "this index has no entities (it was built with --no-entities), so person:, place:, org: "
            "and entity: filters cannot match: rebuild it without --no-entities to use them",
            text,
        )
    dates = parsed.dates
    since, until = filters.since, filters.until
    if since is not None or until is not None:  # even unbounded, a date filter drops undated articles
        bounds = DateRange(date_bound(since, end=False), date_bound(until, end=True))
        if bounds.empty:
            raise QueryError(f"empty date range {bounds.label()}: since {since} is after until {until}", text)
        if dates is not None and dates.intersect(bounds).empty:
            raise QueryError(
                f"empty date range: the query's date:{dates.label()} and since/until {bounds.label()} "
                "have no day in common",
                text,
            )
        dates = bounds if dates is None else dates.intersect(bounds)
    allowed: AbstractSet[int] | None = None if dates is None else snapshot.dates.docs_in(dates)
    for query in entities:
        docs = entity_docs(query, snapshot)
        allowed = docs if allowed is None else allowed & docs
    return CompiledFilters(dates, entities, allowed)


def entity_docs(query: wq.Query, snapshot: Snapshot) -> set[int]:
    """The articles an entity filter matches, with every name the collection resolves to its entity.

    ``person:reagan`` also finds articles that only say "Ronald Reagan" or that tagged
    "Reagan" an organisation; ``org:imf`` finds "International Monetary Fund". A name of
    another type counts only as a whole name: the article that tagged "Reagan" an
    organisation, not every organisation with the word in it ("Reagan Administration").
    """
    from whoosh import query as wq

    from .query_clauses import entity_query
    from .schema import ENTITY_FIELDS

    if isinstance(query, wq.Not):
        return snapshot.docset(wq.Every()) - entity_docs(query.query, snapshot)
    if isinstance(query, wq.Or):
        return set().union(*(entity_docs(q, snapshot) for q in query.subqueries))
    if isinstance(query, wq.And):
        return set.intersection(*(entity_docs(q, snapshot) for q in query.subqueries))
    words = (
        query.words if isinstance(query, wq.Phrase) else [query.text] if isinstance(query, wq.Term) else None
    )
    if words is None or query.fieldname not in ENTITY_FIELDS or not snapshot.entities:
        return snapshot.docset(query)
    others = snapshot.entity_aliases().get((query.fieldname, tuple(words)), [])
    same = [entity_query(label, key) for label, key in others if label == query.fieldname]
    docs = snapshot.docset(wq.Or([query, *same]) if same else query)
    for label, key in others:
        if label != query.fieldname:  # the word may be part of longer names of that type: check
            docs |= {
                doc
                for doc in snapshot.docset(entity_query(label, key)) - docs
                if any((kind, name) == (label, key) for kind, name, _shown in snapshot.entity_row(doc))
            }
    return docs
