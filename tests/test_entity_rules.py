"""Rules after tagging (issue 11): boilerplate, generic words, whole company names, one name per entity."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx.cache import SearchCache
from searchidx.entities.cleanup import alias, clean_mentions, company_roots, title_mentions
from searchidx.models import Entity
from searchidx.query import entity_query


def mention(text: str, label: str, body: str = "") -> Entity:
    start = body.find(text) if body else 0
    return Entity(text, label, start, start + len(text))


def test_boilerplate_generic_words_and_table_labels_are_no_entities() -> None:
    found = clean_mentions(
        [
            mention("NOTE", "org"),
            mention("REUTER", "org"),
            mention("QTR NET", "org"),
            mention("Bank", "place"),
            mention("House", "org"),
            mention("GDP", "org"),
            mention("Paris", "place"),
        ]
    )
    assert [(e.text, e.label) for e in found] == [("Paris", "place")]


def test_currency_tails_go_and_aliases_give_one_name() -> None:
    found = clean_mentions([mention("U.S. Dlrs", "place"), mention("USA", "org"), mention("IMF", "person")])
    assert [(e.text, e.label) for e in found] == [
        ("United States", "place"),
        ("United States", "place"),
        ("International Monetary Fund", "org"),
    ]
    assert alias("U.S.") == alias("united states") == ("place", "United States")


def test_company_names_stay_whole_and_take_the_org_type() -> None:
    body = "Shares of American Motors Corp rose, Standard and Poor's Corp said, and Merrill Lynch Capital"
    body += " Markets"
    found = clean_mentions(
        [
            mention("American", "place", body),
            mention("Motors Corp", "person", body),
            mention("Poor's Corp", "org", body),
            mention("Merrill Lynch Capital Markets", "person", body),
        ],
        body + ".",
    )
    assert [(e.text, e.label) for e in found] == [
        ("American Motors Corp", "org"),
        ("Standard and Poor's Corp", "org"),
        ("Merrill Lynch Capital Markets", "org"),
    ]


def test_headline_mentions_count_only_when_the_body_names_them() -> None:
    body = [mention("Argentina", "place"), mention("European Community", "org")]
    title = clean_mentions(
        [mention("EC", "org"), mention("AGREES TRADE", "org"), mention("Argentina", "place")]
    )
    assert [e.text for e in title_mentions(title, body)] == ["European Community", "Argentina"]


def test_a_name_that_begins_a_company_is_an_org_across_the_collection() -> None:
    class Stub:
        _labels = None
        entity_rows = staticmethod(
            lambda: {
                1: [("person", "merrill lynch", "Merrill Lynch")],
                2: [("person", "merrill lynch", "Merrill Lynch")],
                3: [("org", "merrill lynch capital markets", "Merrill Lynch Capital Markets")],
                4: [("person", "ronald reagan", "Ronald Reagan"), ("org", "ronald reagan", "Ronald Reagan")],
                5: [("person", "ronald reagan", "Ronald Reagan")],
                6: [("place", "new york", "New York"), ("org", "new york times co", "New York Times Co")],
            }
        )

    voted = SearchCache.voted_labels(Stub())  # type: ignore[arg-type]
    assert voted["merrill lynch"] == "org" and voted["ronald reagan"] == "person"
    assert voted["new york"] == "place"  # begins "New York Times Co", still a place
    assert "merrill lynch" in company_roots(["merrill lynch capital markets"])
    assert not company_roots(["merrill lynch"])  # no company word: no roots


def test_place_filters_find_every_alias() -> None:
    assert str(entity_query("place", "US")) == str(entity_query("place", "United States"))
    assert str(entity_query("person", "US")) != str(entity_query("place", "US"))  # only for its type


def test_query_filters_use_the_canonical_name() -> None:
    from searchidx.query import parse

    assert str(parse("oil place:us").filters) == str(parse('oil place:"united states"').filters)
    assert str(parse("oil org:IMF").filters) == str(parse('oil org:"international monetary fund"').filters)
    assert str(parse("us").query) != str(parse('"united states"').query)  # text is left as typed


def test_tickers_dates_and_titles_do_not_stick_to_names() -> None:
    found = clean_mentions(
        [
            mention("Citicorp <CCI", "person"),
            mention("May One", "person"),
            mention("Staff Howard Baker", "person"),
            mention("Prime Minsiter Yasuhiro Nakasone", "person"),
            mention("Class A", "org"),
            mention("CCC", "org"),
        ]
    )
    assert [(e.text, e.label) for e in found] == [
        ("Citicorp", "person"),
        ("Howard Baker", "person"),
        ("Yasuhiro Nakasone", "person"),
        ("Commodity Credit Corporation", "org"),
    ]


def test_split_names_join_and_nationality_words_are_no_places() -> None:
    body = "Russian President Vladimir Putin met Syrian officials in Moscow."
    found = clean_mentions(
        [
            mention("Russian", "place", body),
            mention("Vladimir", "person", body),
            mention("Putin", "person", body),
            mention("Syrian", "place", body),
            mention("Moscow", "place", body),
        ],
        body,
        places={"moscow", "russia"},
    )
    assert [(e.text, e.label) for e in found] == [("Vladimir Putin", "person"), ("Moscow", "place")]


def test_titles_states_and_places_are_not_people() -> None:
    found = clean_mentions(
        [
            mention("Federal Chairman Paul Volcker", "person"),
            mention("Japanese Finance Minister Kiichi Miyazawa", "person"),
            mention("Defence Caspar Weinberger", "person"),
            mention("U.K. Chancellor", "person"),
            mention("D-Conn", "person"),
            mention("Tenn", "person"),
            mention("Kuwaiti", "place"),
            mention("Erdogan", "person"),
            mention("The Bank of England", "org"),
        ],
        places={"bonn"},
    )
    assert [(e.text, e.label) for e in found] == [
        ("Paul Volcker", "person"),
        ("Kiichi Miyazawa", "person"),
        ("Caspar Weinberger", "person"),
        ("Tennessee", "place"),
        ("Erdogan", "person"),
        ("Bank of England", "org"),
    ]


PIECES = [
    "The",
    "the",
    " ",
    "\u00a0",
    "\t",
    "Chairman",
    "Minister",
    "Dlrs",
    "Corp",
    "Inc",
    "U.S.",
    ".",
    "'s",
    "<",
    "CCI",
    "D-Conn",
    "May",
    "NOTE",
    "Bank",
    "and",
    "&",
    "Paul",
    "Volcker",
    "-",
    ",",
    "Russian",
]
MENTION_TEXT = st.one_of(st.text(max_size=30), st.lists(st.sampled_from(PIECES), max_size=8).map("".join))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(MENTION_TEXT, st.sampled_from(["person", "place", "org"])), max_size=6))
def test_rules_never_fail_on_any_mention(found: list[tuple[str, str]]) -> None:
    body = " ".join(text for text, _ in found)
    mentions = [mention(text, label, body) if text else Entity(text, label, 0, 0) for text, label in found]
    for entity in clean_mentions(mentions, body, places={"paris"}):
        assert entity.label in ("person", "place", "org") and entity.text.strip()
