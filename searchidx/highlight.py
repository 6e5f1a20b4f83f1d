"""Snippets and highlight offsets from match ranges: no markup.

The snapshot finds the character range of every matching term in a page's
stored text (:mod:`searchidx.snapshot.matches`) and hands this module plain
``(start, end)`` pairs; it picks the best sentence-aligned window and returns
text plus offsets for a renderer.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from .analysis import fold, sentence_spans
from .models import Span

__all__ = ["SNIPPET_CHARS", "merge", "snippet", "spans_within"]

SNIPPET_CHARS = 250
ELLIPSIS = "…"
_SENTENCE_FINAL = tuple(".!?…\"”’')")


def merge(matches: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort and merge overlapping or touching ranges."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(matches):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def spans_within(
    matches: Iterable[tuple[int, int]], start: int, end: int, shift: int = 0
) -> tuple[Span, ...]:
    """Return merged matches inside ``[start, end)`` moved by ``shift``."""
    return tuple(Span(s + shift, e + shift) for s, e in merge(matches) if s >= start and e <= end)


def _window(text: str, sentences: list[tuple[int, int]], first: int, width: int) -> tuple[int, int]:
    """Extend from sentence ``first`` while whole sentences fit in ``width``."""
    start, end = sentences[first]
    for _s, e in sentences[first + 1 :]:
        if e - start > width or not text[end - 1].endswith(_SENTENCE_FINAL):
            break  # too long, or the previous line is a heading without punctuation
        end = e
    if end - start > width:  # one long sentence: cut at a word boundary
        cut = text.rfind(" ", start, start + width)
        end = cut if cut > start else start + width
    return start, end


def _score(text: str, matches: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    lo = bisect.bisect_left(matches, (start, -1))
    hi = bisect.bisect_right(matches, (end, end))
    inside = [(s, e) for s, e in matches[lo:hi] if e <= end]
    return len({fold(text[s:e]) for s, e in inside}), len(inside)


def snippet(
    text: str, matches: Iterable[tuple[int, int]], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[Span, ...]]:
    """Pick the best excerpt of ``text`` around ``matches``.

    Windows start at sentence starts (or a little before a match inside a
    very long sentence) and hold whole words; the winner covers the most
    distinct matched words, then the most matches, then comes first.
    Whitespace is collapsed and ``…`` marks a cut.

    Returns:
        The snippet and the offsets of the matches within it.
    """
    merged = merge(matches)
    sentences = sentence_spans(text) or [(0, len(text))]
    starts = [s for s, _ in sentences]
    candidates: set[tuple[int, int]] = set()
    if not merged:
        candidates.add(_window(text, sentences, 0, width))
    for m_start, m_end in merged:
        index = max(bisect.bisect_right(starts, m_start) - 1, 0)
        start, end = _window(text, sentences, index, width)
        if m_end > end:  # the match is deep inside a long sentence
            start = text.rfind(" ", sentences[index][0], max(m_start - width // 3, 0)) + 1
            start = max(start, sentences[index][0])
            cut = text.rfind(" ", start, start + width)
            end = cut if cut > m_end else min(start + width, len(text))
        candidates.add((start, end))
    best = max(candidates, key=lambda c: (*_score(text, merged, *c), -c[0]))
    return _render(text, best[0], best[1], merged, set(starts))


def _render(
    text: str, start: int, end: int, matches: list[tuple[int, int]], sentence_starts: set[int]
) -> tuple[str, tuple[Span, ...]]:
    out: list[str] = []
    offsets: dict[int, int] = {}
    if start > 0 and start not in sentence_starts:
        out.append(ELLIPSIS + " ")
    size = sum(len(p) for p in out)
    previous_space = True
    for i in range(start, end):
        ch = text[i]
        offsets[i] = size
        if ch.isspace():
            if previous_space:
                continue
            ch = " "
            previous_space = True
        else:
            previous_space = False
        out.append(ch)
        size += 1
    offsets[end] = size
    body = "".join(out).rstrip()
    if end < len(text) and text[end - 1 : end] not in (".", "!", "?", "”", '"'):
        body += " " + ELLIPSIS
    spans = tuple(Span(offsets[s], offsets[e]) for s, e in matches if s >= start and e <= end)
    return body, spans
