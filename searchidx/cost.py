"""Query planning: fold repeated clauses, price a query in postings, refuse what costs too much.

A search reads the postings of every term its query can match, so its CPU time
follows the number of postings (the terms' document frequencies, which grow with
the index) plus a fixed cost per term opened. Words, ORs, ANDs, NOTs, prefixes
and fuzzy words are scored term at a time (:mod:`searchidx.ranking`, about a
microsecond a posting); phrases, ``*`` and ``--any`` go through Whoosh's
matchers, several times slower a posting, and phrases decode positions too, in
the documents holding every word (``"money market"`` on 76,172 articles: 81 ms
CPU, 4,280 documents hold "money", 16,992 "market"). The
weights below turn that into one number, the query's *cost* in posting units,
and :data:`BUDGET` units take about half a second of CPU on the 19,043-article
Reuters index, whatever the index size (``python -m bench.query_cost``).

A query of :data:`ARRAYS_FROM` postings or more is scored in NumPy arrays
(:mod:`searchidx.array_scoring`), each segment's postings and positions sliced out of its arrays
file: a posting there costs a small fraction of the above, so such a query's cost is scaled by
:data:`ARRAY_SCALE` when every segment keeps its positions (an index from before keeps the
dictionary prices for its phrases).

Besides the budget, a few shapes have fixed limits because their cost is not in
the postings: fuzzy words and prefixes scan the vocabulary, and long phrases
and hyphenated compounds cost per word.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from whoosh import query as wq

from .errors import QueryError

__all__ = [
    "ARRAYS_FROM",
    "ARRAY_SCALE",
    "BUDGET",
    "FUZZY_TERMS",
    "MAX_COMPOUND_PARTS",
    "MAX_FUZZY_WORDS",
    "MAX_PHRASE_WORDS",
    "MAX_PREFIXES",
    "check_cost",
    "fold",
    "has_phrase",
    "phrase_postings",
    "query_cost",
    "words_only",
]

BUDGET = 200_000  # posting units a query may cost (at most about 0.8 s CPU: bench.query_cost)
TERM_OPEN = 200  # units per term opened: lookups, idf, the page's highlights
FAST = 1.0  # units per posting scored term at a time
WHOOSH = 6.0  # units per posting through Whoosh's matchers (phrases, *, and what they sit in)
PHRASE = 6.0  # units per candidate of a phrase per word after the first (positions decoded and compared)
#: Postings from which a query is scored in arrays even before NumPy is loaded (:mod:`.ranking`):
#: loading it costs ~80 ms (a third of a one-shot ``search``), scoring 100,000 postings in Python
#: ~100 ms. Once it is loaded (a long-lived process, the terminal UI), every query goes to arrays.
ARRAYS_FROM = 100_000
#: What a unit costs a query scored in arrays, against one scored here (conservative: at 304,688
#: Reuters articles, ANDs, ORs and phrases of 190,000 to 950,000 units took 12-77 ms CPU, 0.04-0.12 us
#: a unit, where the budget allows about 2.5 us: ``python -m bench.query_cost``).
ARRAY_SCALE = 0.1
FUZZY_TERMS = 16  # a fuzzy word matches at most this many indexed words, the closest first
MAX_FUZZY_WORDS = 8
MAX_PREFIXES = 16
MAX_PHRASE_WORDS = 32
MAX_COMPOUND_PARTS = 8


def fold(query: wq.Query) -> wq.Query:
    """Fold repeated clauses of every AND and OR into one, boosted by the repeat count.

    ``oil oil price`` reads ``oil`` once and scores it twice, as before: a
    clause's boost multiplies its score, so the ranking is unchanged (except
    under ``--any``, whose coordination bonus counts distinct clauses).
    Repeated NOT clauses are simply dropped.
    """
    if isinstance(query, (wq.And, wq.Or)):
        kept: list[wq.Query] = []
        where: dict[Any, int] = {}
        for sub in (fold(q) for q in query.subqueries):
            key = _key(sub)
            if key in where:
                if not isinstance(sub, wq.Not):
                    first = kept[where[key]]
                    kept[where[key]] = first.with_boost(first.boost + sub.boost)
                continue
            where[key] = len(kept)
            kept.append(sub)
        folded = copy.copy(query)
        folded.subqueries = kept
        if len(kept) == 1:  # (Whoosh gives no coordination bonus to a single clause)
            only = kept[0]
            return only if query.boost == 1.0 else only.with_boost(only.boost * query.boost)
        return folded
    if isinstance(query, wq.Not):
        folded_not = copy.copy(query)
        folded_not.query = fold(query.query)
        return folded_not
    return query


def _key(query: wq.Query) -> Any:
    """What makes two clauses the same, boost aside."""
    if isinstance(query, (wq.And, wq.Or)):
        return (type(query).__name__, tuple(_key(q) for q in query.subqueries), getattr(query, "scale", None))
    if isinstance(query, wq.Not):
        return ("Not", _key(query.query))
    if isinstance(query, wq.Term):
        return ("Term", query.fieldname, query.text)
    if isinstance(query, wq.Phrase):
        return ("Phrase", query.fieldname, tuple(query.words), query.slop)
    return (repr(query.with_boost(1.0)),)


def _whoosh_scored(query: wq.Query) -> bool:
    """Whether Whoosh's matchers, not :mod:`searchidx.ranking`, run this query."""
    if isinstance(query, wq.Term):
        return False
    if isinstance(query, wq.Or) and query.scale:  # --any: term at a time over words, prefixes, fuzzy words
        return not all(words_only(q) for q in query.subqueries)
    if isinstance(query, wq.Or):
        return any(_whoosh_scored(q) for q in query.subqueries)
    if isinstance(query, wq.And):
        return any(_whoosh_scored(q) for q in query.subqueries)
    if isinstance(query, wq.Not):
        return _whoosh_scored(query.query)
    return True


def phrase_postings(counts: list[int]) -> float:
    """What a phrase of words held by ``counts`` documents costs in postings, positions included.

    Its words' postings, and its candidates (at most the rarest word's documents) checked
    for positions once per word after the first, each :data:`PHRASE` postings' worth.
    """
    if not counts:
        return 0.0
    return FAST * sum(counts) + PHRASE * min(counts) * (len(counts) - 1)


def has_phrase(query: wq.Query) -> bool:
    """Whether the query holds a phrase anywhere."""
    if isinstance(query, wq.Phrase):
        return True
    if isinstance(query, (wq.And, wq.Or)):
        return any(map(has_phrase, query.subqueries))
    if isinstance(query, wq.Not):
        return has_phrase(query.query)
    return False


def _array_scored(query: wq.Query) -> bool:
    """Whether :mod:`searchidx.array_scoring` scores this query (words, phrases, AND, OR, NOT)."""
    if isinstance(query, wq.Term):
        return True
    if isinstance(query, wq.Phrase):
        return bool(query.slop == 1)
    if isinstance(query, (wq.And, wq.Or)):
        return not getattr(query, "scale", None) and all(map(_array_scored, query.subqueries))
    if isinstance(query, wq.Not):  # a NOT phrase's documents come from Whoosh's matchers
        return words_only(query.query)
    return False


def words_only(query: wq.Query) -> bool:
    """A word, or an OR of words (no coordination, no minimum): its documents are its words'."""
    if isinstance(query, wq.Or) and not query.scale and query.minmatch in (0, None):
        return all(map(words_only, query.subqueries))
    return isinstance(query, wq.Term)


class _Pricer:
    def __init__(
        self,
        frequency: Callable[[str, str], int],
        documents: int,
        per_posting: float,
        expand: Callable[[wq.Query], list[tuple[str, str]]] | None,
    ) -> None:
        self.frequency = frequency
        self.expand = expand
        self.documents = documents
        self.per_posting = per_posting
        self.parts: list[tuple[float, wq.Query]] = []  # (cost, query part with startchar)
        self.postings = 0.0  # of the words and phrases priced (phrases with their positions)

    def price(self, query: wq.Query) -> float:
        found = self._price(query)
        if getattr(query, "startchar", None) is not None:
            self.parts.append((found, query))
        return found

    def _price(self, query: wq.Query) -> float:
        if isinstance(query, wq.Term):
            count = self.frequency(query.fieldname, str(query.text))
            self.postings += count
            return TERM_OPEN + self.per_posting * count
        if isinstance(query, (wq.And, wq.Or)):
            return sum(self.price(q) for q in query.subqueries)
        if isinstance(query, wq.Not):
            return self.price(query.query)
        if isinstance(query, wq.Phrase):
            # Whoosh intersects the words' postings, skipping ahead by block, and compares
            # positions only in the documents holding every word: at most the rarest word's.
            postings = [self.frequency(query.fieldname, str(w)) for w in query.words] or [0]
            self.postings += phrase_postings(postings)
            return len(postings) * TERM_OPEN + phrase_postings(postings)
        if isinstance(query, wq.Every):
            return FAST * self.documents  # Whoosh walks the ids without decoding postings
        if isinstance(query, wq.MultiTerm):  # entity-field prefixes and fuzzy words
            terms = self.expand(query) if self.expand is not None else []
            return TERM_OPEN + sum(self.price(wq.Term(f, t)) for f, t in terms)
        return TERM_OPEN


def query_cost(
    query: wq.Query,
    frequency: Callable[[str, str], int],
    documents: int,
    filters: list[wq.Query] | None = None,
    expand: Callable[[wq.Query], list[tuple[str, str]]] | None = None,
    arrays: Callable[[], bool] | None = None,
) -> tuple[float, list[tuple[float, wq.Query]]]:
    """The cost of a query in posting units, and the cost of each part the parser placed.

    Args:
        query: The scored query (folded).
        frequency: Documents of one field holding one term.
        documents: Documents in the index (what ``*`` reads).
        filters: Entity filters, read as sets of documents.
        expand: The indexed ``(field, term)`` pairs a prefix or fuzzy query node matches.
        arrays: Whether every segment keeps its postings and positions in its arrays file
            (asked only of a query big enough to be scored in arrays); None for a query not
            ranked for a page by relevance (counts, date sorts, facets read Whoosh's matchers).

    Returns:
        The total, and ``(cost, part)`` for each part with a ``startchar``.
    """
    pricer = _Pricer(frequency, documents, WHOOSH if _whoosh_scored(query) else FAST, expand)
    total = pricer.price(query)
    if pricer.postings >= ARRAYS_FROM and arrays is not None and _array_scored(query) and arrays():
        total *= ARRAY_SCALE
        pricer.parts = [(cost * ARRAY_SCALE, part) for cost, part in pricer.parts]
    filter_pricer = _Pricer(frequency, documents, FAST, expand)
    total += sum(filter_pricer.price(f) for f in filters or [])
    return total, pricer.parts + filter_pricer.parts


def check_cost(
    query: wq.Query,
    text: str,
    frequency: Callable[[str, str], int],
    documents: int,
    filters: list[wq.Query] | None = None,
    expand: Callable[[wq.Query], list[tuple[str, str]]] | None = None,
    budget: float | None = None,
    arrays: Callable[[], bool] | None = None,
) -> float:
    """Refuse a query that would cost more than ``budget`` posting units.

    Args:
        query: The scored query (folded).
        text: The query as typed, for the message.
        frequency: Documents of one field holding one term.
        documents: Documents in the index.
        filters: Entity filters.
        expand: The indexed ``(field, term)`` pairs a prefix or fuzzy query node matches.
        budget: The most a query may cost (default :data:`BUDGET`).
        arrays: Whether the index keeps its postings and positions in arrays (:func:`query_cost`).

    Returns:
        The query's cost.

    Raises:
        QueryError: Naming the costliest part (its column) and how to make it cheaper.
    """
    total, parts = query_cost(query, frequency, documents, filters, expand, arrays)
    budget = BUDGET if budget is None else budget
    if total <= budget:
        return total
    share, part = max(parts, key=lambda item: item[0]) if parts else (total, None)
    where = getattr(part, "startchar", None)
    shown = text[where : getattr(part, "endchar", None)] if where is not None else text
    raise QueryError(
        f"query too expensive for this index (about {total:,.0f} postings to read; at most "
        f"{budget:,.0f}): {shown[:40]!r} costs {share / total:.0%} of it; {_fix(shown, len(parts))}",
        text,
        where if where is not None else None,
    )


def _fix(part: str, count: int) -> str:
    """How to make a query cheaper, by the kind of its costliest part."""
    if part.startswith('"'):
        return "use shorter or fewer phrases, or rarer words in them"
    if part.rstrip("12").endswith("~"):
        return "use fewer ~ or ~1 instead of ~2"
    if part.endswith("*"):
        return "use longer prefixes or fewer *"
    if count > 16:
        return "use fewer words, or rarer ones"
    return "use rarer words, or add one to narrow the search"
