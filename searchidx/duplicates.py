"""Folding copies of one story in a result list: re-sent, corrected, or carried by several outlets.

Wire stories come many times over: Reuters-21578 alone holds exact duplicates,
and a correction or another outlet's copy changes a few words. Each article
keeps a small sketch of its text, computed once when it is indexed: a hash of
its first :data:`LEAD_WORDS` words, its length in words, and the 16 smallest
CRC-32 hashes of its three-word shingles (a bottom-k MinHash: Broder 1997, *On
the resemblance and containment of documents*). Two articles tell one story
(:func:`same_story`) when published within :data:`WITHIN_SECONDS` of each
other and beginning with the same words or, by the sketches, sharing at least
:data:`SAME_STORY` of their shingles; or, up to :data:`RERUN_SECONDS` apart,
when both are stories of at least :data:`RERUN_WORDS` words and nearly the
same text (:data:`RERUN_SAME`: a weekend story re-run on Monday, a correction
sent the next day). A routine bulletin sent every day in the same words is
short, and a new story each day.

The index keeps each article's sketch in a column and, after each commit,
groups the collection into stories (:func:`story_groups`: every pair that
:func:`same_story` joins, directly or through copies between them). A result
list shows each story once, as its best-ranked article, listing the copies
it folded (:func:`fold_page`); totals and facets count stories
(:mod:`searchidx.stories`).
"""

from __future__ import annotations

import math
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

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
    "story_groups",
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
#: Hashes of each sketch an article is filed under to find its copies: two sketches that
#: share :data:`SAME_STORY` of the 16 smallest hashes of their union share one of these.
_KEYS = 4
#: Articles filed under one key that each is compared with (the next ones in date order).
_NEAREST = 256
_WORD_RE = re.compile(r"\w+")

Sketch = tuple[int, ...]
_Row = tuple[Sketch, int | None, frozenset[int]]  # an article's sketch, time and hashes
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
    story_of: Callable[[int], int],
    limit: int,
    offset: int,
    spread: float = 1.0,
) -> tuple[int, Ranked, dict[int, list[int]]]:
    """One page of distinct stories, and the copies folded into each.

    Args:
        ranked: ``n -> (total, the first n (docnum, score))`` in result order.
        story_of: A document's story (:func:`story_groups`: its first docnum, or its own).
        limit: Stories per page.
        offset: Stories to skip.
        spread: Articles per story in the collection: the hits read at first are
            scaled by it, so a collection of many copies is ranked once, not again
            for more hits.

    Returns:
        The total as ``ranked`` gives it, the page (each story as its best-ranked
        article), and each page document's copies among the hits read, in rank order.
    """
    want = offset + limit
    read = math.ceil((want * 2 + 8) * max(spread, 1.0))
    while True:
        total, found = ranked(read)
        kept: Ranked = []
        first: dict[int, int] = {}  # story -> its best-ranked docnum
        copies: dict[int, list[int]] = {}
        for docnum, score in found:
            story = story_of(docnum)
            if story in first:
                copies.setdefault(first[story], []).append(docnum)
            else:
                first[story] = docnum
                kept.append((docnum, score))
        exhausted = len(found) < read
        if len(kept) >= want or exhausted or read >= max(want * _READ_AHEAD, _READ_AT_LEAST):
            break
        read *= 2
    page = kept[offset:want]
    return total, page, {d: copies[d] for d, _score in page if copies.get(d)}


def story_groups(sketched: Iterable[tuple[int, Sketch, int | None]]) -> dict[int, int]:
    """The stories of a collection: each article that has copies, mapped to its story's first docnum.

    Args:
        sketched: ``(docnum, sketch, publication time or None)`` of every article.

    Returns:
        ``docnum -> the smallest docnum of its story`` for articles in stories of
        two or more; an article alone in its story is left out.

    Two articles are one story when :func:`same_story` says so, directly or
    through copies between them. Candidates are found, not compared all with all:
    each article is filed under its lead and its :data:`_KEYS` smallest hashes
    (two articles sharing at least :data:`SAME_STORY` of the union's smallest
    hashes share one of these), and compared with those filed beside it
    published within :data:`RERUN_SECONDS`; identical sketches published at
    the same second are one story without comparing.
    """
    parent: dict[int, int] = {}

    def root(docnum: int) -> int:
        while (up := parent.get(docnum, docnum)) != docnum:
            parent[docnum] = parent.get(up, up)  # path halving
            docnum = parent[docnum]
        return docnum

    def join(a: int, b: int) -> None:
        a, b = root(a), root(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first: dict[tuple[Sketch, int | None], int] = {}
    known: dict[int, _Row] = {}
    filed: defaultdict[tuple[bool, int], list[int]] = defaultdict(list)
    for docnum, mine, when in sketched:
        if not mine:
            continue
        seen = first.setdefault((mine, when), docnum)
        if seen != docnum:
            join(seen, docnum)
            continue
        hashes = _hashes(mine)
        known[docnum] = (mine, when, frozenset(hashes))
        filed[False, mine[0]].append(docnum)
        for h in hashes[:_KEYS]:
            filed[True, h].append(docnum)
    for members in filed.values():
        if len(members) > 1:
            _compare(members, known, root, join)
    return {docnum: root(docnum) for docnum in parent.keys() | parent.values()}


def _pairs(members: list[int], known: dict[int, _Row]) -> Iterator[tuple[int, _Row, int, _Row]]:
    """The pairs of one key's articles to compare, one at a time (a list of them ran out of memory).

    Dated articles within :data:`RERUN_SECONDS` of each other, an undated one with every
    other; each with at most :data:`_NEAREST` articles after it in date order. A story has a
    few dozen copies at most: a key that thousands of articles share (pages built from one
    template, bulletins in the same words) is no story's, and comparing all of its pairs
    took minutes and gigabytes (10,000 such articles: 3 minutes, 4.3 GB).
    """
    rows = [(known[d], d) for d in members]
    dated = sorted(((row[1], d, row) for row, d in rows if row[1] is not None), key=lambda r: r[0])
    undated = [(d, row) for row, d in rows if row[1] is None]
    for i, (when, a, mine) in enumerate(dated):
        for then, b, theirs in dated[i + 1 : i + 1 + _NEAREST]:
            if then - when > RERUN_SECONDS:
                break
            yield a, mine, b, theirs
    for i, (a, mine) in enumerate(undated):
        for b, theirs in undated[i + 1 : i + 1 + _NEAREST]:
            yield a, mine, b, theirs
        for _t, b, theirs in dated[:_NEAREST]:
            yield a, mine, b, theirs


def _compare(
    members: list[int],
    known: dict[int, _Row],
    root: Callable[[int], int],
    join: Callable[[int, int], None],
) -> None:
    """Join the articles filed under one key that tell one story (see :func:`story_groups`)."""
    for a, (sa, ta, ha), b, (sb, tb, hb) in _pairs(members, known):
        # The estimate counts shared hashes among at least max(len) of the union's smallest: fewer
        # shared than SAME_STORY of that cannot pass, and most pairs filed together stop here.
        if sa[0] != sb[0] and len(ha & hb) < SAME_STORY * max(len(ha), len(hb)):
            continue
        if root(a) != root(b) and same_story(sa, sb, None if ta is None or tb is None else abs(ta - tb)):
            join(a, b)
