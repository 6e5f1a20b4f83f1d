"""Scoring in arrays must rank exactly as the dictionary scorer and decode postings as Whoosh does."""

from __future__ import annotations

import json
import pickle
import random
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from searchidx import Index, array_scoring, ranking
from searchidx.array_scoring import array_top
from searchidx.models import SearchResults
from searchidx.phrases import PositionReader
from searchidx.postings_arrays import SegmentArrays
from searchidx.render import matches_text, summary_line
from searchidx.search import prepare
from searchidx.snapshot import DatedDocs, SegmentPostings, arrays, as_set
from searchidx.snapshot.postings import _sliced, extent, headers, leaf_matcher, segment_file
from searchidx.stories import Stories

# Zipf-like: a few words in most articles, a tail in few.
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
    root = tmp_path_factory.mktemp("arrays")
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


def _dictionaries(cache: Any, query: Any, allowed: set[int] | None, k: int, stories: Any = None) -> Any:
    ranking.ARRAYS, was = False, ranking.ARRAYS
    try:
        return ranking.top_scored(cache, query, allowed, k, stories=stories)
    finally:
        ranking.ARRAYS = was


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


def test_same_top_k_and_totals_as_the_dictionary_scorer_on_random_queries(index: Index) -> None:
    """Documents, order, scores bit for bit and exact totals (of articles and of stories)."""
    cache = index._snapshot()
    leaves = [reader for reader, _offset in cache._searcher.reader().leaf_readers()]
    assert len(leaves) >= 2 and any(reader.has_deletions() for reader in leaves)
    rng = random.Random(2024)
    heads = [d for d in range(0, cache.doc_count_all(), 3) if rng.random() < 0.5]  # stories of 3 copies
    stories = Stories({d + i: d for d in heads for i in range(3)})
    compared = filtered = negated = 0
    for text, parsed, allowed, k in _cases(cache, rng, 0.25):
        told = stories if rng.random() < 0.5 else None
        expected = _dictionaries(cache, parsed.query, allowed, k, told)
        got = array_top(cache, parsed.query, allowed, k, stories=told)
        if got is None:
            assert "*" in text or expected is None, text  # prefixes expand to ORs: those are scored
            continue
        compared += 1
        filtered += allowed is not None
        negated += " -" in text
        assert got[:2] == expected and got[2], text
    assert compared > 250 and filtered > 50 and negated > 30


def _phrase_query(rng: random.Random) -> str:
    phrase = " ".join(rng.choices(WORDS[:8], k=rng.randint(2, 3)))
    quoted = rng.choice([f'"{phrase}"', f'title:"{phrase}"', f'"{phrase}"'])
    words = " ".join(rng.sample(WORDS, rng.randint(0, 2)))
    shape = rng.randrange(4)
    if shape == 0:
        return f"{quoted} {words}".strip()
    if shape == 1:
        return f'{quoted} OR "{" ".join(rng.choices(WORDS[:6], k=2))}"'
    if shape == 2:
        return f"{quoted} -{rng.choice(WORDS)} {words}".strip()
    return f"{quoted} {words} date:2020-{rng.randint(1, 12):02d}".strip()


@pytest.mark.parametrize(("check_all", "kept"), [(1, True), (3, False), (256, True)])
def test_phrases_rank_as_the_dictionary_scorer_checking_the_best_bounds_first(
    index: Index, check_all: int, kept: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The top k exact (bit for bit); the total exact once every candidate is checked, else a lower bound.

    Positions from the arrays file, or (``kept`` False) from the blocks, as a segment
    written by an older searchidx gives them.
    """
    monkeypatch.setattr(array_scoring, "CHECK_ALL", check_all)
    if not kept:
        monkeypatch.setattr(SegmentArrays, "positions", lambda _self, _field, _term: None)
    cache = index._snapshot()
    rng = random.Random(check_all)
    compared = partial = 0
    for _ in range(120):
        text = _phrase_query(rng)
        parsed, compiled = prepare(cache, text, mode="all")
        k = rng.choice((1, 3, 10, 28))
        expected = _dictionaries(cache, parsed.query, compiled.allowed, k)
        got = array_top(cache, parsed.query, compiled.allowed, k)
        assert got is not None and expected is not None, text
        compared += 1
        assert got[1] == expected[1], text
        if not got[2]:
            partial += 1
            assert len(got[1]) <= got[0] <= expected[0], text  # unchecked ones may all fail
        else:
            assert got[0] == expected[0], text
    assert compared == 120
    assert partial > 20 if check_all < 256 else partial < compared  # some totals are exact


def test_an_empty_filter_or_term_ranks_nothing(index: Index) -> None:
    cache = index._snapshot()
    parsed, _compiled = prepare(cache, "oil", mode="all")
    assert array_top(cache, parsed.query, set(), 10) == (0, [], True)
    parsed, _compiled = prepare(cache, "oil zzzabsent", mode="all")
    assert array_top(cache, parsed.query, None, 10) == (0, [], True)


def text_matchers(index: Index) -> Iterator[tuple[Any, str, bytes, Any]]:
    """``(segment, field, term, block matcher at its start)`` of each title and body term of each segment."""
    for segment, _offset in index._snapshot()._searcher.reader().leaf_readers():
        for fieldname, text in segment.all_terms():
            if fieldname not in ("title", "body"):
                continue
            opened = leaf_matcher(segment, fieldname, text)
            assert opened is not None
            matcher = opened[0]
            matcher.reset()  # a deletion filter over it has already stepped past deleted docnums
            yield segment, fieldname, text, matcher


def _decode_every_term(index: Index) -> tuple[int, int]:
    """Compare each term's arrays with Whoosh's own ids and weights; count the blocks of each layout."""
    common = other_layout = 0
    for _segment, fieldname, text, matcher in text_matchers(index):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        matcher.reset()
        data = bytes(matcher._postfile.get(matcher._startoffset, matcher._length[0]))
        blocks = headers(data)
        for header in blocks:
            if arrays._fronts(data, header) is None:
                other_layout += header.size >= 4
            else:
                common += 1
        got_ids, got_weights = arrays.decode_blocks(data, blocks, bool(matcher._byteids))
        assert got_ids.dtype == np.int64 and got_weights.dtype == np.float64
        assert got_ids.tolist() == ids, (fieldname, text)
        assert got_weights.tolist() == weights, (fieldname, text)
    return common, other_layout


def test_blocks_decode_as_whoosh_reads_them(index: Index) -> None:
    """Every term of every segment: the arrays hold Whoosh's own ids and weights, deleted ones too."""
    common, _other = _decode_every_term(index)
    assert common > 50


def test_a_block_in_another_layout_between_common_ones(tmp_path: Path) -> None:
    """Docnums 300 apart do not fit the one-byte deltas: that block is unpickled, its neighbours not."""
    docs = [*range(128), *range(128, 255), 555, *range(600, 740)]  # blocks of 128 postings each
    texts = [("word " * (1 + i % 3) if i in docs else "other") + "." for i in range(740)]
    rows = [json.dumps({"id": f"d{i}", "title": "t", "text": text}) for i, text in enumerate(texts)]
    (tmp_path / "a.jsonl").write_text("\n".join(rows) + "\n")
    built = Index.build(tmp_path / "ix", [tmp_path / "a.jsonl"], workers=1, entities=False)
    common, other = _decode_every_term(built)
    assert common >= 2 and other >= 1


QUERIES = ["oil", "gold bank", '"oil price"', "oil -gold", "(wheat OR copper) yen", "oil date:2020-03"]


def _results(where: Path) -> list[Any]:
    with Index.open(where) as opened:
        return [[(h.id, h.score) for h in opened.search(q, limit=30).hits] for q in QUERIES]


def test_every_segment_has_an_arrays_file_holding_its_postings(index: Index) -> None:
    """Written with each segment (and each merge), inside its compound file; the blocks' arrays."""
    snapshot = index._snapshot()
    terms = 0
    for leaf, fieldname, btext, matcher in text_matchers(index):
        stored = snapshot._arrays_file(leaf)
        assert stored is not None
        data = extent(matcher)
        ids, weights = arrays.decode_blocks(data, headers(data), bool(matcher._byteids))
        got = stored.get(fieldname, btext)
        assert got is not None and got[0].tolist() == ids.tolist(), btext
        assert got[1].tolist() == weights.tolist(), btext
        assert stored.get("body", b"zzznothere") is None
        assert stored.get("id", b"a1") is None  # only the text fields are kept
        terms += 1
    assert terms > 40
    assert not list(index.path.glob("*.arrays*"))  # assembled into the segments, nothing left beside


def test_a_damaged_arrays_file_is_not_read(index: Index) -> None:
    snapshot = index._snapshot()
    leaves = [leaf for leaf, _offset in snapshot._searcher.reader().leaf_readers()]
    names = [leaf.segment().segment_id() for leaf in leaves]
    good = [bytes(segment_file(leaf, f"{name}.arrays")) for leaf, name in zip(leaves, names, strict=True)]
    assert SegmentArrays.open(memoryview(good[0]), names[0]) is not None
    footer = good[0].rindex(b'{"version"')  # its table, damaged (no checksum covers the postings)
    broken = good[0][:footer] + good[0][footer:].replace(b'"count"', b'"cuont"', 1)
    for damaged in (good[0][:-40], b"\x00" * 4096, broken, b""):
        assert SegmentArrays.open(memoryview(damaged), names[0]) is None
    assert SegmentArrays.open(memoryview(good[1]), names[0]) is None  # another segment's


def test_segments_without_arrays_files_rank_the_same(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    """An index written by an older searchidx: its segments' blocks are decoded instead."""
    expected = _results(index.path)
    monkeypatch.setattr("searchidx.snapshot.searcher.Snapshot._arrays_file", lambda self, leaf: None)
    assert _results(index.path) == expected


@pytest.mark.parametrize("seed", range(5))
def test_stories_count_arrays_as_they_count_sets(seed: int) -> None:
    rng = random.Random(seed)
    members = rng.sample(range(500), 150)
    heads = sorted(rng.sample(members, 40))
    # Each copy maps to its story's first docnum (itself too), as story_groups gives them.
    first = {d: max(h for h in heads if h <= d) for d in members if d >= heads[0]}
    stories = Stories(first)
    for _ in range(20):
        docs = sorted(rng.sample(range(600), rng.randint(0, 300)))
        assert stories.count_array(np.array(docs, dtype=np.int64)) == stories.count(set(docs))
    assert Stories({}).count_array(np.array([3, 4], dtype=np.int64)) == 2


def test_sliced_blocks_decode_as_pickle_does(index: Index) -> None:
    sliced = 0
    for _segment, _fieldname, _text, matcher in text_matchers(index):
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


def test_filtered_search_totals_are_exact(index: Index) -> None:
    cache = index._snapshot()
    cache.forget_term_scores()
    results = index.search("oil price date:2020-03", limit=3)
    assert not results.total_is_lower_bound
    assert (
        results.total
        == index.count("oil price date:2020-03")
        == index.search("oil price date:2020-03", limit=0).total
    )


def test_summary_says_a_lower_bound() -> None:
    bound = SearchResults("oil", 1000, (), total_is_lower_bound=True)
    assert summary_line(bound).startswith("1,000+ matches")
    assert matches_text(bound) == "1,000+ matches"  # the TUI's status line says it the same way
    assert matches_text(SearchResults("oil", 1, ())) == "1 match"
    assert summary_line(SearchResults("oil", 1000, ())).startswith("1000 matches")


def test_a_date_window_makes_no_set_until_asked() -> None:
    window = DatedDocs(array("q", [5, 3, 9]))
    assert len(window) == 3 and window._members is None and bool(window)
    assert sorted(window) == [3, 5, 9] and window._members is None  # iterating reads the column
    assert {3, 4, 9} & window == {3, 9} == window & {3, 4, 9}
    assert 5 in window and 4 not in window
    for result in (window | {1}, window - {3}, window ^ {3, 4}, {3, 4} - window):
        assert type(result) is set
    assert window | {1} == {1, 3, 5, 9} and window - {3} == {5, 9} and {3, 4} - window == {4}
    copy = as_set(window)
    copy.add(99)
    assert 99 not in window and len(window) == 3  # what it hands out is a copy
    assert as_set(frozenset({1})) == {1}


@pytest.mark.parametrize("kept", [False, True], ids=["from blocks", "from the arrays file"])
def test_a_phrase_checked_in_batches_decodes_each_block_once(
    index: Index, kept: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks are decoded once each; none at all where the arrays file keeps the positions."""
    if not kept:
        monkeypatch.setattr(SegmentArrays, "positions", lambda _self, _field, _term: None)
    decoded: list[tuple[str, bytes, int, int]] = []
    values = SegmentPostings.values

    def counted(self: SegmentPostings, header: Any) -> tuple[list[int], tuple[bytes, ...]]:
        decoded.append((self.fieldname, self.btext, self.offset, header.start))
        return values(self, header)

    monkeypatch.setattr(SegmentPostings, "values", counted)
    monkeypatch.setattr(array_scoring, "CHECK_ALL", 1)
    cache = index._snapshot()
    parsed, compiled = prepare(cache, '"oil crude"', mode="all")
    assert array_top(cache, parsed.query, compiled.allowed, 200) is not None
    if kept:
        assert decoded == []
    else:
        assert len(decoded) > 4 and len(decoded) == len(set(decoded))


def test_positions_in_the_arrays_file_are_the_blocks_positions(
    index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = index._snapshot()
    words = [w for w in WORDS if cache.term_postings("body", w).segments][:6]
    everything = sorted(range(cache.doc_count_all()))
    kept = {}
    for word in words:
        kept[word] = PositionReader(cache).positions("body", word, _holding(cache, word, everything))
    monkeypatch.setattr(SegmentArrays, "positions", lambda _self, _field, _term: None)
    for word in words:
        from_blocks = PositionReader(cache).positions("body", word, _holding(cache, word, everything))
        assert kept[word] == from_blocks and len(from_blocks) > 3, word
        assert all(positions == sorted(positions) and positions for positions in from_blocks.values())


def _holding(cache: Any, word: str, docnums: list[int]) -> list[int]:
    holding = set()
    for segment in cache.term_postings("body", word).segments:
        for header in segment.headers():
            ids, _values = segment.values(header)
            holding.update(segment.offset + i for i in ids)
    return [d for d in docnums if d in holding]


def test_counts_from_the_arrays_are_whooshs_counts(index: Index) -> None:
    """A count (``limit=0``) from the score arrays: the matches Whoosh's matchers find, or their stories."""
    cache = index._snapshot()
    rng = random.Random(77)
    heads = [d for d in range(0, cache.doc_count_all(), 3) if rng.random() < 0.5]
    stories = Stories({d + i: d for d in heads for i in range(3)})
    counted = 0
    for _text, parsed, allowed, _k in _cases(cache, rng, 0.25):
        told = stories if rng.random() < 0.5 else None
        got = ranking.array_count(cache, parsed.query, allowed, None, told)
        if got is None:
            continue  # not scored in arrays, or a phrase whose count is not exact there
        docs = cache.docset(parsed.query)
        docs = docs if allowed is None else docs & allowed
        assert got == (len(docs) if told is None else told.count(docs)), _text
        counted += 1
    assert counted > 200
