"""Block-max pruning must rank exactly as the exhaustive BM25F scorer: same documents, order, scores."""

from __future__ import annotations

import json
import pickle
import random
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from searchidx import Index, pruning, ranking
from searchidx.models import SearchResults
from searchidx.render import summary_line
from searchidx.search import prepare
from searchidx.snapshot.postings import _sliced, leaf_matcher

# Zipf-like: a few words in most articles, a tail in few, so blocks differ in their bounds.
WORDS = (
    "oil opec crude price gold silver bank japan tariff harvest merger pipeline election "
    "wheat copper dollar yen strike rates bond shares profit loss debt"
).split()


def _feed(path: Path, count: int, seed: int, prefix: str) -> Path:
    rng = random.Random(seed)
    weights = [1 / (i + 1) for i in range(len(WORDS))]
    rows = []
    for i in range(count):
        body = " ".join(rng.choices(WORDS, weights, k=rng.randint(3, 80)))
        title = " ".join(rng.choices(WORDS, weights, k=rng.randint(1, 6)))
        date = f"2020-{1 + i % 12:02d}-{1 + i % 27:02d}"
        rows.append(json.dumps({"id": f"{prefix}{i}", "title": title, "date": date, "text": body + "."}))
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """About 1,400 articles in two segments, the first with deleted (replaced) documents."""
    root = tmp_path_factory.mktemp("pruning")
    first = _feed(root / "first.jsonl", 900, 7, "a")
    built = Index.build(root / "ix", [first], workers=1, entities=False)
    built.update([_feed(root / "second.jsonl", 500, 8, "b")], workers=1)
    first.write_text(first.read_text().replace('"oil ', '"gold ', 40))  # replacements delete old docs
    assert built.update([first], workers=1).updated > 0
    return built


def _query(rng: random.Random) -> str:
    def word() -> str:
        picked = rng.choice(WORDS)
        return rng.choice([picked, picked, f"title:{picked}", f"{picked[:3]}*", f"{picked} {picked}"])

    shape = rng.randrange(6)
    words = [word() for _ in range(rng.randint(1, 5))]
    if shape == 0:
        return " ".join(words)
    if shape == 1:
        return " OR ".join(words)
    if shape == 2:
        return f"({' OR '.join(words[:2])}) {' '.join(words[2:])}".strip()
    if shape == 3:
        return " ".join(words) + f" -{rng.choice(WORDS)}"
    if shape == 4:
        return f"{words[0]} ({' OR '.join(words[1:] or ['gold'])})"
    return " ".join(words) + f" date:2020-{rng.randint(1, 12):02d}"


def _exhaustive(cache: Any, query: Any, allowed: set[int] | None, k: int) -> Any:
    ranking.PRUNING, was = False, ranking.PRUNING
    try:
        return ranking.top_scored(cache, query, allowed, k)
    finally:
        ranking.PRUNING = was


def _cases(
    cache: Any, rng: random.Random, filtered: float
) -> Iterator[tuple[str, Any, set[int] | None, int]]:
    """300 random queries, parsed: (text, parsed, allowed docnums, k); a share with a random filter."""
    docnums = sorted(cache._searcher.reader().all_doc_ids())
    for _ in range(300):
        text = _query(rng)
        parsed, compiled = prepare(cache, text, mode="all")
        allowed = compiled.allowed
        if rng.random() < filtered:
            allowed = set(rng.sample(docnums, rng.randint(1, len(docnums)))) & (allowed or set(docnums))
        yield text, parsed, allowed, rng.choice((1, 3, 10, 28, 100))


def test_same_top_k_as_exhaustive_on_random_queries(index: Index) -> None:
    cache = index._snapshot()
    leaves = [reader for reader, _offset in cache._searcher.reader().leaf_readers()]
    assert len(leaves) >= 2 and any(reader.has_deletions() for reader in leaves)
    compared = skipped = 0
    for text, parsed, allowed, k in _cases(cache, random.Random(2024), 0.25):
        expected = _exhaustive(cache, parsed.query, allowed, k)
        if expected is None:
            continue
        cache.forget_term_scores()  # the blocks are scored, not the maps the exhaustive scorer cached
        try:
            counted, partial, best = pruning.pruned_top(cache, parsed.query, allowed, k)
        except pruning.Unprunable:
            continue
        compared += 1
        skipped += partial
        assert [d for d, _ in best] == [d for d, _ in expected[1]], text
        assert [s for _, s in best] == [s for _, s in expected[1]], text  # bit for bit, not just 1e-9
        assert (len(best) <= counted <= expected[0]) if partial else counted == expected[0], text
    assert compared > 200 and skipped > 20  # the pruning was exercised, not just the fallback


def _terms(query: Any) -> list[Any]:
    if isinstance(query, ranking.wq.Term):
        return [query]
    return [term for sub in getattr(query, "subqueries", ()) for term in _terms(sub)]


def test_matched_top_is_the_exhaustive_ranking_with_exact_totals(index: Index) -> None:
    """An AND scored at its matches only: same top k and scores, exact totals, with or without a filter.

    Some of its terms' scores are cached (read from the cache, not the blocks), some not.
    """
    cache = index._snapshot()
    rng = random.Random(99)
    used = filtered = 0
    for text, parsed, allowed, k in _cases(cache, rng, 0.3):
        cache.forget_term_scores()
        for term in _terms(parsed.query):  # some terms' scores cached by an earlier query
            if rng.random() < 0.3:
                ranking._Scorer(cache, None).term(term.fieldname, term.text)
        try:
            got = pruning.matched_top(cache, parsed.query, allowed, k, story_of=lambda d: d // 3)
            found = ranking._Scorer(cache, None).scores(parsed.query)
        except (ranking._Unsupported, pruning.Unprunable):
            continue
        if got is None:
            assert not isinstance(parsed.query, ranking.wq.And)
            continue
        used += 1
        filtered += allowed is not None
        if allowed is not None:
            found = {d: score for d, score in found.items() if d in allowed}
        counted, best = got
        expected = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:k]
        assert best == expected, text  # documents, order and scores bit for bit
        assert counted == len({d // 3 for d in found}), text  # every story counted, exactly
        assert pruning.matched_top(cache, parsed.query, allowed, k) == (len(found), best), text
    assert used > 100 and filtered > 30


def test_block_bounds_hold(index: Index) -> None:
    cache = index._snapshot()
    for word in WORDS:
        for fieldname in ("title", "body"):
            tree = pruning._Tree(cache, ranking.wq.Term(fieldname, word))
            leaf = tree.leaves[0]
            for block in leaf.blocks:
                ids, _weights = pruning._decoded(block)
                docnums = [i + block.segment.offset for i in ids]
                assert all(block.lo <= d <= block.hi for d in docnums)
                scores = [pruning._score(leaf, block, d) for d in docnums]
                live = [i not in block.segment.deleted for i in ids]
                assert [score is not None for score in scores] == live  # deleted ones do not score
                scores = [score for score in scores if score is not None]
                assert max(scores, default=0.0) <= block.bound


def test_sliced_blocks_decode_as_pickle_does(index: Index) -> None:
    sliced = 0
    for segment, _offset in index._snapshot()._searcher.reader().leaf_readers():
        for fieldname, text in segment.all_terms():
            if fieldname not in ("title", "body"):
                continue
            opened = leaf_matcher(segment, fieldname, text)
            assert opened is not None
            matcher = opened[0]
            matcher.reset()
            while matcher.is_active():
                raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
                raw = zlib.decompress(raw) if matcher._compression else raw
                ids, weights, _values = pickle.loads(raw)
                fast = _sliced(raw, matcher._blocklength)
                if fast is not None:
                    sliced += 1
                    assert list(fast[0]) == list(ids)
                    assert fast[1] == weights or list(fast[1]) == list(weights)
                matcher._next_block()
    assert sliced > 10


def test_filtered_search_totals(index: Index) -> None:
    cache = index._snapshot()
    cache.forget_term_scores()
    results = index.search("oil price date:2020-03", limit=3)
    exact = index.count("oil price date:2020-03")
    assert exact == index.search("oil price date:2020-03", limit=0).total
    if results.total_is_lower_bound:
        assert len(results.hits) <= results.total <= exact
    else:
        assert results.total == exact


def test_summary_says_a_lower_bound() -> None:
    bound = SearchResults("oil", 1000, (), total_is_lower_bound=True)
    assert summary_line(bound).startswith("1,000+ matches")
    assert summary_line(SearchResults("oil", 1000, ())).startswith("1000 matches")
