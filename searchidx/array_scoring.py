"""Terms, ORs, ANDs, NOTs and phrases scored whole in NumPy arrays: every posting, at C speed.

The dictionary scorer of :mod:`.ranking` adds each posting's score into a
dictionary (about 0.7 us a posting in Python): a common word's postings cost in
proportion to their number (``company`` on 304,688 Reuters articles: ~100,000
postings, ~100 ms). Here a term's postings come as a docnum array and a weight
array (:func:`~searchidx.snapshot.segment_arrays`: from the segment's arrays
file, or its blocks decoded), are scored by the same BM25F formula element by
element, and combined through dense accumulators as long as the docnum space:
an OR adds its clauses in order, an AND adds them in order and keeps the
documents every clause holds. Each addition happens in the order the dictionary
scorer makes it, so the scores are bit for bit its own, and so are the ranking
(highest first, equal scores in docnum order) and the total.

A phrase (slop 1) scores the sum of its words' scores where they stand
together, so the documents holding all its words, with that sum, bound it from
above; reading positions is what costs (every block of every word unpickled).
Trees with phrases are therefore ranked from those bounds: candidates are
checked best bound first, a batch at a time, each against its exact score
(:meth:`_ArrayScorer.at`, positions read for the batch only), until the k-th
best exact score passes the next bound. The top ``k`` is then exact; the total
is exact when every candidate was checked (at most :data:`CHECK_ALL` of them, or
the bounds never settled), else a lower bound.

Anything else (fuzzy terms, ``--any``'s coordination) returns ``None`` and goes
to the other paths.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from whoosh import query as wq

from .cost import words_only
from .errors import SearchCancelled
from .phrases import PositionReader, adjacent, tree_sum
from .snapshot import DatedDocs, Docnums, TermScores, Unreadable, segment_arrays

if TYPE_CHECKING:
    from .snapshot import Snapshot
    from .stories import Stories

__all__ = ["CHECK_ALL", "Unsupported", "array_top", "best_in", "term_scores"]

Scores = npt.NDArray[np.float64]
Present = npt.NDArray[np.bool_]

#: With phrases, up to this many candidates are all checked (an exact total, cheaply). With the
#: positions in the arrays file, 1,024 gave exact totals to 5 of 7 common phrases at 19,043
#: Reuters articles where 256 gave none, for 8% more CPU (the same at 304,688: 4,096 cost 45% more).
CHECK_ALL = 1024


class Unsupported(Exception):
    """The query holds a node scored elsewhere (or a term whose postings are not read in bulk)."""


def array_top(
    snapshot: Snapshot,
    query: wq.Query,
    allowed: AbstractSet[int] | None,
    k: int,
    should_stop: Callable[[], bool] | None = None,
    stories: Stories | None = None,
) -> tuple[int, list[tuple[int, float]], bool] | None:
    """The number of matches (or stories) and the best ``k``, or ``None`` if not scored here.

    Args:
        snapshot: The index as of one commit.
        query: Terms, phrases, ORs (no coordination), ANDs and NOTs.
        allowed: The docnums a hit must be in (None: any).
        k: How many to keep.
        should_stop: Polled before each term and each batch of phrase candidates; True raises
            :class:`SearchCancelled`.
        stories: Count the matches' stories, not the matches.

    Returns:
        The total, the top ``(docnum, score)`` pairs, best first, equal scores in docnum
        order (as :func:`searchidx.ranking.best_of` ranks them), and whether the total is
        exact (False: only a lower bound).
    """
    scorer = _ArrayScorer(snapshot, should_stop)
    try:
        docs, scores = scorer.scores(query)
    except Unsupported:
        return None
    if allowed is not None and len(docs):
        if isinstance(allowed, DatedDocs):  # a date window's docnums, as machine integers
            wanted = np.frombuffer(allowed.source, dtype=np.int64)
        else:
            wanted = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
        kept = np.isin(docs, wanted)
        docs, scores = docs[kept], scores[kept]
    complete = True
    if scorer.phrases:
        docs, scores, complete = _checked(scorer, query, docs, scores, k)
    total = len(docs) if stories is None else stories.count_array(docs)
    return total, best_in(docs, scores, k), complete


def _checked(
    scorer: _ArrayScorer, query: wq.Query, docs: Docnums, bounds: Scores, k: int
) -> tuple[Docnums, Scores, bool]:
    """The candidates that match, with their exact scores, checked best bound first.

    Returns:
        The matches checked and their scores, and whether every candidate was checked.
    """
    order = np.lexsort((docs, -bounds))
    found_docs: list[Docnums] = []
    found_scores: list[Scores] = []
    checked, batch = 0, max(CHECK_ALL, k + k // 8)
    while checked < len(order):
        if scorer.should_stop is not None and scorer.should_stop():
            raise SearchCancelled()
        chosen = np.sort(docs[order[checked : checked + batch]])
        checked += len(chosen)
        present, exact = scorer.at(query, chosen)
        found_docs.append(chosen[present])
        found_scores.append(exact[present])
        matched = sum(len(d) for d in found_docs)
        # Done when no unchecked candidate's bound reaches the k-th best exact score.
        if matched >= k > 0 and checked < len(order):
            kth = _kth_highest(np.concatenate(found_scores), k)
            if bounds[order[checked]] < kth:
                break
        batch *= 2
    found = np.concatenate(found_docs) if found_docs else np.empty(0, dtype=np.int64)
    values = np.concatenate(found_scores) if found_scores else np.empty(0, dtype=np.float64)
    ordered = np.argsort(found, kind="stable")
    return found[ordered], values[ordered], checked >= len(order)


def best_in(docs: Docnums, scores: Scores, k: int) -> list[tuple[int, float]]:
    """The ``k`` best ``(docnum, score)``: highest first, equal scores in docnum order."""
    if k <= 0 or not len(docs):
        return []
    if len(docs) > k:
        kept = scores >= _kth_highest(scores, k)
        docs, scores = docs[kept], scores[kept]
    order = np.lexsort((docs, -scores))[:k]
    return list(zip(docs[order].tolist(), scores[order].tolist(), strict=True))


def _kth_highest(values: Scores, k: int) -> float:
    """The k-th highest of ``values`` (at least ``k`` of them)."""
    return float(np.partition(values, len(values) - k)[len(values) - k])


class _ArrayScorer:
    def __init__(self, snapshot: Snapshot, should_stop: Callable[[], bool] | None) -> None:
        self.snapshot = snapshot
        self.should_stop = should_stop
        self.size = snapshot.doc_count_all()
        self.terms: dict[tuple[str, str], TermScores] = {}  # the query's, kept while it is ranked
        self.phrases: dict[int, TermScores] = {}  # each phrase node's candidates and their scores
        self.excluded: dict[int, Docnums] = {}  # each NOT node's documents, sorted
        self.positions = PositionReader(snapshot)  # decoded blocks kept across batches

    def scores(self, query: wq.Query) -> TermScores:
        if isinstance(query, wq.Term):
            docs, scores = self.term(query.fieldname, query.text)
        elif isinstance(query, wq.Or) and not query.scale and query.minmatch in (0, None):
            docs, scores = self.combine([self.scores(q) for q in query.subqueries], every=False)
        elif isinstance(query, wq.And):
            docs, scores = self.conjunction(query.subqueries)
        elif isinstance(query, wq.Phrase):
            docs, scores = self.phrase(query)
        else:
            raise Unsupported(type(query).__name__)
        boost = getattr(query, "boost", 1.0)
        if boost < 0:
            raise Unsupported("a negative boost: bounds would not hold")
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
                excluded = self.excluding(q)
                if len(excluded):
                    kept = ~np.isin(docs, excluded)
                    docs, scores = docs[kept], scores[kept]
                # Whoosh scores a NOT clause as 1.0 for every document it lets through.
                scores = scores + 1.0
        return docs, scores

    def excluding(self, query: wq.Not) -> Docnums:
        """The documents a NOT clause excludes, sorted: a word's (or words') from their arrays."""
        if id(query) not in self.excluded:
            inner = query.query
            if words_only(inner):  # "-oil" is Or(title:oil, body:oil): the union of the words' documents
                self.excluded[id(query)] = self.scores(inner)[0]
            else:  # a phrase's candidates are not its documents: Whoosh's matchers say which
                docs = self.snapshot.docset(inner)
                self.excluded[id(query)] = np.sort(np.fromiter(docs, dtype=np.int64, count=len(docs)))
        return self.excluded[id(query)]

    def term(self, fieldname: str, text: str) -> TermScores:
        if (fieldname, text) not in self.terms:
            if self.should_stop is not None and self.should_stop():
                raise SearchCancelled()
            self.terms[fieldname, text] = term_scores(self.snapshot, fieldname, text)
        return self.terms[fieldname, text]

    def phrase(self, query: wq.Phrase) -> TermScores:
        """The documents holding every word (the candidates) and the words' scores summed: a bound."""
        fieldname, words = query.fieldname, list(query.words)
        if query.slop != 1 or not self.snapshot.has_characters(fieldname):
            raise Unsupported(f"phrase over {fieldname} with slop {query.slop}")
        found: TermScores = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))
        if words:
            parts = [self.term(fieldname, word) for word in words]
            docs = parts[0][0]
            for other, _scores in parts[1:]:
                docs = np.intersect1d(docs, other, assume_unique=True)
            # Whoosh adds the words' scores as its binary tree of intersection matchers does.
            found = docs, tree_sum([s[np.searchsorted(d, docs)] for d, s in parts])
        self.phrases[id(query)] = found
        return found

    def at(self, query: wq.Query, docs: Docnums) -> tuple[Present, Scores]:
        """Which of ``docs`` (sorted) the query matches, and their exact scores.

        The bound pass's additions, in its order, with each phrase's positions checked.
        """
        if isinstance(query, wq.Term):
            present, scores = _lookup(self.term(query.fieldname, query.text), docs)
        elif isinstance(query, wq.Phrase):
            present, scores = _lookup(self.phrases[id(query)], docs)
            if present.any():
                present[present] = self._adjacent(query, docs[present])
        elif isinstance(query, wq.Or):
            present, scores = self._added([self.at(q, docs) for q in query.subqueries], every=False)
        else:  # an AND (the bound pass scored nothing else)
            positive = [q for q in query.subqueries if not isinstance(q, wq.Not)]
            present, scores = self._added([self.at(q, docs) for q in positive], every=True)
            for q in query.subqueries:
                if isinstance(q, wq.Not):
                    present &= ~np.isin(docs, self.excluding(q))
                    scores = scores + 1.0
        boost = getattr(query, "boost", 1.0)
        return present, (scores * boost if boost != 1.0 else scores)

    def _added(self, parts: list[tuple[Present, Scores]], *, every: bool) -> tuple[Present, Scores]:
        if len(parts) == 1:
            return parts[0]
        total = np.zeros(len(parts[0][0]), dtype=np.float64)
        held = np.zeros(len(parts[0][0]), dtype=np.int32)
        for present, scores in parts:
            total[present] += scores[present]
            held += present
        return (held == len(parts)) if every else (held > 0), total

    def _adjacent(self, query: wq.Phrase, docs: Docnums) -> Present:
        """Whether the phrase's words stand together in each of ``docs`` (each holds every word)."""
        words = list(query.words)
        if len(words) < 2:
            return np.ones(len(docs), dtype=np.bool_)
        wanted = docs.tolist()
        at = [self.positions.positions(query.fieldname, word, wanted) for word in words]
        return np.array([adjacent([found[d] for found in at]) for d in wanted], dtype=np.bool_)


def _lookup(scored: TermScores, docs: Docnums) -> tuple[Present, Scores]:
    """Which of ``docs`` a scored set holds, and their scores there (0.0 where not)."""
    held, scores = scored
    if not len(held):
        return np.zeros(len(docs), dtype=np.bool_), np.zeros(len(docs), dtype=np.float64)
    at = np.minimum(np.searchsorted(held, docs), len(held) - 1)
    present = held[at] == docs
    return present, np.where(present, scores[at], 0.0)


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
