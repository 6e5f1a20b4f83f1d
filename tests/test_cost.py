"""Every query has a bounded cost: expensive shapes are answered fast or refused by the planner.

The bound is CPU time (``time.process_time``), not wall time. The budget is
shrunk for the tiny fixture index so that the limits are reached here too.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchidx import Index, QueryError
from searchidx.cost import MAX_COMPOUND_PARTS, MAX_FUZZY_WORDS, MAX_PHRASE_WORDS, fold
from searchidx.query import parse

WORDS = ["oil", "price", "opec", "bank", "gold", "rate", "trade", "japan", "merger", "share", "crude", "tax"]
WORD = st.sampled_from(WORDS)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    from tests.test_ranking import _feed

    root = tmp_path_factory.mktemp("cost")
    return Index.build(root / "ix", [_feed(root / "a.jsonl", 300, 1, "a")], workers=1, entities=False)


def _shape(kind: str, words: list[str], n: int) -> tuple[str, str]:
    picked = [words[i % len(words)] for i in range(n)]
    if kind == "fuzzy":
        return " ".join(f"{w}~2" for w in picked), "all"
    if kind == "phrase":
        return '"' + " ".join(picked) + '"', "all"
    if kind == "phrases":
        return " OR ".join(f'"{a} {b}"' for a, b in zip(picked, picked[1:] + picked[:1], strict=True)), "all"
    if kind == "prefixes":
        return " OR ".join(f"{w[:3]}{'x' * (i // len(words))}*" for i, w in enumerate(picked)), "all"
    if kind == "compound":
        return "-".join(picked), "all"
    if kind == "any":
        return " ".join(picked), "any"
    return (" OR " if kind == "or" else " ").join(picked), "all"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    kind=st.sampled_from(["fuzzy", "phrase", "phrases", "prefixes", "compound", "any", "or", "and"]),
    words=st.lists(WORD, min_size=1, max_size=6),
    n=st.integers(1, 1000),
)
def test_expensive_shapes_are_fast_or_refused(
    index: Index, monkeypatch: pytest.MonkeyPatch, kind: str, words: list[str], n: int
) -> None:
    monkeypatch.setattr("searchidx.cost.BUDGET", 20_000)
    text, mode = _shape(kind, words, n)
    text = text[:4096]
    started = time.process_time()
    try:
        index.search(text, mode=mode, limit=10)  # type: ignore[arg-type]
    except QueryError as exc:
        assert exc.position is not None and str(exc).startswith("invalid query at column")
    assert time.process_time() - started < 0.5, text[:200]


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        (
            " ".join(f"{w}~2" for w in WORDS[: MAX_FUZZY_WORDS + 1]),
            1 + sum(len(w) + 3 for w in WORDS[:MAX_FUZZY_WORDS]),
            "too many fuzzy words",
        ),
        ('x "' + " ".join(["oil"] * (MAX_PHRASE_WORDS + 1)) + '"', 3, "phrase too long"),
        ("x " + "-".join(["oil"] * (MAX_COMPOUND_PARTS + 1)), 3, "too many parts"),
        (
            " OR ".join(f"{w[:3]}{'q' * i}*" for i, w in enumerate(WORDS * 2))[:4000],
            None,
            "too many prefixes",
        ),
    ],
)
def test_limits_name_the_part_and_the_fix(text: str, column: int | None, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    assert fragment in str(info.value)
    if column is not None:
        assert info.value.column == column


def test_budget_names_the_costliest_part(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("searchidx.cost.BUDGET", 1_000)
    with pytest.raises(QueryError) as info:
        index.search("zzz OR oil~2 OR tax")
    assert "too expensive" in str(info.value) and "~1" in str(info.value)
    assert info.value.column == 8


def test_repeated_clauses_are_folded_with_the_same_scores(
    index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = parse("oil oil price oil (gold OR gold) -tax -tax").query
    assert str(query).count("oil") == 2 and str(query).count("gold") == 2 and str(query).count("tax") == 2
    folded = [(h.id, h.score) for h in index.search("oil oil price oil", limit=50).hits]
    monkeypatch.setattr("searchidx.query.fold", lambda q: q)
    plain = [(h.id, h.score) for h in index.search("oil oil price oil", limit=50).hits]
    assert [d for d, _ in folded] == [d for d, _ in plain]
    assert [s for _, s in folded] == pytest.approx([s for _, s in plain], rel=1e-12)
    assert fold(parse("said " * 256).query).boost == 256.0


def test_many_repeats_cost_one(index: Index) -> None:
    started = time.process_time()
    index.search(" ".join(["oil~2"] * 64))
    index.search(" OR ".join(['"oil price"'] * 200))
    assert time.process_time() - started < 0.5


def test_a_phrase_costs_what_its_rarest_word_lets_through() -> None:
    from whoosh import query as wq

    from searchidx.cost import query_cost

    counts = {"candlewood": 16, "bank": 16_844, "money": 4_280, "market": 16_992}

    def cost(*words: str) -> float:
        return query_cost(wq.Phrase("body", list(words)), lambda _f, w: counts[w], 76_172)[0]

    # Positions are compared only where every word occurs: a rare word makes a common one cheap.
    assert cost("candlewood", "bank") < cost("money", "market") / 2
    assert cost("candlewood", "bank") < 40_000 and cost("money", "market") > 40_000
    assert cost("money", "market", "bank") > cost("money", "market")


def test_a_query_scored_in_arrays_costs_a_fraction_where_every_segment_keeps_positions() -> None:
    from whoosh import query as wq

    from searchidx.cost import ARRAY_SCALE, ARRAYS_FROM, query_cost

    counts = {"oil": ARRAYS_FROM // 2, "price": ARRAYS_FROM // 2, "gold": 40}
    asked: list[bool] = []

    def cost(query: wq.Query, kept: bool) -> float:
        def arrays() -> bool:
            asked.append(kept)
            return kept

        return query_cost(query, lambda _f, w: counts[w], 10**6, arrays=arrays)[0]

    big = wq.And([wq.Term("body", "oil"), wq.Term("body", "price")])
    assert cost(big, True) == pytest.approx(cost(big, False) * ARRAY_SCALE)
    phrase = wq.Or([wq.Phrase("body", ["oil", "price"]), wq.Term("title", "gold")])
    assert cost(phrase, True) == pytest.approx(cost(phrase, False) * ARRAY_SCALE)
    asked.clear()
    small = wq.And([wq.Term("body", "gold"), wq.Term("body", "gold")])
    assert cost(small, True) == cost(small, False) and asked == []  # not asked: NumPy stays unloaded
    scored_by_whoosh = [
        wq.Or([wq.Term("body", "oil"), wq.Term("body", "price")], scale=0.9),  # --any's coordination
        wq.And([wq.Term("body", "oil"), wq.Term("body", "price"), wq.Prefix("body", "go")]),
        wq.Phrase("body", ["oil", "price"], slop=2),
    ]
    for query in scored_by_whoosh:
        assert cost(query, True) == cost(query, False), query


def test_an_index_keeps_positions_unless_a_segment_has_none(
    index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchidx.postings_arrays import SegmentArrays
    from searchidx.snapshot import Snapshot

    snapshot = index._snapshot()
    assert snapshot.keeps_positions()
    opened = Snapshot._arrays_file

    def version_2(self: Snapshot, leaf: object) -> SegmentArrays:
        found = opened(self, leaf)
        assert found is not None
        return SegmentArrays(found._buffer, found._fields, positions=False)

    monkeypatch.setattr(Snapshot, "_arrays_file", version_2)
    assert not snapshot.keeps_positions()
    monkeypatch.setattr("searchidx.snapshot.searcher.Snapshot._arrays_file", lambda _self, _leaf: None)
    assert not snapshot.keeps_positions()


def test_only_a_page_ranked_by_relevance_gets_the_array_prices(
    index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counts, date sorts and facets read Whoosh's matchers: they pay the full price (a review found
    `count` of a phrase running 2.6 s under the discounted bound)."""
    from whoosh import query as wq

    from searchidx.cost import query_cost

    monkeypatch.setattr("searchidx.cost.ARRAYS_FROM", 10)
    text, words = '"oil price" tax', "oil price tax"
    frequency = index._snapshot().field_frequency
    full = query_cost(parse(words).query, frequency, 300)[0]
    assert query_cost(parse(text).query, frequency, 300)[0] >= full
    monkeypatch.setattr("searchidx.cost.BUDGET", full * 0.5)  # under the full prices, over a tenth of them
    assert index.search(text, limit=10).hits is not None  # ranked in arrays: allowed
    assert index.count(words) >= 0  # a count of words from the arrays: allowed too
    for refused in (
        lambda: index.count(text),  # a phrase's count may need Whoosh's matchers
        lambda: index.search(text, limit=10, sort="newest"),
        lambda: index.facets(text),
        lambda: index.search(words, limit=10, sort="newest"),
    ):
        with pytest.raises(QueryError, match="too expensive"):
            refused()
    # a NOT phrase's documents come from Whoosh's matchers too
    words = {"oil": 50, "price": 50, "tax": 50}
    negated = wq.And([wq.Term("body", "tax"), wq.Not(wq.Phrase("body", ["oil", "price"]))])
    counts = lambda _f, w: words[w]  # noqa: E731
    assert query_cost(negated, counts, 300, arrays=lambda: True) == query_cost(negated, counts, 300)
