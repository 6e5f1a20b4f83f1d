"""Phrases scored from bulk-read postings: the words' scores where they stand next to each other.

Whoosh matches a phrase (``Phrase``, slop 1) document by document through span
matchers, a stack of Python calls per candidate: at 304,688 articles a common
two-word phrase took a quarter of a second. Its score is the sum of the words'
scores (an intersection of term matchers, summed as its binary tree adds them),
so only *which* documents hold the phrase needs positions. Here the documents
holding every word come from the words' score maps (:mod:`.ranking`'s, cached),
and positions are read from the segment's arrays file where it keeps them, else only
from the blocks that hold one of those documents, each block unpickled once
(:class:`PositionReader`).
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from whoosh import query as wq

from .snapshot import Unreadable, value_positions

if TYPE_CHECKING:
    from .snapshot import Snapshot, TermPostings

__all__ = ["PhraseUnsupported", "PositionReader", "adjacent", "phrase_scores", "tree_sum"]


class PhraseUnsupported(Exception):
    """A phrase this path does not read (slop over 1, a field without positions): Whoosh scores it."""


def phrase_scores(
    snapshot: Snapshot, query: wq.Phrase, term: Callable[[str, str], dict[int, float]]
) -> dict[int, float]:
    """Each document holding the phrase, with Whoosh's score for it (before the phrase's boost).

    Args:
        snapshot: The index as of one commit.
        query: The phrase (its words are analysed terms, in order).
        term: A term's score map by ``(fieldname, text)`` (the exhaustive scorer's, cached).

    Raises:
        PhraseUnsupported: The phrase has a slop other than 1, or its field stores no
            character positions.
    """
    fieldname, words = query.fieldname, list(query.words)
    if query.slop != 1 or not snapshot.has_characters(fieldname):
        raise PhraseUnsupported(f"phrase over {fieldname} with slop {query.slop}")
    if not words:
        return {}
    maps = [term(fieldname, word) for word in words]
    if not all(maps):
        return {}  # Whoosh: a word the index does not hold matches nothing
    rarest, *others = sorted(maps, key=lambda scores: len(scores))
    candidates = set(rarest)
    for scores in others:
        candidates.intersection_update(scores)
        if not candidates:
            return {}
    if len(words) > 1:
        ordered = sorted(candidates)
        reader = PositionReader(snapshot)
        at = [reader.positions(fieldname, word, ordered) for word in words]
        candidates = {d for d in ordered if adjacent([found[d] for found in at])}
    return {d: tree_sum([scores[d] for scores in maps]) for d in candidates}


class PositionReader:
    """Words' positions for checking phrases, each term's block headers and each block read once.

    One query's worth: a phrase checked in batches (:mod:`.array_scoring`) comes back to the
    same blocks (candidates ranked by score sit side by side in docnum order), and decoding
    a block (its zlib stream, unless small, and its pickle) is what a phrase costs.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._postings: dict[tuple[str, str], TermPostings] = {}
        self._blocks: dict[tuple[str, str, int, int], tuple[list[int], tuple[bytes, ...]]] = {}

    def positions(self, fieldname: str, word: str, docnums: Sequence[int]) -> dict[int, list[int]]:
        """The word's positions in each of ``docnums`` (sorted; every one holds the word)."""
        postings = self._postings.get((fieldname, word))
        if postings is None:
            try:
                postings = self._postings[fieldname, word] = self.snapshot.term_postings(fieldname, word)
            except Unreadable as exc:
                raise PhraseUnsupported(str(exc)) from None
        found: dict[int, list[int]] = {}
        arrays = "numpy" in sys.modules  # a one-shot search of a few postings need not load NumPy
        for segment in postings.segments:
            start = segment.offset
            stored = segment.stored() if arrays and segment.stored is not None else None
            kept = None if stored is None else stored.positions(segment.fieldname, segment.btext)
            if kept is not None:
                if len(kept[0]):
                    last = bisect.bisect_right(docnums, start + int(kept[0][-1]))
                    found.update(
                        _kept_positions(kept, start, docnums[bisect.bisect_left(docnums, start) : last])
                    )
                continue
            first = bisect.bisect_left(docnums, start)
            headers = segment.headers()
            end = start + headers[-1].last
            wanted = [d - start for d in docnums[first : bisect.bisect_right(docnums, end)]]
            lasts = [header.last for header in headers]
            at = 0
            while at < len(wanted):
                block = bisect.bisect_left(lasts, wanted[at])
                upto = bisect.bisect_right(wanted, lasts[block], at)
                key = (fieldname, word, start, block)
                decoded = self._blocks.get(key)
                if decoded is None:
                    decoded = self._blocks[key] = segment.values(headers[block])
                ids, values = decoded
                for local in wanted[at:upto]:
                    found[start + local] = value_positions(values[bisect.bisect_left(ids, local)])
                at = upto
        return found


def _kept_positions(kept: Any, start: int, docnums: Sequence[int]) -> dict[int, list[int]]:
    """Positions from an arrays file's (docnums, ends, positions) of the ``docnums`` it holds."""
    import numpy as np

    ids, ends, every = kept
    if not docnums:
        return {}
    local = np.asarray(docnums, dtype=np.int64) - start
    rows = np.minimum(np.searchsorted(ids, local), len(ids) - 1)
    held = ids[rows] == local
    rows, local = rows[held], local[held]
    stops = ends[rows].astype(np.int64)
    starts = np.where(rows > 0, ends[np.maximum(rows - 1, 0)], 0).astype(np.int64)
    values = every.tolist() if len(every) <= 4 * len(rows) else None
    found: dict[int, list[int]] = {}
    for doc, begin, stop in zip((local + start).tolist(), starts.tolist(), stops.tolist(), strict=True):
        found[doc] = values[begin:stop] if values is not None else every[begin:stop].tolist()
    return found


def adjacent(positions: list[list[int]]) -> bool:
    """Whether the words stand at consecutive positions somewhere (Whoosh's ordered slop-1 spans)."""
    starts = set(positions[0])
    for shift, later in enumerate(positions[1:], 1):
        starts.intersection_update(p - shift for p in later)
        if not starts:
            return False
    return True


class _Summable(Protocol):
    def __add__(self, other: Any, /) -> Any: ...


_T = TypeVar("_T", bound=_Summable)


def tree_sum(values: list[_T]) -> _T:
    """The values (floats, or arrays of them) added as Whoosh's binary tree of matchers adds them.

    Whoosh's ``make_binary_tree`` of intersection matchers adds a phrase's word scores so.
    """
    if len(values) == 1:
        return values[0]
    half = len(values) // 2
    return cast(_T, tree_sum(values[:half]) + tree_sum(values[half:]))
