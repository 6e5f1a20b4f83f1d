"""Block-max top-k for term/AND/OR queries: score only the posting blocks that can reach the top.

Decoding a posting block (unpickling its ids, weights and positions) is most
of a search's CPU, and every block of every query term was decoded to rank
ten hits. Whoosh's block headers, read without the block, hold the block's
last docnum, its largest weight and its shortest field length: enough for an
upper bound on the BM25 score of any posting in it (Ding & Suel 2011,
*Faster top-k document retrieval using block-max indexes*). The docnum space
is cut wherever some term's block starts or ends; each piece gets the bound
of the query tree over the blocks covering it (a sum for OR, nothing for an
AND missing a clause there). Pieces are scored in falling order of bound,
decoding a block the first time a piece needs it, until the next piece's
bound is below the k-th best score found.

Scores are computed per document by the tree, adding in the order the
exhaustive scorer (:mod:`.ranking`) adds, so they are bit for bit its scores.
The total counts the matches in the pieces scored: exact when none was
skipped, else a lower bound.

Block headers and blocks come from the :class:`~searchidx.snapshot.Snapshot`
(:class:`~searchidx.snapshot.SegmentPostings`); nothing here reads Whoosh.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Protocol

from whoosh import query as wq

from .errors import SearchCancelled
from .snapshot import Unreadable

if TYPE_CHECKING:
    from .snapshot import BlockHeader, SegmentPostings, Snapshot

__all__ = ["Unprunable", "matched_top", "pruned_top"]

#: Block bounds are raised by this share: rounding must never put a true score above its bound.
_MARGIN = 1e-9


class Unprunable(Exception):
    """The query holds a node this path does not handle (the exhaustive scorer does)."""


@dataclass(slots=True)
class _Block:
    """One posting block of one term: its global docnum range, score bound, and where to read it."""

    lo: int
    hi: int  # inclusive
    bound: float
    segment: SegmentPostings
    header: BlockHeader
    ids: Sequence[int] | None = None  # the segment's docnums (deleted ones too), once decoded
    weights: Sequence[float] | None = None


class _Covering(Protocol):
    """Each leaf's block over a piece of the docnum space (a list), or at one docnum (:class:`_At`)."""

    def __getitem__(self, leaf: int, /) -> _Block | None: ...


@dataclass(slots=True)
class _Leaf:
    """A term of the query: its blocks in docnum order and what its scores are made of."""

    idf: float
    k1p1: float
    norms: list[float]
    count: int  # postings, deleted ones too
    cached: dict[int, float] | None = None  # the term's scores if the term-score cache holds them
    blocks: list[_Block] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)  # each block's hi, to find a docnum's block

    def block_at(self, docnum: int) -> _Block | None:
        """The block whose docnum range holds ``docnum`` (``None``: none does)."""
        at = bisect.bisect_left(self.ends, docnum)
        if at < len(self.blocks) and self.blocks[at].lo <= docnum:
            return self.blocks[at]
        return None


@dataclass(slots=True)
class _Node:
    """A query tree node: ``term`` (leaf index), ``or`` or ``and`` (with excluded sets)."""

    kind: str
    boost: float
    leaf: int = -1
    children: list[_Node] = field(default_factory=list)
    excluded: list[set[int]] = field(default_factory=list)


class _Tree:
    """The query compiled to leaves with block headers, ready to bound and score pieces."""

    def __init__(self, snapshot: Snapshot, query: wq.Query) -> None:
        self.snapshot = snapshot
        self.leaves: list[_Leaf] = []
        self.root = self._compile(query)

    def _compile(self, query: wq.Query) -> _Node:
        boost = float(getattr(query, "boost", 1.0))
        if boost <= 0:
            raise Unprunable("a boost of zero or less breaks the bounds")
        if isinstance(query, wq.Term):
            self.leaves.append(self._leaf(query.fieldname, query.text))
            return _Node("term", boost, leaf=len(self.leaves) - 1)
        if isinstance(query, wq.Or) and not query.scale and query.minmatch in (0, None):
            return _Node("or", boost, children=[self._compile(q) for q in query.subqueries])
        if isinstance(query, wq.And):
            positive = [q for q in query.subqueries if not isinstance(q, wq.Not)]
            if not positive:
                raise Unprunable("only negative clauses")
            excluded = [self.snapshot.docset(q.query) for q in query.subqueries if isinstance(q, wq.Not)]
            return _Node("and", boost, children=[self._compile(q) for q in positive], excluded=excluded)
        raise Unprunable(type(query).__name__)

    def _leaf(self, fieldname: str, text: str) -> _Leaf:
        """A term's block headers: each block's docnums and score bound, its data left unread."""
        try:
            postings = self.snapshot.term_postings(fieldname, text)
        except Unreadable as exc:
            raise Unprunable(str(exc)) from None
        k1, b, avgfl = postings.k1, postings.b, postings.avgfl
        leaf = _Leaf(postings.idf, k1 + 1, postings.norms, postings.count)
        leaf.cached = self.snapshot.cached_term_scores(fieldname, text)  # a recent query's: read no block
        for segment in postings.segments:
            offset = segment.offset
            for header in segment.headers():
                last, weight, shortest = header.last, header.weight, header.shortest
                # The same formula as a posting's score, at the block's largest weight and
                # shortest length (field lengths are stored as the same one-byte code).
                norm = k1 * ((1 - b) + b * shortest / avgfl)
                bound = leaf.idf * ((weight * leaf.k1p1) / (weight + norm)) * (1 + _MARGIN)
                previous = leaf.blocks[-1] if leaf.blocks else None
                lo = previous.hi + 1 if previous is not None and previous.segment is segment else offset
                leaf.blocks.append(_Block(lo, offset + last, bound, segment, header))
                leaf.ends.append(offset + last)
        return leaf

    def most_docs(self, node: _Node) -> int:
        """At most how many documents the node matches (from the terms' document counts)."""
        if node.kind == "term":
            return self.leaves[node.leaf].count
        sizes = [self.most_docs(child) for child in node.children]
        return min(sizes) if node.kind == "and" else sum(sizes)

    def matches(self, node: _Node, within: set[int] | None = None) -> set[int]:
        """Docnums the node matches (of ``within``, if given; deleted ones too: they do not score).

        Sets of ids are built at C speed (no score per posting). An AND intersects its
        clauses' sets, rarest first, each clause reading only the blocks that hold a
        document the ones before let through; only its true matches are then scored.
        """
        if node.kind == "term":
            leaf = self.leaves[node.leaf]
            if leaf.cached is not None:
                return set(leaf.cached) if within is None else {d for d in within if d in leaf.cached}
            blocks = leaf.blocks
            if within is not None and len(within) < _FEW * len(blocks):
                blocks = list({id(b): b for b in map(leaf.block_at, within) if b is not None}.values())
            found: set[int] = set()
            for block in blocks:
                ids = _decoded(block)[0]
                offset = block.segment.offset
                found.update(map(offset.__add__, ids) if offset else ids)
            return found if within is None else found & within
        if node.kind == "or":
            return set().union(*(self.matches(child, within) for child in node.children))
        children = sorted(node.children, key=self.most_docs)
        found = self.matches(children[0], within)
        for child in children[1:]:
            if not found:
                break
            found = self.matches(child, found)
        for excluded in node.excluded:
            found -= excluded
        return found

    def bound(self, node: _Node, covering: Sequence[_Block | None]) -> float | None:
        """Upper bound of the node's score over a piece (``None``: it cannot match there)."""
        if node.kind == "term":
            block = covering[node.leaf]
            return None if block is None else block.bound * node.boost * (1 + _MARGIN)
        parts = [self.bound(child, covering) for child in node.children]
        if node.kind == "and":
            if any(p is None for p in parts):
                return None
            total = sum(p for p in parts if p is not None) + len(node.excluded)
        else:
            possible = [p for p in parts if p is not None]
            if not possible:
                return None
            total = sum(possible)
        return total * node.boost * (1 + _MARGIN)

    def candidates(self, node: _Node, covering: Sequence[_Block | None], lo: int, hi: int) -> set[int]:
        """Docnums in ``[lo, hi)`` that may match the node (a superset of its matches)."""
        if node.kind == "term":
            block = covering[node.leaf]
            if block is None:
                return set()
            ids = _decoded(block)[0]
            offset = block.segment.offset  # deleted documents stay: they do not score
            return {
                i + offset
                for i in ids[bisect.bisect_left(ids, lo - offset) : bisect.bisect_left(ids, hi - offset)]
            }
        if node.kind == "and":
            # Any one clause's matches hold the AND's: take the rarest here.
            best: set[int] | None = None
            for child in node.children:
                found = self.candidates(child, covering, lo, hi)
                if best is None or len(found) < len(best):
                    best = found
                if not best:
                    break
            return best or set()
        found = set()
        for child in node.children:
            found |= self.candidates(child, covering, lo, hi)
        return found

    def score(self, node: _Node, covering: _Covering, docnum: int) -> float | None:
        """The document's exact score, added up in the exhaustive scorer's order (``None``: no match)."""
        total: float | None = None
        if node.kind == "term":
            block = covering[node.leaf]
            if block is None:
                return None
            leaf = self.leaves[node.leaf]
            total = _score(leaf, block, docnum) if leaf.cached is None else leaf.cached.get(docnum)
            if total is None:
                return None
        elif node.kind == "or":
            for child in node.children:
                part = self.score(child, covering, docnum)
                if part is not None:
                    total = part if total is None else total + part
            if total is None:
                return None
        else:
            for child in node.children:
                part = self.score(child, covering, docnum)
                if part is None:
                    return None
                total = part if total is None else total + part
            assert total is not None
            for excluded in node.excluded:
                if docnum in excluded:
                    return None
                total += 1.0  # Whoosh scores a NOT clause as 1.0 where it lets a document through
        return total * node.boost if node.boost != 1.0 else total


def _decoded(block: _Block) -> tuple[Sequence[int], Sequence[float]]:
    """The block's segment docnums (sorted) and weights, read on first use."""
    if block.ids is None or block.weights is None:
        block.ids, block.weights = block.segment.block(block.header)
    return block.ids, block.weights


def _score(leaf: _Leaf, block: _Block, docnum: int) -> float | None:
    """The term's score in one document of the block (``None``: not there, or deleted).

    Only the documents asked for are scored: in an AND, a common word's block is
    decoded for the few documents its rarer words let through, not scored whole.
    """
    ids, weights = _decoded(block)
    segment = block.segment
    local = docnum - segment.offset
    at = bisect.bisect_left(ids, local)
    if at == len(ids) or ids[at] != local or local in segment.deleted:
        return None
    w = weights[at]
    return leaf.idf * ((w * leaf.k1p1) / (w + leaf.norms[docnum]))  # ranking._scored's formula


# ---- the search -----------------------------------------------------------------------------


def pruned_top(
    snapshot: Snapshot,
    query: wq.Query,
    allowed: set[int] | None,
    k: int,
    should_stop: Callable[[], bool] | None = None,
    story_of: Callable[[int], int] | None = None,
) -> tuple[int, bool, list[tuple[int, float]]]:
    """The best ``k`` matches, scoring only pieces of the docnum space that can hold them.

    Args:
        snapshot: The index as of one commit.
        query: Terms, ANDs, ORs and NOTs.
        allowed: The docnums a hit must be in (None: any).
        k: How many to keep.
        should_stop: Polled every 16 pieces; True raises :class:`SearchCancelled`.
        story_of: Count the stories of the matches, not the matches (a docnum's story).

    Returns:
        The number of matches (or stories) counted, whether that is only a lower
        bound (some pieces were skipped), and the top ``(docnum, score)`` pairs,
        best first; equal scores in docnum order.

    Raises:
        Unprunable: The query has a node this path does not score.
    """
    tree = _Tree(snapshot, query)
    pieces = _pieces(tree, allowed)
    pieces.sort(key=lambda piece: -piece[0])
    top = _Top(k, story_of)
    for done, (bound, lo, hi, covering) in enumerate(pieces):
        if len(top.heap) >= k and bound < top.heap[0][0]:
            return top.total(), True, top.ranked()
        if should_stop is not None and not done & 15 and should_stop():
            raise SearchCancelled()
        for docnum in tree.candidates(tree.root, covering, lo, hi):
            if allowed is not None and docnum not in allowed:
                continue
            score = tree.score(tree.root, covering, docnum)
            if score is not None:
                top.add(docnum, score)
    return top.total(), False, top.ranked()


class _At:
    """The covering blocks of one docnum, found as :meth:`_Tree.score` asks for each leaf's."""

    __slots__ = ("docnum", "leaves")

    def __init__(self, leaves: list[_Leaf], docnum: int) -> None:
        self.leaves, self.docnum = leaves, docnum

    def __getitem__(self, leaf: int) -> _Block | None:
        return self.leaves[leaf].block_at(self.docnum)


#: Below this many documents per block of a term, only the blocks holding them are read.
_FEW = 8


def matched_top(
    snapshot: Snapshot,
    query: wq.Query,
    allowed: set[int] | None,
    k: int,
    should_stop: Callable[[], bool] | None = None,
    story_of: Callable[[int], int] | None = None,
) -> tuple[int, list[tuple[int, float]]] | None:
    """The exact number of matches (or stories) and the best ``k`` of an AND, scoring only its matches.

    The AND's documents are found as sets of ids, its rarest clause first, each
    further clause reading only the blocks that hold a document still in; each match
    is then scored by the tree (the exhaustive scorer's sums, bit for bit). On the
    bench's multi-word queries at 76k this halves the CPU of scoring every term whole.

    Args:
        snapshot: The index as of one commit.
        query: An AND of terms, ORs, ANDs and NOTs.
        allowed: The docnums a hit must be in (None: any).
        k: How many to keep.
        should_stop: Polled every 1,024 matches; True raises :class:`SearchCancelled`.
        story_of: Count the stories of the matches, not the matches (a docnum's story).

    Returns:
        ``None`` when the query is not an AND (whose intersection is what this saves).

    Raises:
        Unprunable: The query has a node this path does not score.
    """
    if not isinstance(query, wq.And):
        return None
    tree = _Tree(snapshot, query)
    top = _Top(k, story_of)
    for done, docnum in enumerate(sorted(tree.matches(tree.root, allowed))):
        if should_stop is not None and not done & 1023 and should_stop():
            raise SearchCancelled()
        score = tree.score(tree.root, _At(tree.leaves, docnum), docnum)
        if score is not None:
            top.add(docnum, score)
    return top.total(), top.ranked()


class _Top:
    """The best ``k`` (docnum, score) seen and how many matches (or their stories) were counted."""

    def __init__(self, k: int, story_of: Callable[[int], int] | None) -> None:
        self.k, self.story_of = k, story_of
        self.heap: list[tuple[float, int]] = []  # (score, -docnum): the worst kept hit on top
        self.counted = 0
        self.told: set[int] = set()  # the stories counted, with story_of

    def add(self, docnum: int, score: float) -> None:
        self.counted += 1
        if self.story_of is not None:
            self.told.add(self.story_of(docnum))
        item = (score, -docnum)
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, item)
        elif item > self.heap[0]:
            heapq.heapreplace(self.heap, item)

    def total(self) -> int:
        return self.counted if self.story_of is None else len(self.told)

    def ranked(self) -> list[tuple[int, float]]:
        """Best first; equal scores in docnum order."""
        return [(-negative, score) for score, negative in sorted(self.heap, reverse=True)]


Piece = tuple[float, int, int, list[_Block | None]]


def _pieces(tree: _Tree, allowed: set[int] | None) -> list[Piece]:
    """Cut the docnum space at every block edge; each piece with its covering blocks and bound."""
    edges = sorted({e for leaf in tree.leaves for b in leaf.blocks for e in (b.lo, b.hi + 1)})
    where = [0] * len(tree.leaves)
    wanted = sorted(allowed) if allowed is not None else None
    pieces: list[Piece] = []
    for lo, hi in pairwise(edges):
        covering: list[_Block | None] = []
        for i, leaf in enumerate(tree.leaves):
            blocks, j = leaf.blocks, where[i]
            while j < len(blocks) and blocks[j].hi < lo:
                j += 1
            where[i] = j
            covering.append(blocks[j] if j < len(blocks) and blocks[j].lo <= lo else None)
        if wanted is not None and bisect.bisect_left(wanted, lo) == bisect.bisect_left(wanted, hi):
            continue  # the filter lets no document of this piece through
        bound = tree.bound(tree.root, covering)
        if bound is not None:
            pieces.append((bound, lo, hi, covering))
    return pieces
