"""The Filters value, its one compiler, and the deprecated filter keywords it replaces."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
import warnings

import pytest

import searchidx
from searchidx import Filters, Index, Mode, QueryError, SearchResults, Sort
from searchidx.filters import MODES, SORTS, compile_filters
from searchidx.search import prepare


def _same(a: SearchResults, b: SearchResults) -> bool:
    return (a.total, [h.id for h in a.hits], a.notes, a.suggestion) == (
        b.total,
        [h.id for h in b.hits],
        b.notes,
        b.suggestion,
    )


# ---- the value ---------------------------------------------------------------------------------


def test_filters_are_immutable() -> None:
    filters = Filters(people=["putin"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        filters.people = ("erdogan",)  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        filters.colour = "red"  # type: ignore[attr-defined]  # slots: no new attributes
    assert not hasattr(filters, "__dict__")
    assert isinstance(filters.people, tuple)


def test_names_are_normalised_to_tuples_in_order_each_once() -> None:
    filters = Filters(people=["putin", "erdogan", "putin"], places=(p for p in ["idlib"]), orgs={"nato": 1})
    assert filters.people == ("putin", "erdogan")
    assert filters.places == ("idlib",)
    assert filters.orgs == ("nato",)
    assert filters.entities() == (
        ("person", "putin"),
        ("person", "erdogan"),
        ("place", "idlib"),
        ("org", "nato"),
    )
    assert dataclasses.replace(filters, people=["sochi"]).people == ("sochi",)  # replace normalises too


def test_equal_filters_hash_equal_whatever_sequence_they_came_from() -> None:
    a = Filters(since="2019", until=dt.date(2020, 1, 31), people=["putin"], orgs=("nato",))
    b = Filters(since="2019", until=dt.date(2020, 1, 31), people=("putin",), orgs=["nato"])
    assert a == b and hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert Filters(people=["putin"]) != Filters(places=["putin"])
    assert len({Filters(), Filters(), Filters(since="2019")}) == 2


def test_bad_values_are_type_errors() -> None:
    with pytest.raises(TypeError, match=r"people=\('putin',\) for one name"):
        Filters(people="putin")  # a bare string is not a list of one-letter names
    with pytest.raises(TypeError, match="names"):
        Filters(orgs=["nato", 7])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="since"):
        Filters(since=2019)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Filters("2019")  # type: ignore[misc]  # keywords only: Filters(since=..., until=...)


def test_is_empty() -> None:
    assert Filters().is_empty
    assert not Filters(since="2019").is_empty
    assert not Filters(until=dt.datetime(2020, 1, 1)).is_empty
    assert not Filters(orgs=["nato"]).is_empty
    assert Filters(people=[]).is_empty


def test_public_names() -> None:
    assert {"Filters", "Sort", "Mode"} <= set(searchidx.__all__)
    assert typing.get_args(Sort) == SORTS == ("relevance", "newest", "oldest")
    assert typing.get_args(Mode) == MODES == ("all", "any")


# ---- the same answers as the old keywords -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "keywords"),
    [
        ("idlib", {"since": "2019-12-24", "until": "2019-12-24"}),
        ("idlib", {"until": dt.date(2018, 12, 31)}),
        ("*", {"since": "2019"}),
        ("ceasefire", {"people": ["NoSuchName"], "places": ["Lost Atlantis"]}),
        ("ceasefire", {}),
    ],
)
def test_search_with_filters_equals_search_with_keywords(
    seeds_index: Index, query: str, keywords: dict[str, typing.Any]
) -> None:
    new = seeds_index.search(query, filters=Filters(**keywords), limit=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = seeds_index.search(query, limit=50, **keywords)
        assert seeds_index.count(query, **keywords) == new.total
    assert _same(new, old)


def test_entity_filters_and_facets_equal_the_keywords(entity_index: Index) -> None:
    cases: list[tuple[str, dict[str, typing.Any]]] = [
        ("moscow", {"people": ["putin"]}),
        ("*", {"people": ["erdogan"], "places": ["sochi"]}),
        ("*", {"orgs": ["nato"]}),
        ("*", {"places": ["moscow"], "since": "2020"}),
        ("*", {"people": ["putin"], "until": "2019"}),
    ]
    for query, keywords in cases:
        filters = Filters(**keywords)
        new = entity_index.search(query, filters=filters)
        facets = entity_index.facets(query, filters=filters)
        with pytest.warns(DeprecationWarning):
            old = entity_index.search(query, **keywords)
        with pytest.warns(DeprecationWarning):
            assert entity_index.facets(query, **keywords) == facets
        assert _same(new, old) and new.total > 0, (query, keywords)
        assert facets.total == new.total
    assert {h.id for h in entity_index.search("*", filters=Filters(people=["putin"])).hits} == {
        "a.txt",
        "b.txt",
    }


# ---- the deprecated keywords ---------------------------------------------------------------------


def test_old_keywords_warn_once_at_the_callers_line(seeds_index: Index) -> None:
    with pytest.warns(DeprecationWarning, match=r"search\(since=, until=\.\.\.\) is deprecated") as caught:
        seeds_index.search("idlib", since="2019", until="2020")
    assert len(caught) == 1 and caught[0].filename == __file__
    assert "filters=Filters(since=, until=...)" in str(caught[0].message)
    with pytest.warns(DeprecationWarning, match=r"facets\(people=\.\.\.\)"):
        seeds_index.facets("idlib", people=["erdogan"])
    with pytest.warns(DeprecationWarning, match=r"count\(places=\.\.\.\)") as counted:
        seeds_index.count("idlib", places=["idlib"])
    assert len(counted) == 1 and counted[0].filename == __file__


def test_filters_and_plain_calls_do_not_warn(seeds_index: Index) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seeds_index.search("idlib", filters=Filters(since="2019"))
        seeds_index.search("idlib")
        seeds_index.facets("idlib", filters=Filters(until="2020"))
        seeds_index.count("idlib", filters=Filters(until="2020"))


def test_mixing_filters_and_old_keywords_is_a_type_error(seeds_index: Index) -> None:
    with pytest.raises(
        TypeError, match=r"filters=Filters\(\.\.\.\) or the deprecated since= keywords, not both"
    ):
        seeds_index.search("idlib", filters=Filters(until="2020"), since="2019")
    with pytest.raises(TypeError, match="not both"):
        seeds_index.facets("idlib", filters=Filters(), people=["erdogan"])
    with pytest.raises(TypeError, match="unexpected keyword argument 'limt'"):
        seeds_index.search("idlib", limt=3)  # type: ignore[call-arg]


# ---- the compiler --------------------------------------------------------------------------------


def test_compile_joins_the_querys_dates_with_the_filters(seeds_index: Index) -> None:
    cache = seeds_index._snapshot()
    parsed, compiled = prepare(cache, "idlib date:2019..", mode="all", filters=Filters(until="2019-12"))
    assert compiled.dates is not None and compiled.dates.label() == "2019-01-01..2019-12-31"
    assert compiled.allowed == cache.dates.docs_in(compiled.dates)
    assert compile_filters(cache, "idlib", parsed, Filters()).dates is not None  # the query's own
    with pytest.raises(QueryError, match="no day in common"):
        prepare(cache, "idlib date:2019", mode="all", filters=Filters(since="2020"))
    with pytest.raises(QueryError, match="empty date range"):
        prepare(cache, "idlib", mode="all", filters=Filters(since="2020", until="2019"))
    with pytest.raises(QueryError, match="bad date"):
        prepare(cache, "idlib", mode="all", filters=Filters(since="yesterday"))


def test_compile_adds_the_filters_entities_after_the_querys(entity_index: Index) -> None:
    cache = entity_index._snapshot()
    _parsed, compiled = prepare(
        cache, "person:erdogan", mode="all", filters=Filters(places=["sochi"], orgs=["nato"])
    )
    shown = [str(q) for q in compiled.entities]  # nato is stored under its canonical name
    assert shown == ["person:erdogan", "place:sochi", 'org:"north atlantic treaty organization"']
    assert compiled.dates is None and compiled.allowed is not None and len(compiled.allowed) == 1
    _, none = prepare(cache, "person:erdogan", mode="all", filters=Filters(places=["moscow"]))
    assert none.allowed == set()
    _, unfiltered = prepare(cache, "moscow", mode="all")
    assert unfiltered.allowed is None and unfiltered.entities == ()


class _Snapshot:
    """Just what entity filters read: postings by (field, words), aliases, each article's entities."""

    entities = True
    postings: typing.ClassVar[dict[tuple[str, tuple[str, ...]], set[int]]] = {
        ("person", ("reagan",)): {1, 4},  # Ronald Reagan, Nancy Reagan
        ("person", ("ronald", "reagan")): {1},
        ("org", ("reagan",)): {2, 3},  # "Reagan" (tagged an organisation), "Reagan Administration"
    }
    rows: typing.ClassVar[dict[int, list[tuple[str, str, str]]]] = {
        2: [("org", "reagan", "Reagan")],
        3: [("org", "reagan administration", "Reagan Administration")],
    }

    def docset(self, query: typing.Any) -> set[int]:
        from whoosh import query as wq

        if isinstance(query, wq.Every):
            return {1, 2, 3, 4, 5}
        if isinstance(query, wq.Or):
            return set().union(*(self.docset(q) for q in query.subqueries))
        words = tuple(query.words) if isinstance(query, wq.Phrase) else (query.text,)
        return set(self.postings.get((query.fieldname, words), set()))

    def entity_aliases(self) -> dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]]:
        return {("person", ("reagan",)): [("person", "ronald reagan"), ("org", "reagan")]}

    def entity_row(self, doc: int) -> list[tuple[str, str, str]]:
        return self.rows.get(doc, [])


def test_an_alias_of_another_type_counts_only_as_a_whole_name() -> None:
    from whoosh import query as wq

    from searchidx.filters import entity_docs

    snapshot: typing.Any = _Snapshot()
    reagan = wq.Term("person", "reagan")
    # The organisation "Reagan" is the person's alias; "Reagan Administration" is not.
    assert entity_docs(reagan, snapshot) == {1, 2, 4}
    assert entity_docs(wq.Not(reagan), snapshot) == {3, 5}
    assert entity_docs(wq.And([reagan, wq.Term("person", "reagan")]), snapshot) == {1, 2, 4}
