"""Term-at-a-time BM25F for queries made of terms, ORs, ANDs and NOTs.

Whoosh scores document-at-a-time through a tree of Python matcher objects: a
few method calls per posting per tree node, which made a two-word query with a
prefix cost 50-100 ms on 19k articles. Here each posting block is read once
(its docnum and weight arrays, :mod:`.postings`), every posting is scored with the same BM25F
formula and the same statistics as :class:`searchidx.search.RobertsonBM25F`,
and the per-term scores are summed in dictionaries. Totals are exact; scores
equal Whoosh's up to the order of the additions (last-bit differences).

Queries with anything else (phrases, fuzzy terms, ``Every``, coordination
scaling) return ``None`` and Whoosh scores them. Filtered term/AND/OR queries
whose terms are not all in the term cache go to the block-max path
(:mod:`.pruning`), which ranks the same top ``k`` reading only the blocks
that can reach it and may return only a lower bound of the total
(:class:`AtLeast`).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from whoosh import query as wq

from .errors import SearchCancelled
from .postings import blocks, field_lengths, leaf_matcher
from .pruning import Unprunable, pruned_top

if TYPE_CHECKING:
    from .cache import SearchCache

__all__ = ["PRUNING", "AtLeast", "FieldNorms", "top_scored"]

#: Rank term/AND/OR queries by block-max pruning (:mod:`.pruning`) when their terms are not cached.
PRUNING = True


class AtLeast(int):
    """A total that is only a lower bound: pruning skipped documents it never counted."""

    __slots__ = ()


class _Unsupported(Exception):
    """The query holds a node this path does not score."""


class FieldNorms:
    """Per-document BM25 length normalisation, ``K1 * ((1 - B) + B * length / avglength)``.

    Built once per searcher and field, from the same one-byte lengths Whoosh
    scores with, indexed by global docnum.
    """

    def __init__(self, searcher: Any, fieldname: str) -> None:
        weighting = searcher.weighting
        k1, b = weighting.K1, weighting._field_B.get(fieldname, weighting.B)
        avgfl = searcher.avg_field_length(fieldname) or 1
        self.norms: list[float] = []
        for reader, offset in searcher.reader().leaf_readers():
            assert offset == len(self.norms)  # segments are numbered back to back
            self.norms.extend(k1 * ((1 - b) + b * fl / avgfl) for fl in field_lengths(reader, fieldname))


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
    def __init__(self, cache: SearchCache, should_stop: Callable[[], bool] | None) -> None:
        self.cache = cache
        self.searcher = cache.searcher
        self.should_stop = should_stop

    def scores(self, query: Any) -> dict[int, float]:
        if isinstance(query, wq.Term):
            found = self.term(query.fieldname, query.text)
        elif isinstance(query, wq.Or) and not query.scale and query.minmatch in (0, None):
            found = self.union(query.subqueries)
        elif isinstance(query, wq.Or) and query.minmatch in (0, None) and len(query.subqueries) > 1:
            found = self.coordinated(query.subqueries, query.scale)
        elif isinstance(query, wq.And):
            found = self.conjunction(query.subqueries)
        else:
            raise _Unsupported(type(query).__name__)
        boost = getattr(query, "boost", 1.0)
        if boost != 1.0:
            found = {d: s * boost for d, s in found.items()}
        return found

    def union(self, subqueries: list[Any]) -> dict[int, float]:
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

    def coordinated(self, subqueries: list[Any], scale: float) -> dict[int, float]:
        """An OR with Whoosh's coordination bonus (``--any``): its ``CoordMatcher`` formula.

        Whoosh counts, per segment, the term matchers of the tree (terms that
        segment holds) and, per document, those that match it.
        """
        leaves: list[tuple[str, str, float]] = []
        for sub in subqueries:
            _leaf_terms(sub, 1.0, leaves)
        reader = self.searcher.reader()
        segments = list(reader.leaf_readers())
        starts = [offset for _leaf, offset in segments]
        termcount = [0] * len(segments)
        score: dict[int, float] = {}
        matching: dict[int, int] = {}
        for fieldname, text, boost in leaves:
            btext = self.searcher.schema[fieldname].to_bytes(text)
            for i, (leaf, _offset) in enumerate(segments):
                termcount[i] += (fieldname, btext) in leaf
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

    def conjunction(self, subqueries: list[Any]) -> dict[int, float]:
        positive = [q for q in subqueries if not isinstance(q, wq.Not)]
        if not positive:
            raise _Unsupported("only negative clauses")
        found = self.scores(positive[0])
        for q in positive[1:]:
            found = _plus(found, self.scores(q), union=False) if found else found
        for q in subqueries:
            if isinstance(q, wq.Not) and found:
                excluded = self.cache.docset(q.query)
                # Whoosh scores a NOT clause as 1.0 for every document it lets through.
                found = {d: s + 1.0 for d, s in found.items() if d not in excluded}
        return found

    def term(self, fieldname: str, text: str) -> dict[int, float]:
        if self.should_stop is not None and self.should_stop():
            raise SearchCancelled()
        return self.cache.term_scores(fieldname, text, lambda: self._read_term(fieldname, text))

    def _read_term(self, fieldname: str, text: str) -> dict[int, float]:
        searcher = self.searcher
        reader = searcher.reader()
        field = searcher.schema[fieldname]
        if not field.scorable:
            raise _Unsupported(f"{fieldname} has no lengths (Whoosh scores it by weight)")
        btext = field.to_bytes(text)
        found: dict[int, float] = {}
        if (fieldname, btext) not in reader:
            return found
        norms = self.cache.field_norms(fieldname).norms
        idf = searcher.idf(fieldname, btext)
        k1p1 = searcher.weighting.K1 + 1
        for leaf, offset in reader.leaf_readers():
            if (fieldname, btext) not in leaf:
                continue
            opened = leaf_matcher(leaf, fieldname, btext)
            if opened is None:
                raise _Unsupported("postings not in Whoosh's W3 block format")
            matcher, deleted = opened
            found.update(_scored(blocks(matcher), offset, deleted, idf, k1p1, norms))
        return found


def _leaf_terms(query: Any, boost: float, into: list[tuple[str, str, float]]) -> None:
    """The terms (with their boosts) of a tree of plain ORs, or ``_Unsupported``."""
    if isinstance(query, wq.Term):
        into.append((query.fieldname, query.text, boost * query.boost))
    elif isinstance(query, wq.Or) and not query.scale and query.minmatch in (0, None):
        for sub in query.subqueries:
            _leaf_terms(sub, boost * query.boost, into)
    else:
        raise _Unsupported(type(query).__name__)


def top_scored(
    cache: SearchCache,
    query: Any,
    allowed: set[int] | None,
    k: int,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[int, list[tuple[int, float]]] | None:
    """Score every match and keep the best ``k``, or ``None`` if Whoosh must score this query.

    Returns:
        The number of matches (an :class:`AtLeast` when it is only a lower bound)
        and the top ``(docnum, score)`` pairs, best first; equal scores in docnum
        order, as Whoosh's collector orders them.
    """
    if PRUNING and allowed is not None and k > 0 and not _all_cached(cache, query):
        # Measured on Reuters: Whoosh's block headers bound every block near idf * (K1 + 1),
        # so without a filter nearly every block is decoded anyway and whole maps are faster;
        # with one (dates, entities) the pieces it empties are never read. Cached terms score
        # faster as whole maps, with an exact total.
        try:
            counted, partial, best = pruned_top(cache, query, allowed, k, should_stop)
        except Unprunable:
            pass
        else:
            return (AtLeast(counted) if partial else counted), best
    try:
        found = _Scorer(cache, should_stop).scores(query)
    except _Unsupported:
        return None
    if allowed is not None:
        found = {d: s for d, s in found.items() if d in allowed}
    best = heapq.nsmallest(k, found.items(), key=lambda item: (-item[1], item[0]))
    return len(found), best


def _all_cached(cache: SearchCache, query: Any) -> bool:
    """Whether every term the query scores is in the searcher's term-score cache."""
    if isinstance(query, wq.Term):
        return (query.fieldname, query.text) in cache._term_scores
    if isinstance(query, wq.Not):
        return True  # NOT clauses only exclude (a docset), they are never scored
    if isinstance(query, (wq.Or, wq.And)):
        return all(_all_cached(cache, q) for q in query.subqueries)
    return False
