"""Term/AND/OR/NOT queries scored whole in NumPy arrays: every posting, at C speed.

The exhaustive scorer of :mod:`.ranking` adds each posting's score into a
dictionary (about 0.7 us a posting in Python), and the pruned paths of
:mod:`.pruning` score document by document: a common word's postings cost
in proportion to their number either way (``company`` on 304,688 Reuters
articles: ~100,000 postings, ~100 ms). Here a term's postings are decoded a
segment at a time into a docnum array and a weight array
(:func:`~searchidx.snapshot.segment_arrays`), scored by the same
BM25F formula element by element, and combined through dense accumulators as
long as the docnum space: an OR adds its clauses in order, an AND adds them in
order and keeps the documents every clause holds. Each addition happens in the
order the exhaustive scorer makes it, so the scores are bit for bit its own,
and so are the ranking (highest first, equal scores in docnum order) and the
exact total.

Only these nodes are scored here; anything else (phrases, fuzzy terms, ``--any``'s
coordination) returns ``None`` and goes to the other paths.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from whoosh import query as wq

from .errors import SearchCancelled
from .snapshot import Docnums, TermScores, Unreadable, segment_arrays

if TYPE_CHECKING:
    from .snapshot import Snapshot
    from .stories import Stories

__all__ = ["Unsupported", "array_top", "best_in", "term_scores"]

Scores = npt.NDArray[np.float64]


class Unsupported(Exception):
    """The query holds a node scored elsewhere (or a term whose postings are not read in bulk)."""


def array_top(
    snapshot: Snapshot,
    query: wq.Query,
    allowed: set[int] | None,
    k: int,
    should_stop: Callable[[], bool] | None = None,
    stories: Stories | None = None,
) -> tuple[int, list[tuple[int, float]]] | None:
    """The exact number of matches (or stories) and the best ``k``, or ``None`` if not scored here.

    Args:
        snapshot: The index as of one commit.
        query: Terms, ORs (no coordination), ANDs and NOTs.
        allowed: The docnums a hit must be in (None: any).
        k: How many to keep.
        should_stop: Polled before each term; True raises :class:`SearchCancelled`.
        stories: Count the matches' stories, not the matches.

    Returns:
        The total and the top ``(docnum, score)`` pairs, best first, equal scores in
        docnum order (as :func:`searchidx.ranking.best_of` ranks them).
    """
    scorer = _ArrayScorer(snapshot, should_stop)
    try:
        docs, scores = scorer.scores(query)
    except Unsupported:
        return None
    if allowed is not None and len(docs):
        kept = np.isin(docs, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
        docs, scores = docs[kept], scores[kept]
    total = len(docs) if stories is None else stories.count_array(docs)
    return total, best_in(docs, scores, k)


def best_in(docs: Docnums, scores: Scores, k: int) -> list[tuple[int, float]]:
    """The ``k`` best ``(docnum, score)``: highest first, equal scores in docnum order."""
    if k <= 0 or not len(docs):
        return []
    if len(docs) > k:
        least = np.partition(scores, len(scores) - k)[len(scores) - k]  # the k-th highest
        kept = scores >= least
        docs, scores = docs[kept], scores[kept]
    order = np.lexsort((docs, -scores))[:k]
    return list(zip(docs[order].tolist(), scores[order].tolist(), strict=True))


class _ArrayScorer:
    def __init__(self, snapshot: Snapshot, should_stop: Callable[[], bool] | None) -> None:
        self.snapshot = snapshot
        self.should_stop = should_stop
        self.size = snapshot.doc_count_all()

    def scores(self, query: wq.Query) -> TermScores:
        if isinstance(query, wq.Term):
            docs, scores = self.term(query.fieldname, query.text)
        elif isinstance(query, wq.Or) and not query.scale and query.minmatch in (0, None):
            docs, scores = self.combine([self.scores(q) for q in query.subqueries], every=False)
        elif isinstance(query, wq.And):
            docs, scores = self.conjunction(query.subqueries)
        else:
            raise Unsupported(type(query).__name__)
        boost = getattr(query, "boost", 1.0)
        return (docs, scores * boost) if boost != 1.0 else (docs, scores)

    def combine(self, parts: list[TermScores], *, every: bool) -> TermScores:
        """Add the parts' scores in their order: over the union, or (``every``) the intersection."""
        if len(parts) == 1:
            return parts[0]
        total = np.zeros(self.size, dtype=np.float64)
        held = np.zeros(self.size, dtype=np.int32)
        for docs, scores in parts:  # docnums are distinct within a part: no index repeats
            total[docs] += scores
            held[docs] += 1
        found = np.flatnonzero(held == len(parts)) if every else np.flatnonzero(held)
        return found.astype(np.int64, copy=False), total[found]

    def conjunction(self, subqueries: list[wq.Query]) -> TermScores:
        positive = [q for q in subqueries if not isinstance(q, wq.Not)]
        if not positive:
            raise Unsupported("only negative clauses")
        docs, scores = self.combine([self.scores(q) for q in positive], every=True)
        for q in subqueries:
            if isinstance(q, wq.Not) and len(docs):
                excluded = self.snapshot.docset(q.query)
                if excluded:
                    kept = ~np.isin(docs, np.fromiter(excluded, dtype=np.int64, count=len(excluded)))
                    docs, scores = docs[kept], scores[kept]
                # Whoosh scores a NOT clause as 1.0 for every document it lets through.
                scores = scores + 1.0
        return docs, scores

    def term(self, fieldname: str, text: str) -> TermScores:
        if self.should_stop is not None and self.should_stop():
            raise SearchCancelled()
        return term_scores(self.snapshot, fieldname, text)


def term_scores(snapshot: Snapshot, fieldname: str, text: str) -> TermScores:
    """A term's live docnums and BM25 scores, from the snapshot's term-score cache or its postings.

    Raises:
        Unsupported: The term's postings cannot be read in bulk (Whoosh scores it).
    """
    return snapshot.term_scores(fieldname, text, lambda: _read_term(snapshot, fieldname, text))


def _read_term(snapshot: Snapshot, fieldname: str, text: str) -> TermScores:
    try:
        postings = snapshot.term_postings(fieldname, text)
    except Unreadable as exc:
        raise Unsupported(str(exc)) from None
    if not postings.segments:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    norms = snapshot.norm_array(fieldname)
    parts = []
    for segment in postings.segments:
        ids, weights = segment_arrays(segment)
        if segment.deleted:
            dead = np.fromiter(segment.deleted, dtype=np.int64, count=len(segment.deleted))
            kept = ~np.isin(ids, dead)
            ids, weights = ids[kept], weights[kept]
        docs = ids + segment.offset
        # Whoosh's bm25() with the norm precomputed, operation for operation.
        parts.append((docs, postings.idf * ((weights * (postings.k1 + 1)) / (weights + norms[docs]))))
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([d for d, _ in parts]), np.concatenate([s for _, s in parts])
