from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from searchidx import Filters, Index, QueryError, SearchOptionError


def highlighted(text: str, spans) -> list[str]:  # type: ignore[no-untyped-def]
    return [text[s.start : s.end] for s in spans]


def test_ceasefire_on_seeds_is_ranked_and_highlighted(seeds_index: Index) -> None:
    results = seeds_index.search("ceasefire")
    assert results.total == 5
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True)
    for hit in results.hits:
        words = highlighted(hit.snippet, hit.snippet_spans)
        assert words and all(w.lower().replace("-", "") == "ceasefire" for w in words), words
    # cease-fire in the 2020-02-06 article matches the closed form
    assert "cease-fire" in {w for h in results.hits for w in highlighted(h.snippet, h.snippet_spans)}


@pytest.mark.parametrize(
    ("query", "also"),
    [("Çavuşoğlu", "Cavusoglu"), ("Erdoğan", "erdogan"), ("Syria´s", "syria"), ("cease-fire", "ceasefire")],
)
def test_variants_find_the_same_articles(seeds_index: Index, query: str, also: str) -> None:
    a = {h.id for h in seeds_index.search(query, limit=50).hits}
    b = {h.id for h in seeds_index.search(also, limit=50).hits}
    assert a == b and a


def test_diacritic_highlight_in_original_spelling(seeds_index: Index) -> None:
    hits = seeds_index.search("cavusoglu", limit=10).hits
    words = {w for h in hits for w in highlighted(h.snippet, h.snippet_spans)}
    assert {"Çavuşoğlu", "Cavusoglu"} <= words


def test_stemmed_matches_highlighted(seeds_index: Index) -> None:
    hits = seeds_index.search("negotiation").hits
    assert hits and "negotiations" in highlighted(hits[0].snippet, hits[0].snippet_spans)


def test_title_spans(seeds_index: Index) -> None:
    hit = seeds_index.search("title:putin").hits[0]
    assert highlighted(hit.title, hit.title_spans) == ["Putin"]


def test_phrase_and_boolean(seeds_index: Index) -> None:
    assert seeds_index.search('"black sea"').total == 1
    assert seeds_index.search('"sea black"').total == 0
    both = seeds_index.search("sochi OR tehran").total
    assert both >= seeds_index.search("sochi").total
    assert seeds_index.search("idlib -sochi").total == 5 - seeds_index.search("idlib sochi").total


def test_dates_filter_and_sort(seeds_index: Index) -> None:
    dated = seeds_index.search("idlib date:2019..", limit=10)
    assert dated.total == 2
    assert all(h.date and h.date.year >= 2019 for h in dated.hits)
    assert seeds_index.search("idlib", filters=Filters(since="2019-12-24", until="2019-12-24")).total == 1
    assert seeds_index.search("idlib", filters=Filters(until=dt.date(2018, 12, 31))).total == 1
    newest = seeds_index.search("idlib", sort="newest").hits
    assert [h.date.year if h.date else None for h in newest] == [2020, 2019, 2018, None, None]
    oldest = seeds_index.search("idlib", sort="oldest").hits
    assert [h.date.year if h.date else None for h in oldest][:3] == [2018, 2019, 2020]


def test_paging(seeds_index: Index) -> None:
    everything = [h.id for h in seeds_index.search("idlib", limit=5).hits]
    page = seeds_index.search("idlib", limit=2, offset=2)
    assert [h.id for h in page.hits] == everything[2:4]
    assert [h.rank for h in page.hits] == [3, 4]


def test_any_mode_finds_partial_matches(seeds_index: Index) -> None:
    assert seeds_index.search("sochi volcano").total == 0
    results = seeds_index.search("sochi volcano", mode="any")
    assert results.total == 2


def test_suggestion_for_misspelling(seeds_index: Index) -> None:
    results = seeds_index.search("ceasfire")
    assert results.total == 0 and results.suggestion == "ceasefire"
    assert seeds_index.search("ceasefire").suggestion is None


def test_prefix_and_fuzzy(seeds_index: Index) -> None:
    assert seeds_index.search("negotia*").total >= 1
    assert seeds_index.search("kremlin~").total == seeds_index.search("kremlin").total


def test_a_prefix_ranks_the_word_itself_first(tmp_path: Path) -> None:
    """Issue 12: typing "oil" (the TUI searches "oil*") never reorders what Enter ("oil") gives."""
    src = tmp_path / "src"
    src.mkdir()
    bodies = [f"Oil prices rose {i} times." + " Markets were calm." * i for i in range(6)]
    bodies += ["The oilman oilman oilman spoke.", "Oilmen gathered in Texas for the oilman fair."]
    lines = [json.dumps({"id": f"d{i}", "title": f"Story {i}", "text": b}) for i, b in enumerate(bodies)]
    (src / "news.jsonl").write_text("\n".join(lines), encoding="utf-8")
    with Index.build(tmp_path / "ix", [src], entities=False, workers=1) as index:
        word = [h.id for h in index.search("oil", limit=20).hits]
        typed = [h.id for h in index.search("oil*", limit=20).hits]
        assert len(word) == 6 and typed[:6] == word and set(typed[6:]) == {"d6", "d7"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ix: ix.search("idlib", sort="random"), "unknown sort 'random'"),
        (lambda ix: ix.search("idlib", mode="some"), "unknown mode 'some'"),
        (lambda ix: ix.search("idlib", limit=-1), "limit must be zero or more"),
        (lambda ix: ix.search("idlib", offset=-2), "offset must be zero or more"),
        (lambda ix: ix.search("idlib*", prefix_terms=-1), "prefix_terms must be zero or more"),
        (lambda ix: ix.count("idlib", mode="some"), "unknown mode 'some'"),
        (lambda ix: ix.facets("", mode="some"), "unknown mode 'some'"),
        (lambda ix: ix.facets("idlib", limit=-1), "limit must be zero or more"),
    ],
)
def test_bad_options_are_option_errors_not_query_errors(
    seeds_index: Index, call: Callable[[Index], object], message: str
) -> None:
    with pytest.raises(SearchOptionError, match=message) as caught:
        call(seeds_index)
    assert not isinstance(caught.value, QueryError) and isinstance(caught.value, ValueError)


def test_a_bad_date_filter_is_a_query_error(seeds_index: Index) -> None:
    with pytest.raises(QueryError, match="bad date"):
        seeds_index.search("idlib", filters=Filters(since="yesterday"))


def test_hits_are_frozen_and_detached(seeds_index: Index) -> None:
    hit = seeds_index.search("idlib").hits[0]
    with pytest.raises(AttributeError):
        hit.title = "x"  # type: ignore[misc]
    assert hit.to_dict()["id"] == hit.id
    # Really immutable and hashable: the entity map too, and every value the API returns.
    with pytest.raises(TypeError):
        hit.entities["person"] = ("x",)  # type: ignore[index]
    assert hash(hit) == hash(seeds_index.search("idlib").hits[0])
    document = seeds_index.document(hit.id)
    assert document is not None and hash(document) and dict(document.entities) == dict(hit.entities)
    stats = seeds_index.stats()
    assert hash(stats) and hash(seeds_index.facets("idlib"))
    with pytest.raises(TypeError):
        stats.versions["schema"] = "0"  # type: ignore[index]


def test_total_is_exact_with_small_limit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    feed = tmp_path / "many.jsonl"
    rows = []
    for i in range(300):
        words = "alpha " * (1 + i % 7) + ("beta " * (i % 5) if i % 3 == 0 else "")
        rows.append(f'{{"id": "d{i}", "title": "t{i}", "text": "{words} filler{i}"}}')
    feed.write_text("\n".join(rows))
    with Index.build(tmp_path / "ix", [feed]) as index:
        for query, expected in (("alpha", 300), ("alpha OR beta", 300), ("alpha beta", 80)):
            results = index.search(query, limit=1)
            assert results.total == expected, query
            assert index.search(query, limit=0).total == expected


def test_should_stop_cancels_a_search(seeds_index: Index) -> None:
    import sys

    from searchidx import SearchCancelled

    # Plain words (searchidx's own scorer), a phrase (Whoosh's collector) and a phrase under a
    # date filter (Whoosh's FilterCollector): each is cancelled while matching, not after it.
    for query in ("idlib", '"idlib province"', '"idlib province" date:2018..'):
        asked_by: list[str] = []

        def stop(asked_by: list[str] = asked_by) -> bool:
            asked_by.append(sys._getframe(1).f_code.co_name)
            return True

        with pytest.raises(SearchCancelled):
            seeds_index.search(query, should_stop=stop)
        assert asked_by[0] in ("term", "matches"), (query, asked_by)  # the matching loops ask first
        assert seeds_index.search(query, should_stop=lambda: False).total >= 1
    with pytest.raises(SearchCancelled):
        seeds_index.facets("idlib", should_stop=lambda: True)
    assert seeds_index.facets("idlib", should_stop=lambda: False).total >= 1


def test_a_name_is_shown_as_the_collection_writes_it_most_in_hits_and_facets(seeds_index: Index) -> None:
    # The one article that writes "Bashar Assad"; the others write "Bashar al-Assad".
    query = '"munich security conference"'
    [hit] = seeds_index.search(query).hits
    assert "Bashar al-Assad" in hit.entities["person"] and "Bashar Assad" not in hit.entities["person"]
    people = {value.name for value in seeds_index.facets(query).people}
    assert "Bashar al-Assad" in people and "Bashar Assad" not in people
