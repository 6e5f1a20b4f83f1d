"""BM25F ranking for queries made of terms, ORs, ANDs, NOTs and phrases, without Whoosh's matchers.

Whoosh scores document-at-a-time through a tree of Python matcher objects: a
few method calls per posting per tree node, which made a two-word query with a
prefix cost 50-100 ms on 19k articles. Here the same BM25F formula and the same
statistics as :class:`RobertsonBM25F` (Whoosh's weighting, defined here) score
term at a time, one of two ways. In NumPy arrays (:mod:`.array_scoring`) once
NumPy is loaded, or for a query of :data:`ARRAYS_FROM` postings or more; else,
and for Whoosh's coordination bonus (``--any``), in dictionaries here, the
terms decoded from Whoosh's blocks (phrases: the sum of their words' scores
where positions show them together, :mod:`.phrases`). Both add in the same
order, so their scores are bit for bit the same; they equal Whoosh's up to the
order of the additions (last-bit differences). Totals are exact, except a
phrase's in arrays when not every candidate was read (:class:`AtLeast`).
Anything else (fuzzy terms, ``Every``) returns ``None`` and Whoosh scores it.

Nothing here reads Whoosh: statistics and postings come from the snapshot,
and only ``whoosh.query`` nodes are inspected (and ``whoosh.scoring`` subclassed).
"""

from __future__ import annotations

import bisect
import heapq
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from whoosh import query as wq
from whoosh import scoring

from .cost import ARRAYS_FROM, phrase_postings
from .errors import SearchCancelled
from .phrases import PhraseUnsupported, phrase_scores
from .snapshot import Unreadable

if TYPE_CHECKING:
    from .snapshot import Snapshot
    from .stories import Stories

__all__ = [
    "ARRAYS",
    "ARRAYS_FROM",
    "AtLeast",
    "RobertsonBM25F",
    "array_count",
    "best_of",
    "load_arrays",
    "top_scored",
]

#: Score queries in NumPy arrays (:mod:`.array_scoring`) when it pays; tests turn it off to
#: compare them with the dictionaries here.
ARRAYS = True


def load_arrays() -> None:
    """Load NumPy and the array scorer now: a long-lived process scores every later query in arrays."""
    from . import array_scoring  # noqa: F401


class AtLeast(int):
    """A total that is only a lower bound: ranking stopped before checking every candidate."""

    __slots__ = ()


def _scored(
    blocks: Iterator[tuple[Sequence[int], Sequence[float]]],
    offset: int,
    deleted: set[int],
    idf: float,
    k1p1: float,
    norms: list[float],
) -> Iterator[tuple[int, float]]:
    """``(docnum, BM25 score)`` of each posting: Whoosh's ``bm25()`` with the norm precomputed."""
    for ids, weights in blocks:
        if deleted:
            kept = [(i, w) for i, w in zip(ids, weights, strict=True) if i not in deleted]
            ids, weights = [i for i, _ in kept], [w for _, w in kept]
        docs = [i + offset for i in ids] if offset else ids
        scores = [idf * ((w * k1p1) / (w + norms[d])) for d, w in zip(docs, weights, strict=True)]
        yield from zip(docs, scores, strict=True)


class _Unsupported(Exception):
    """The query holds a node this path does not score."""


class RobertsonBM25F(scoring.BM25F):  # type: ignore[misc]
    """BM25F with the Robertson/Lucene idf, log(1 + (N - n + 0.5) / (n + 0.5)).

    Whoosh's default, log(N / (n + 1)) + 1, gives common query words too much
    weight: on CACM MAP 0.3249 -> 0.3340 and on TIME 0.6658 -> 0.6877 with this one.
    The snapshot's searcher is weighted by it: Whoosh scores phrases, ``*`` and
    ``--any`` over fuzzy words with it, and :class:`_Scorer` with the same statistics.
    """

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        """Robertson idf from the top-level searcher's statistics."""
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        return math.log(1 + (total - n + 0.5) / (n + 0.5))


def _plus(a: dict[int, float], b: dict[int, float], *, union: bool) -> dict[int, float]:
    """Add two score maps: over the union of their documents, or their intersection."""
    if len(a) < len(b):
        a, b = b, a  # addition is commutative in floating point too
    both = a.keys() & b.keys()
    found = {**b, **a} if union else {}
    for docnum in both:
        found[docnum] = a[docnum] + b[docnum]
    return found


class _Scorer:
    def __init__(self, snapshot: Snapshot, should_stop: Callable[[], bool] | None, arrays: bool) -> None:
        self.snapshot = snapshot
        self.should_stop = should_stop
        self.arrays = arrays  # read terms through the arrays' cache (NumPy loaded), else decode here

    def scores(self, query: wq.Query) -> dict[int, float]:
        if isinstance(query, wq.Term):
            found = self.term(query.fieldname, query.text)
        elif isinstance(query, wq.Or) and not query.scale and query.minmatch in (0, None):
            found = self.union(query.subqueries)
        elif isinstance(query, wq.Or) and query.minmatch in (0, None) and len(query.subqueries) > 1:
            found = self.coordinated(query.subqueries, query.scale)
        elif isinstance(query, wq.And):
            found = self.conjunction(query.subqueries)
        elif isinstance(query, wq.Phrase):
            try:
                found = phrase_scores(self.snapshot, query, self.term)
            except PhraseUnsupported as exc:
                raise _Unsupported(str(exc)) from None
        else:
            raise _Unsupported(type(query).__name__)
        boost = getattr(query, "boost", 1.0)
        if boost != 1.0:
            found = {d: s * boost for d, s in found.items()}
        return found

    def union(self, subqueries: list[wq.Query]) -> dict[int, float]:
        """Sum the subqueries' scores in one map (merging copies made wide ORs quadratic)."""
        found: dict[int, float] = {}
        owned = False  # term maps are cached: copy before adding into one
        for sub in subqueries:
            scores = self.scores(sub)
            if not found:
                found = scores
            elif not owned and len(scores) > len(found):
                found, owned = _plus(found, scores, union=True), True
            else:
                if not owned:
                    found, owned = dict(found), True
                for docnum, score in scores.items():
                    have = found.get(docnum)
                    found[docnum] = score if have is None else have + score
        return found

    def coordinated(self, subqueries: list[wq.Query], scale: float) -> dict[int, float]:
        """An OR with Whoosh's coordination bonus (``--any``): its ``CoordMatcher`` formula.

        Whoosh counts, per segment, the term matchers of the tree (terms that
        segment holds) and, per document, those that match it.
        """
        leaves: list[tuple[str, str, float]] = []
        for sub in subqueries:
            _leaf_terms(sub, 1.0, leaves)
        starts = self.snapshot.segment_starts()
        termcount = [0] * len(starts)
        score: dict[int, float] = {}
        matching: dict[int, int] = {}
        for fieldname, text, boost in leaves:
            for i, held in enumerate(self.snapshot.segments_holding(fieldname, text)):
                termcount[i] += held
            for docnum, value in self.term(fieldname, text).items():
                score[docnum] = score.get(docnum, 0.0) + (value * boost if boost != 1.0 else value)
                matching[docnum] = matching.get(docnum, 0) + 1
        found: dict[int, float] = {}
        for docnum, value in score.items():
            count = termcount[bisect.bisect_right(starts, docnum) - 1]
            if count in (0, scale):
                found[docnum] = 0.0
            else:
                found[docnum] = (value + (matching[docnum] - 1) / (count - scale) ** 2) * (
                    (count - 1) / count
                )
        return found

    def conjunction(self, subqueries: list[wq.Query]) -> dict[int, float]:
        positive = [q for q in subqueries if not isinstance(q, wq.Not)]
        if not positive:
            raise _Unsupported("only negative clauses")
        found = self.scores(positive[0])
        for q in positive[1:]:
            found = _plus(found, self.scores(q), union=False) if found else found
        for q in subqueries:
            if isinstance(q, wq.Not) and found:
                excluded = self.snapshot.docset(q.query)
                # Whoosh scores a NOT clause as 1.0 for every document it lets through.
                found = {d: s + 1.0 for d, s in found.items() if d not in excluded}
        return found

    def term(self, fieldname: str, text: str) -> dict[int, float]:
        if self.should_stop is not None and self.should_stop():
            raise SearchCancelled()
        if self.arrays:
            from .array_scoring import Unsupported, term_scores

            try:
                docs, scores = term_scores(self.snapshot, fieldname, text)
            except Unsupported as exc:
                raise _Unsupported(str(exc)) from None
            return dict(zip(docs.tolist(), scores.tolist(), strict=True))
        try:
            postings = self.snapshot.term_postings(fieldname, text)
        except Unreadable as exc:
            raise _Unsupported(str(exc)) from None
        found: dict[int, float] = {}
        idf, k1p1, norms = postings.idf, postings.k1 + 1, self.snapshot.field_norms(fieldname)
        for segment in postings.segments:
            found.update(_scored(segment.blocks(), segment.offset, segment.deleted, idf, k1p1, norms))
        return found


def _leaf_terms(query: wq.Query, boost: float, into: list[tuple[str, str, float]]) -> None:
    """The terms (with their boosts) of a tree of plain ORs, or ``_Unsupported``."""
    if isinstance(query, wq.Term):
        into.append((query.fieldname, query.text, boost * query.boost))
    elif isinstance(query, wq.Or) and not query.scale and query.minmatch in (0, None):
        for sub in query.subqueries:
            _leaf_terms(sub, boost * query.boost, into)
    else:
        raise _Unsupported(type(query).__name__)


def array_count(
    snapshot: Snapshot,
    query: wq.Query,
    allowed: AbstractSet[int] | None,
    should_stop: Callable[[], bool] | None = None,
    stories: Stories | None = None,
) -> int | None:
    """The exact number of matches (or stories) from the score arrays, or ``None``.

    ``None`` when the query is not scored in arrays here (too small for NumPy to pay, not a
    shape the array scorer reads) or its count would only be a lower bound (a phrase with
    more candidates than are all checked): the caller counts Whoosh's matches instead.
    """
    if not _in_arrays(snapshot, query):
        return None
    from .array_scoring import array_top

    scored = array_top(snapshot, query, allowed, 0, should_stop, stories)
    return scored[0] if scored is not None and scored[2] else None


def top_scored(
    snapshot: Snapshot,
    query: wq.Query,
    allowed: AbstractSet[int] | None,
    k: int,
    should_stop: Callable[[], bool] | None = None,
    stories: Stories | None = None,
) -> tuple[int, list[tuple[int, float]]] | None:
    """The best ``k`` matches and their total, or ``None`` if Whoosh must score this query.

    Returns:
        The number of matches (of stories, with ``stories``; an :class:`AtLeast`
        when it is only a lower bound) and the top ``(docnum, score)`` pairs, best
        first; equal scores in docnum order, as Whoosh's collector orders them.
    """
    arrays = _in_arrays(snapshot, query)
    if arrays and k > 0:
        from .array_scoring import array_top

        scored = array_top(snapshot, query, allowed, k, should_stop, stories)
        if scored is not None:
            total, best, exact = scored
            return (total if exact else AtLeast(total)), best
    try:
        found = _Scorer(snapshot, should_stop, arrays).scores(query)
    except _Unsupported:
        return None
    if allowed is not None:
        found = {d: s for d, s in found.items() if d in allowed}
    best = best_of(found, k)
    return (len(found) if stories is None else stories.count(found.keys())), best


def _in_arrays(snapshot: Snapshot, query: wq.Query) -> bool:
    """Whether to score the query in arrays: NumPy is loaded, or the query is big enough to load it."""
    return ARRAYS and ("numpy" in sys.modules or _postings(snapshot, query) >= ARRAYS_FROM)


def _postings(snapshot: Snapshot, query: wq.Query) -> float:
    """How many postings scoring the query reads (its terms' and phrase words' document counts).

    A phrase adds its candidates' positions (:func:`~searchidx.cost.phrase_postings`): from
    Whoosh's blocks each costs what scoring several postings does, from the arrays file little.
    """
    if isinstance(query, wq.Term):
        return snapshot.field_frequency(query.fieldname, str(query.text))
    if isinstance(query, wq.Phrase):
        return phrase_postings([snapshot.field_frequency(query.fieldname, str(w)) for w in query.words])
    if isinstance(query, (wq.And, wq.Or)):
        return sum(_postings(snapshot, q) for q in query.subqueries)
    return 0


def best_of(found: dict[int, float], k: int) -> list[tuple[int, float]]:
    """The ``k`` best ``(docnum, score)`` of a score map: highest first, equal scores in docnum order.

    The k-th best score is found among the bare floats (C speed), then only the items
    scoring at least that much are sorted: no key function called per match.
    """
    if k <= 0 or not found:
        return []
    if len(found) > k:
        least = heapq.nlargest(k, found.values())[-1]
        found = {d: s for d, s in found.items() if s >= least}
    return sorted(found.items(), key=lambda item: (-item[1], item[0]))[:k]
