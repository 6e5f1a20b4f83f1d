"""Folding copies of one story in a result list: re-sent, corrected, or carried by several outlets.

Wire stories come many times over: Reuters-21578 alone holds exact duplicates,
and a correction or another outlet's copy changes a few words. Each article
keeps a small sketch of its text, computed once when it is indexed: a hash of
its first :data:`LEAD_WORDS` words, its length in words, and the 16 smallest
CRC-32 hashes of its three-word shingles (a bottom-k MinHash: Broder 1997, *On
the resemblance and containment of documents*). A search folds a hit into the
better-ranked hit that tells the same story (:func:`same_story`): published
within :data:`WITHIN_SECONDS` of it and beginning with the same words or, by
the sketches, sharing at least :data:`SAME_STORY` of its shingles; or, up to
:data:`RERUN_SECONDS` apart, a story of at least :data:`RERUN_WORDS` words
that is nearly the same text again (:data:`RERUN_SAME`: a weekend story re-run
on Monday, a correction sent the next day). A routine bulletin sent every day
in the same words is short, and a new story each day. The hit lists the
copies it folded; totals still count every article.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Sequence

from .analysis import fold

__all__ = [
    "LEAD_WORDS",
    "RERUN_SAME",
    "RERUN_SECONDS",
    "RERUN_WORDS",
    "SAME_STORY",
    "SKETCH_SIZE",
    "WITHIN_SECONDS",
    "fold_page",
    "resemblance",
    "same_story",
    "sketch",
]

#: Hashes kept per article.
SKETCH_SIZE = 16
#: Copies of one story are published within this many seconds of each other (when both are dated).
WITHIN_SECONDS = 18 * 3600
#: Words of the lead: two articles that begin with the same ones tell the same story.
LEAD_WORDS = 20
#: Estimated share of shingles two articles must share to be one story.
SAME_STORY = 0.8
#: A story re-run later (a weekend story on Monday, a correction the next day) is
#: nearly the same text: this share of shingles, at most this many seconds apart ...
RERUN_SAME = 0.9
RERUN_SECONDS = 4 * 24 * 3600
#: ... and at least this many words long (shorter items are bulletins, sent each day in the same words).
RERUN_WORDS = 60
#: Sketches of fewer shingles than this are compared whole (short items must match exactly).
_FEW = 8
#: Hits read at most to fill a page with distinct stories: this many times the page, or
#: :data:`_READ_AT_LEAST` (a story re-sent 30 times must not leave the page half empty).
_READ_AHEAD = 8
_READ_AT_LEAST = 400
_WORD_RE = re.compile(r"\w+")

Sketch = tuple[int, ...]
Ranked = list[tuple[int, float]]


def sketch(title: str, body: str) -> Sketch:
    """The article's sketch: a hash of its lead, its length, then the smallest hashes of its shingles.

    The lead is the first :data:`LEAD_WORDS` words: a shortened or re-sent copy
    keeps it ("OPEC believes world oil prices should be set around ..."), however
    much of the rest it cuts. The length in words is kept as ``-(words + 1)``, so
    a sketch stored before lengths were kept (no negative entry) still reads.
    Without a body, the title stands for it.
    """
    words = _WORD_RE.findall(fold(body or title))
    lead = zlib.crc32(" ".join(words[:LEAD_WORDS]).encode("utf-8"))
    if len(words) < 3:
        shingles = {" ".join(words)}
    else:
        shingles = {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}
    hashes = sorted({zlib.crc32(s.encode("utf-8")) for s in shingles})[:SKETCH_SIZE]
    return (lead, -(len(words) + 1), *hashes)


def same_story(a: Sketch, b: Sketch, apart: float | None = None) -> bool:
    """Whether two sketched articles tell one story.

    Args:
        a: One article's sketch.
        b: The other's.
        apart: Seconds between their publication times; None when either is undated
            (then only the text decides).

    Within :data:`WITHIN_SECONDS`: the same lead, or most of their text. Up to
    :data:`RERUN_SECONDS`: nearly all of their text, when both are stories of
    :data:`RERUN_WORDS` words or more (a re-run or a correction, not a bulletin).
    """
    if not a or not b:
        return False
    if apart is None or apart <= WITHIN_SECONDS:
        return a[0] == b[0] or _resemblance(_hashes(a), _hashes(b)) >= SAME_STORY
    if apart > RERUN_SECONDS or min(_words(a), _words(b)) < RERUN_WORDS:
        return False
    return _resemblance(_hashes(a), _hashes(b)) >= RERUN_SAME


def _words(s: Sketch) -> int:
    """The article's length in words, from its sketch (0 for a sketch stored without it)."""
    return -s[1] - 1 if len(s) > 1 and s[1] < 0 else 0


def _hashes(s: Sketch) -> Sketch:
    """The shingle hashes of a sketch, with or without its length."""
    return s[2:] if len(s) > 1 and s[1] < 0 else s[1:]


def resemblance(a: Sketch, b: Sketch) -> float:
    """Estimated share of shingles two texts have in common, from their smallest hashes (1.0: the same).

    Negative entries (a sketch's length) are not hashes and are skipped.
    """
    return _resemblance(tuple(h for h in a if h >= 0), tuple(h for h in b if h >= 0))


def _resemblance(a: Sketch, b: Sketch) -> float:
    if not a or not b:
        return 0.0
    if len(a) < _FEW or len(b) < _FEW:
        return 1.0 if a == b else 0.0
    union = sorted(set(a) | set(b))[:SKETCH_SIZE]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)


def fold_page(
    ranked: Callable[[int], tuple[int, Ranked]],
    sketch_of: Callable[[int], Sketch],
    limit: int,
    offset: int,
    time_of: Callable[[int], int | None] = lambda _doc: None,
) -> tuple[int, Ranked, dict[int, list[int]]]:
    """One page of distinct stories, and the copies folded into each.

    Args:
        ranked: ``n -> (total, the first n (docnum, score))`` in result order.
        sketch_of: A document's sketch.
        limit: Stories per page.
        offset: Stories to skip.
        time_of: A document's publication time (epoch seconds), None when undated:
            copies are published close together (see :func:`same_story`), while a
            routine bulletin sent each day in the same words is a new story each day.

    Returns:
        The total (every article), the page, and each page document's folded copies.
    """
    want = offset + limit
    read = want * 2 + 8
    known: dict[int, Sketch] = {}

    def sketched(docnum: int) -> Sketch:
        if docnum not in known:
            known[docnum] = sketch_of(docnum)
        return known[docnum]

    while True:
        total, found = ranked(read)
        kept, copies = _fold(found, sketched, time_of)
        exhausted = len(found) < read
        if len(kept) >= want or exhausted or read >= max(want * _READ_AHEAD, _READ_AT_LEAST):
            break
        read *= 2
    page = kept[offset:want]
    return total, page, {d: copies[d] for d, _score in page if copies.get(d)}


def _fold(
    found: Sequence[tuple[int, float]],
    sketch_of: Callable[[int], Sketch],
    time_of: Callable[[int], int | None],
) -> tuple[Ranked, dict[int, list[int]]]:
    kept: Ranked = []
    seen: list[tuple[Sketch, int | None]] = []
    copies: dict[int, list[int]] = {}
    for docnum, score in found:
        mine, when = sketch_of(docnum), time_of(docnum)
        for (first, _score), (theirs, then) in zip(kept, seen, strict=True):
            apart = None if when is None or then is None else abs(when - then)
            if same_story(mine, theirs, apart):
                copies.setdefault(first, []).append(docnum)
                break
        else:
            kept.append((docnum, score))
            seen.append((mine, when))
    return kept, copies
