"""The term-at-a-time scorer must rank exactly as Whoosh's matchers do."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx import Index, ranking
from searchidx.ranking import top_scored
from searchidx.search import prepare
from searchidx.snapshot import TermScores
from searchidx.snapshot.budget import posting_scores_bytes

VOCABULARY = "oil opec crude price gold silver bank japan tariff harvest merger pipeline election".split()
QUERIES = [
    "oil",
    "oil price",
    "oil OR gold",
    "(oil OR gold) AND bank",
    "oil -opec",
    "bank -japan -gold",
    "pri*",
    "bank jap*",
    "title:merger",
    "merger date:2020-03..2020-06",
    "price date:1999",  # a filter that leaves nothing
    "oil~",  # fuzzy words are expanded by the parser
    "gold~2 bank",
    "oil oil price oil",  # repeated words are folded into one boosted term
    '"oil price"',  # phrases: the words' scores where they stand together (searchidx.phrases)
    'bank "gold oil"',
    '"oil price" OR "gold bank" -japan',
    '"price oil price"',  # a word twice in one phrase
    '"gold bank japan tariff"',  # four words: Whoosh adds their scores as a binary tree
    'title:"oil price"',
    '"oil price" date:2020-03..2020-06',
]


def _feed(path: Path, count: int, seed: int, prefix: str) -> Path:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        body = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(5, 60)))
        title = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(1, 5)))
        date = f"2020-{1 + i % 9:02d}-{1 + i % 27:02d}"
        rows.append(json.dumps({"id": f"{prefix}{i}", "title": title, "date": date, "text": body + "."}))
    path.write_text("\n".join(rows) + "\n")
    return path


def _two_segments(root: Path, sizes: tuple[int, int], seed: int, replaced: int) -> Index:
    """An index of two segments, the first with ``replaced`` documents replaced (deleted, added again)."""
    first = _feed(root / "first.jsonl", sizes[0], seed, "a")
    index = Index.build(root / "ix", [first], workers=1, entities=False)
    index.update([_feed(root / "second.jsonl", sizes[1], seed + 1, "b")], workers=1)
    first.write_text(first.read_text().replace('"oil ', '"gold ', replaced))  # replacements delete old docs
    assert index.update([first], workers=1).updated > 0
    return index


@pytest.fixture(scope="module")
def segmented(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """Two segments, the first with deleted (replaced) documents."""
    return _two_segments(tmp_path_factory.mktemp("ranking"), (150, 80), 1, 12)


@pytest.fixture(scope="module")
def blocks(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """Common words over several posting blocks (128 postings each) in each of two segments."""
    return _two_segments(tmp_path_factory.mktemp("blocks"), (420, 300), 3, 30)


def _whoosh(index: Index, query: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    monkeypatch.setattr("searchidx.search.top_scored", lambda *args, **kwargs: None)
    try:
        results = index.search(query, limit=500)
    finally:
        monkeypatch.undo()
    return [(h.id, h.score) for h in results.hits]


@pytest.mark.parametrize("query", QUERIES)
def test_same_ranking_as_whoosh(segmented: Index, query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = segmented._snapshot()
    leaves = [reader for reader, _offset in cache._searcher.reader().leaf_readers()]
    assert len(leaves) >= 2 and any(reader.has_deletions() for reader in leaves)
    parsed, compiled = prepare(cache, query, mode="all", prefix_terms=16)
    allowed = compiled.allowed
    assert top_scored(cache, parsed.query, allowed, 10) is not None  # the fast path scored it
    expected = _whoosh(segmented, query, monkeypatch)
    results = segmented.search(query, limit=500)
    assert results.total == len(expected)
    assert [h.id for h in results.hits] == [doc for doc, _ in expected]
    assert [h.score for h in results.hits] == pytest.approx([s for _, s in expected], rel=1e-12)
    page = segmented.search(query, limit=5, offset=3)
    assert [h.id for h in page.hits] == [doc for doc, _ in expected[3:8]]


@pytest.mark.parametrize("query", ["oil price", "oil gold bank -japan", "oil pri* gold~2 merger merger"])
def test_any_mode_same_ranking_as_whoosh(
    segmented: Index, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = segmented._snapshot()
    parsed, compiled = prepare(cache, query, mode="any", prefix_terms=16)
    allowed = compiled.allowed
    assert top_scored(cache, parsed.query, allowed, 10) is not None  # coordination scored term at a time
    monkeypatch.setattr("searchidx.search.top_scored", lambda *args, **kwargs: None)
    expected = [(h.id, h.score) for h in segmented.search(query, mode="any", limit=500).hits]
    monkeypatch.undo()
    results = segmented.search(query, mode="any", limit=500)
    assert results.total == len(expected) > 0
    assert [h.id for h in results.hits] == [doc for doc, _ in expected]
    assert [h.score for h in results.hits] == pytest.approx([s for _, s in expected], rel=1e-12)


@pytest.mark.parametrize("query", ["*", "-oil"])
def test_other_queries_are_left_to_whoosh(segmented: Index, query: str) -> None:
    cache = segmented._snapshot()
    parsed, compiled = prepare(cache, query, mode="all", prefix_terms=16)
    allowed = compiled.allowed
    assert top_scored(cache, parsed.query, allowed, 10) is None
    assert segmented.search(query).total > 0


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(st.sampled_from(VOCABULARY[:8]), min_size=2, max_size=4),
    extra=st.sampled_from(["", " oil", " -bank", " OR gold", " date:2020-02..2020-05"]),
)
def test_random_phrases_rank_as_whoosh(blocks: Index, words: list[str], extra: str) -> None:
    """Phrases read from bulk positions: the same documents, order and total as Whoosh's span matchers."""
    query = '"' + " ".join(words) + '"' + extra
    cache = blocks._snapshot()
    postings = cache.term_postings("body", words[0])
    assert sum(len(segment.headers()) > 1 for segment in postings.segments) >= 2
    parsed, compiled = prepare(cache, query, mode="all", prefix_terms=16)
    assert top_scored(cache, parsed.query, compiled.allowed, 10) is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("searchidx.search.top_scored", lambda *args, **kwargs: None)
        expected = blocks.search(query, limit=1000)
    results = blocks.search(query, limit=1000)
    assert results.total == expected.total
    assert [(h.id, h.score) for h in results.hits] == [(h.id, h.score) for h in expected.hits]  # bit for bit


def test_term_cache_is_bounded_and_reused(segmented: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = segmented._snapshot()
    cache.forget_term_scores()
    monkeypatch.setattr(cache._term_scores, "budget", 6_000)  # bytes: a few hundred postings
    built: list[str] = []

    def made(word: str) -> TermScores:
        built.append(word)
        return np.array([1, 2], dtype=np.int64), np.array([1.0, 2.0])

    first = cache.term_scores("body", "zzfake", lambda: made("zzfake"))
    assert cache.term_scores("body", "zzfake", lambda: made("again")) is first
    for word in ("gold", "bank", "japan", "tariff", "merger"):
        segmented.search(word)
        assert cache._term_scores.bytes <= 6_000
    assert ("body", "zzfake") not in cache._term_scores  # the least recently used went first
    assert built == ["zzfake"]
    assert len(cache._term_scores) > 1
    entries = cache._term_scores.items()
    assert sum(posting_scores_bytes(key, scores) for key, scores in entries) == cache._term_scores.bytes


@settings(max_examples=200, deadline=None)
@given(
    scores=st.dictionaries(
        st.integers(0, 500), st.sampled_from([0.5, 1.0, 1.25, 2.0, 3.5, 7.0]), max_size=60
    ),
    k=st.integers(0, 70),
)
def test_best_of_is_the_k_best_with_ties_in_docnum_order(scores: dict[int, float], k: int) -> None:
    """Few distinct scores, so ties straddle the k-th place: still the definition's order."""
    expected = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
    assert ranking.best_of(scores, k) == expected
