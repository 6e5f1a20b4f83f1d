"""Phrases scored from bulk-read postings: the words' scores where they stand next to each other.

Whoosh matches a phrase (``Phrase``, slop 1) document by document through span
matchers, a stack of Python calls per candidate: at 304,688 articles a common
two-word phrase took a quarter of a second. Its score is the sum of the words'
scores (an intersection of term matchers, summed as its binary tree adds them),
so only *which* documents hold the phrase needs positions. Here the documents
holding every word come from the words' score maps (:mod:`.ranking`'s, cached),
and positions are read only from the blocks that hold one of those documents,
each block unpickled once (:func:`~searchidx.snapshot.postings.block_positions`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from whoosh import query as wq

from .snapshot import Unreadable

if TYPE_CHECKING:
    from .snapshot import Snapshot

__all__ = ["PhraseUnsupported", "adjacent", "phrase_scores", "tree_sum", "word_positions"]


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
        at = [word_positions(snapshot, fieldname, word, ordered) for word in words]
        candidates = {d for d in ordered if adjacent([found[d] for found in at])}
    return {d: tree_sum([scores[d] for scores in maps]) for d in candidates}


def word_positions(
    snapshot: Snapshot, fieldname: str, word: str, docnums: Sequence[int]
) -> dict[int, list[int]]:
    """The word's positions in each of ``docnums`` (sorted; every one holds the word)."""
    try:
        postings = snapshot.term_postings(fieldname, word)
    except Unreadable as exc:
        raise PhraseUnsupported(str(exc)) from None
    found: dict[int, list[int]] = {}
    for segment in postings.segments:
        start = segment.offset
        first = bisect.bisect_left(docnums, start)
        headers = segment.headers()
        end = start + headers[-1].last
        wanted = [d - start for d in docnums[first : bisect.bisect_right(docnums, end)]]
        lasts = [header.last for header in headers]
        at = 0
        while at < len(wanted):
            block = bisect.bisect_left(lasts, wanted[at])
            upto = bisect.bisect_right(wanted, lasts[block], at)
            for local, positions in segment.positions(headers[block], set(wanted[at:upto])).items():
                found[start + local] = positions
            at = upto
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
