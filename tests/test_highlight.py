from __future__ import annotations

import re

from searchidx.highlight import merge, snippet, spans_within
from searchidx.models import Span


def find(text: str, word: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(word, text)]


def test_merge_joins_overlaps() -> None:
    assert merge([(5, 9), (0, 3), (2, 4), (9, 10)]) == [(0, 4), (5, 10)]


def test_snippet_prefers_window_with_most_distinct_terms() -> None:
    text = (
        "Alpha appears here. Filler sentence one. Filler sentence two. "
        + "More filler text goes on and on. " * 10
        + "Here alpha and beta appear together. Tail."
    )
    matches = find(text, "[Aa]lpha") + find(text, "beta")
    snip, spans = snippet(text, matches, width=80)
    assert "alpha and beta" in snip
    assert [snip[s.start : s.end] for s in spans] == ["alpha", "beta"]
    assert len(snip) <= 80 + 4


def test_snippet_offsets_survive_whitespace_collapse() -> None:
    text = "First   line\n\n  with\tspaces and a match here."
    snip, spans = snippet(text, find(text, "match"))
    assert "  " not in snip and "\n" not in snip
    assert [snip[s.start : s.end] for s in spans] == ["match"]


def test_long_sentence_is_cut_at_words_around_match() -> None:
    text = "word " * 200 + "needle " + "word " * 200
    snip, spans = snippet(text, find(text, "needle"), width=100)
    assert snip.startswith("… ") and snip.endswith(" …")
    assert [snip[s.start : s.end] for s in spans] == ["needle"]
    assert all(w in ("word", "needle", "…") for w in snip.split())


def test_no_matches_gives_the_opening() -> None:
    snip, spans = snippet("Opening sentence. Second.", [])
    assert snip.startswith("Opening sentence.") and spans == ()


def test_spans_within_shifts() -> None:
    assert spans_within([(10, 15), (30, 35)], 5, 20, -5) == (Span(5, 10),)
