"""Rules after tagging (issue 11): boilerplate, generic words, whole company names, one name per entity."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx.entities.cleanup import alias, clean_mentions, company_roots
from searchidx.entities.collection import common_words, initials, resolve_collection
from searchidx.entities.context import and_co, grow_right
from searchidx.entities.headlines import headline_case, title_mentions
from searchidx.models import Entity
from searchidx.query import entity_query


def mention(text: str, label: str, body: str = "") -> Entity:
    start = body.find(text) if body else 0
    return Entity(text, label, start, start + len(text))


def cleaned(body: str, *found: tuple[str, str]) -> list[tuple[str, str]]:
    """``(text, label)`` of the mentions ``found`` in ``body`` after the rules."""
    return [(e.text, e.label) for e in clean_mentions([mention(t, lab, body) for t, lab in found], body)]


def test_boilerplate_generic_words_and_table_labels_are_no_entities() -> None:
    found = clean_mentions(
        [
            mention("NOTE", "org"),
            mention("REUTER", "org"),
            mention("QTR NET", "org"),
            mention("Bank", "place"),
            mention("House", "org"),
            mention("GDP", "org"),
            mention("Libor", "org"),
            mention("Brent", "org"),
            mention("West Texas Intermediate", "org"),
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
    body = [mention("Jim Wright", "person"), mention("Aegean Sea", "place"), mention("Ford", "org")]
    title = [mention("Wright", "org"), mention("Aegean", "org"), mention("Ford", "place")]
    assert [(e.text, e.label) for e in title_mentions(title, body)] == [("Wright", "person"), ("Ford", "org")]
    body, title = [mention("Bank of Japan", "org")], [mention("Japan", "org")]
    assert [(e.text, e.label) for e in title_mentions(title, body, {"japan"})] == [("Japan", "place")]
    assert title_mentions(title, body) == []  # a word of a body's name, on no place list
    body = [mention("Japan", "place"), mention("Japan", "person"), mention("Japan", "place")]
    assert [e.label for e in title_mentions([mention("Japan", "org")], body)] == ["place"]  # most say so


def test_a_headline_keeps_capitals_only_where_the_body_has_a_name() -> None:
    body = [mention("Vladimir Putin", "person"), mention("European Community", "org")]
    assert headline_case("Putin Meets Erdogan In Sochi", body) == "Putin meets erdogan in sochi"
    assert (
        headline_case("EC Agrees Trade Deal With NATO, U.S.", body) == "EC agrees trade deal with NATO, U.S."
    )
    capitals = "EC AGREES TRADE DEAL WITH EUROPEAN COMMUNITY"
    assert headline_case(capitals, body) == "EC agrees trade deal with European Community"
    assert headline_case("İstanbul Talks", body) == "İstanbul talks"  # same length: offsets hold
    assert headline_case("", body) == "" and headline_case("Talks", []) == "talks"
    assert headline_case("Putin's Visit, Erdogan-Putin Talks", body) == "Putin's visit, erdogan-Putin talks"
    firms = [mention("New York", "place"), mention("Moody's Investors Service", "org")]
    firms += [mention("Goldman, Sachs and Co", "org"), mention("McDonald's Corp", "org")]
    assert headline_case("NEW YORK BANK CUT BY MOODY'S", firms) == "New York bank cut by Moody's"
    assert headline_case("MCDONALD'S, GOLDMAN", firms) == "McDonald's, Goldman"
    assert headline_case("Goldman Hires J.P. Smith", firms) == "Goldman hires J.P. smith"  # initials


def test_a_name_that_begins_a_company_is_an_org_across_the_collection() -> None:
    rows = [
        [("person", "merrill lynch", "Merrill Lynch")],
        [("person", "merrill lynch", "Merrill Lynch")],
        [("org", "merrill lynch capital markets", "Merrill Lynch Capital Markets")],
        [("person", "ronald reagan", "Ronald Reagan"), ("org", "ronald reagan", "Ronald Reagan")],
        [("person", "ronald reagan", "Ronald Reagan")],
        [("place", "new york", "New York"), ("org", "new york times co", "New York Times Co")],
        [("person", "moody", "Moody")],
        [("org", "moody's investors service inc", "Moody's Investors Service Inc")],
        [("org", "citicorp", "Citicorp")],
        [("org", "citicorp industrial credit inc", "Citicorp Industrial Credit Inc")],
        [("org", "chrysler", "Chrysler")],
        [("org", "chrysler corp", "Chrysler Corp")],
        [("person", "alex brown", "Alex Brown")],
        [("org", "alex. brown inc", "Alex. Brown Inc")],
    ]
    found = resolve_collection(rows)
    assert found.root("org", "citicorp") == ("org", "citicorp")  # not its finance subsidiary
    assert found.root("org", "chrysler") == ("org", "chrysler corp")  # only a legal form added
    assert found.root("person", "alex brown")[0] == "org"  # Alex. Brown Inc
    assert found.root("person", "merrill lynch") == ("org", "merrill lynch")
    assert found.root("org", "ronald reagan") == ("person", "ronald reagan")
    assert found.root("place", "new york") == (
        "place",
        "new york",
    )  # begins "New York Times Co", still a place
    assert found.root("person", "moody") == ("org", "moody's investors service inc")
    assert "merrill lynch" in company_roots(["merrill lynch capital markets"])
    assert not company_roots(["merrill lynch"])  # no company word: no roots


def test_a_surname_takes_the_dominant_full_name_and_stays_itself_when_ambiguous() -> None:
    rows = [[("person", "ronald reagan", "Ronald Reagan")]] * 9 + [
        [("person", "nancy reagan", "Nancy Reagan")],
        [("person", "reagan", "Reagan")],
        [("person", "athough reagan", "Athough Reagan")],
        [("person", "baker", "Baker")],
        [("person", "james baker", "James Baker")],
        [("person", "howard baker", "Howard Baker")],
        [("person", "bashar", "Bashar")],
        [("person", "bashar assad", "Bashar Assad")],
        [("place", "lawson", "Lawson")],
        [("place", "lawson", "Lawson")],
        [("person", "lawson", "Lawson")],
        [("person", "nigel lawson", "Nigel Lawson")],
        [("person", "helmut schlesinger", "Helmut Schlesinger")],
        [("person", "bundesbank vice-president helmut schlesinger", "Bundesbank Vice-President Helmut ...")],
    ]
    found = resolve_collection(rows)
    assert found.root("person", "bashar") == ("person", "bashar assad")  # a first name, one fuller name
    assert found.root("place", "lawson") == ("person", "nigel lawson")  # a surname mostly tagged a place
    assert found.root("person", "helmut schlesinger") == (
        "person",
        "helmut schlesinger",
    )  # a title is no name
    assert found.root("person", "reagan") == ("person", "ronald reagan")  # 9 of 11 fuller mentions
    assert found.root("person", "baker") == ("person", "baker")  # one James, one Howard: ambiguous
    assert sorted(found.members["person", "ronald reagan"]) == [
        ("person", "reagan"),
        ("person", "ronald reagan"),
    ]


def test_types_are_voted_and_acronyms_join_their_expansion() -> None:
    rows = [
        [("person", "bonn", "Bonn")],
        [("person", "bonn", "Bonn")],
        [("place", "bonn", "Bonn")],
        [("person", "latin america", "Latin America")],
        [("place", "latin america", "Latin America")],
        [("org", "fhlbb", "FHLBB"), ("org", "federal home loan bank board", "Federal Home Loan Bank Board")],
        [("org", "fhlbb", "FHLBB")],
        [("org", "cme", "CME")],  # no expansion shares an article with it
        [("org", "chicago board", "Chicago Board")],
        [("org", "international monetary fund", "International Monetary Fund")],
        [("org", "international monetary fund and world bank", "International Monetary Fund and World Bank")],
        [("org", "world bank", "World Bank")],
    ]
    found = resolve_collection(rows, places={"bonn"})
    assert found.root("person", "bonn") == ("place", "bonn")  # "Bonn said": on the place list
    assert found.root("person", "latin america") == ("place", "latin america")  # no first name
    assert found.root("org", "fhlbb") == ("org", "federal home loan bank board")
    assert found.root("org", "cme") == ("org", "cme")
    # The rest of a longer name is another organisation: not the IMF's full name.
    assert found.root("org", "international monetary fund") == ("org", "international monetary fund")
    assert initials("organisation for economic co-operation and development") == "oecd"


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


def test_a_name_that_begins_with_capitals_is_no_person() -> None:
    found = clean_mentions(
        [
            mention("LM Ericsson", "person"),
            mention("IG Metall", "person"),
            mention("JOHN SMITH", "person"),  # a line in capitals: the name may still be one
            mention("J.R. Ewing", "person"),
            mention("Klaus Zwickel", "person"),
            mention("FW de Klerk", "person"),  # a particle, then the surname
            mention("GH Miller", "person"),  # a surname of the name list
        ]
    )
    assert [(e.text, e.label) for e in found] == [
        ("LM Ericsson", "org"),
        ("IG Metall", "org"),
        ("JOHN SMITH", "person"),
        ("J.R. Ewing", "person"),
        ("Klaus Zwickel", "person"),
        ("FW de Klerk", "person"),
        ("GH Miller", "person"),
    ]


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


def test_firm_names_grow_whole_and_two_organisations_split() -> None:
    body = "The Food and Drug Administration and Goldman, Sachs and Co agreed."
    assert cleaned(body, ("Drug Administration", "org"), ("Sachs and Co", "org")) == [
        ("Food and Drug Administration", "org"),
        ("Goldman, Sachs and Co", "org"),
    ]
    body = "The International Monetary Fund and World Bank met."
    assert cleaned(body, ("World Bank", "org")) == [
        ("International Monetary Fund", "org"),
        ("World Bank", "org"),
    ]
    body = "In Tokyo, Sony Corp said Chrysler and Ford Motor Co would buy."
    assert cleaned(body, ("Sony Corp", "org"), ("Chrysler", "org"), ("Ford Motor Co", "org")) == [
        ("Sony Corp", "org"),
        ("Chrysler", "org"),
        ("Ford Motor Co", "org"),
    ]


def test_nationalities_bodies_and_affiliations() -> None:
    found = clean_mentions(
        [
            mention("of the Exchequer Nigel Lawson", "person"),
            mention("Energy Subroto", "person"),
            mention("Bundesbank Vice-President Helmut Schlesinger", "person"),
            mention("First Federal Savings and Loan Association", "org"),
            mention("Kuwaiti", "person"),
            mention("Latin Americans", "person"),
            mention("West German", "place"),
            mention("U.S. Treasury", "place"),
            mention("Philip Fricke of Goldman Sachs", "person"),
            mention("Sterling", "org"),
            mention("Munich Security Conference", "place"),
            mention("Al Qaeda", "person"),
        ]
    )
    assert [(e.text, e.label) for e in found] == [
        ("Nigel Lawson", "person"),
        ("Subroto", "person"),
        ("Helmut Schlesinger", "person"),
        ("First Federal Savings and Loan Association", "org"),
        ("West Germany", "place"),
        ("U.S. Treasury", "org"),
        ("Philip Fricke", "person"),
        ("Munich Security Conference", "org"),
        ("Al Qaeda", "org"),
    ]


def test_a_one_word_name_mostly_written_as_a_common_word_is_none() -> None:
    rows = [
        [("org", "times", "Times")],
        [("org", "commerzbank", "Commerzbank")],
        [("person", "chang", "Chang")],
    ]
    rows += [[("org", "commerzbank ag", "Commerzbank AG")]] * 30
    held = {"times": 100, "commerzbank": 40, "chang": None}  # None: the stem is shared ("change")
    assert common_words(rows, held.get) == {"times"}
    found = resolve_collection(rows, articles_with=held.get)
    assert found.root("org", "times") == ("", "times")
    assert found.root("org", "commerzbank") == ("org", "commerzbank ag")  # a name: its legal form
    assert found.resolve_names({"org": ["Times", "Commerzbank"]}) == {"org": ("Commerzbank AG",)}


def test_attributive_places_and_news_agencies() -> None:
    body = "the Britain-based Syrian Observatory said, and Peskov told RIA Novosti news agency. TV showed it."
    found = clean_mentions(
        [
            mention("Britain-based Syrian Observatory", "place", body),
            mention("RIA Novosti", "person", body),
            mention("TV", "org", body),
        ],
        body,
    )
    assert [(e.text, e.label) for e in found] == [("Syrian Observatory", "org"), ("RIA Novosti", "org")]
    assert body[found[0].start : found[0].end] == "Syrian Observatory"  # offsets follow the trim


def _cleaned(body: str, *found: tuple[str, str]) -> list[tuple[str, str]]:
    return [(e.text, e.label) for e in clean_mentions([mention(t, lab, body) for t, lab in found], body)]


def test_a_place_noun_makes_names_places_down_a_list() -> None:
    body = "Troops entered the villages of Nairab, Taftanaz and Maaret Musreen near the city of Saraqeb."
    found = ("Nairab", "place"), ("Taftanaz", "person"), ("Maaret Musreen", "person"), ("Saraqeb", "person")
    assert _cleaned(body, *found) == [
        ("Nairab", "place"),
        ("Taftanaz", "place"),
        ("Maaret Musreen", "place"),
        ("Saraqeb", "place"),
    ]
    body = "Families fled Maarat al-Numan city, said Feras Saad and Taher al-Omar."
    assert _cleaned(
        body, ("Maarat al-Numan", "person"), ("Feras Saad", "person"), ("Taher al-Omar", "person")
    ) == [
        ("Maarat al-Numan", "place"),
        ("Feras Saad", "person"),
        ("Taher al-Omar", "person"),
    ]


def test_names_go_on_over_of_and_for_and_stop_at_a_title() -> None:
    body = "the Syrian Observatory for Human Rights said. The Bank of Japan Governor Satoshi Sumita spoke."
    assert _cleaned(
        body,
        ("Syrian Observatory", "place"),
        ("Bank", "org"),
        ("Bank of Japan Governor Satoshi Sumita", "org"),
    ) == [
        ("Syrian Observatory for Human Rights", "org"),
        ("Bank of Japan", "org"),
        ("Satoshi Sumita", "person"),
    ]
    body = "figures from the Egyptian General Petroleum Corp showed."
    assert _cleaned(body, ("Egyptian General Petroleum Corp", "org")) == [
        ("Egyptian General Petroleum Corp", "org")
    ]
    body = "the Bank of Japan Governor Satoshi Sumita and the Bank of England Sumita's peer."
    grown = grow_right(body, mention("Bank", "org", body), {body.index("Sumita")})
    assert grown.text == "Bank of Japan"
    grown = grow_right(body, mention("Bank", "org", body), {body.index("Japan")})
    assert grown.text == "Bank"  # a person's name starts there: no growth over it
    body = "Support for the government of the National Agreement (GNA) grew,"
    body += " the Kurdistan Democratic Party (KDP) said."
    assert _cleaned(body, ("National Agreement", "org"), ("Kurdistan Democratic Party", "org")) == [
        ("Government of the National Agreement", "org"),
        ("Kurdistan Democratic Party", "org"),
    ]


def test_partners_written_only_together_are_one_firm() -> None:
    def every(body: str, *names: str) -> list[Entity]:
        found = [
            Entity(m.group(), "person", m.start(), m.end()) for name in names for m in re.finditer(name, body)
        ]
        return sorted(found, key=lambda e: e.start)

    body = "AFG and Wagner and Brown bid. Investors Wagner and\nBrown and AFG own it."
    assert [
        (" ".join(e.text.split()), e.label) for e in clean_mentions(every(body, "Wagner", "Brown"), body)
    ] == [("Wagner and Brown", "org")] * 2  # twice, never apart
    body += " Brown said."  # Brown named apart: people after all
    assert {e.label for e in clean_mentions(every(body, "Wagner", "Brown"), body)} == {"person"}
    body = "Reagan and Nakasone met in Tokyo."  # once: two people
    assert [(e.text, e.label) for e in clean_mentions(every(body, "Reagan", "Nakasone"), body)] == [
        ("Reagan", "person"),
        ("Nakasone", "person"),
    ]
    body = "The company named Alex Brown and Sons Inc as lead manager."
    assert _cleaned(body, ("Alex Brown", "person"), ("Sons Inc", "org")) == [
        ("Alex Brown and Sons Inc", "org")
    ]


def test_a_body_every_country_has_takes_its_country_or_is_dropped() -> None:
    body = "Syria's Foreign Ministry said. Brazil's Central Bank cut rates;"
    body += " the Central Bank and the Finance Ministry spoke."
    body += " The Agriculture Department agreed."
    found = (
        ("Foreign Ministry", "org"),
        ("Brazil's Central Bank", "org"),
        ("Finance Ministry", "org"),
        ("Agriculture Department", "org"),
    )
    mentions = [mention(t, lab, body) for t, lab in found]
    second = body.index("Central Bank and")
    mentions.insert(2, Entity("Central Bank", "org", second, second + len("Central Bank")))
    assert [(e.text, e.label, body[e.start : e.end]) for e in clean_mentions(mentions, body)] == [
        ("Syria's Foreign Ministry", "org", "Syria's Foreign Ministry"),
        ("Brazil's Central Bank", "org", "Brazil's Central Bank"),
        ("Brazil's Central Bank", "org", "Central Bank"),
        ("U.S. Agriculture Department", "org", "Agriculture Department"),  # the alias table's: one body
    ]


def test_one_label_per_name_in_an_article_and_the_alias_table_wins() -> None:
    from searchidx.entities.canonical import canonicalize

    merged = canonicalize([mention("Taftanaz", "person"), mention("Taftanaz", "place")])
    assert [(e.label, e.name) for e in merged] == [("place", "Taftanaz")]
    rows = [
        [("org", "international business machines", "International Business Machines")],
        [("org", "international business machines co", "International Business Machines Co")],
    ]
    rows += [
        [("org", "chrysler corp", "Chrysler Corp")],
        [("org", "chrysler", "Chrysler")],
        [("org", "corp", "Corp")],
    ]
    found = resolve_collection(rows)
    assert found.root("org", "international business machines") == ("org", "international business machines")
    assert found.root("org", "chrysler") == ("org", "chrysler corp")  # a stray "Corp" is no other firm


def test_a_title_after_an_organisation_goes_and_a_bare_office_is_none() -> None:
    found = [
        ("Federal Reserve Board Vice", "org"),
        ("CBS Inc Chairman", "org"),
        ("World Bank Vice-President", "org"),
        ("Treasury Secretary", "org"),
        ("Soviet Foreign Minister", "org"),
        ("Office of the President", "org"),
    ]
    cleaned = [(e.text, e.label) for e in clean_mentions([mention(t, lab) for t, lab in found])]
    assert cleaned == [
        ("Federal Reserve", "org"),  # the alias table's name for "Federal Reserve Board"
        ("CBS Inc", "org"),
        ("World Bank", "org"),
        ("Office of the President", "org"),  # "of the President" is part of the name
    ]


def test_a_fixed_name_is_remembered_but_keeps_each_mentions_offsets() -> None:
    """The rules' memo answers a repeated name at the new mention's own place."""
    from searchidx.entities import cleanup

    cleanup._FIXED.clear()
    first = clean_mentions([Entity("The Bank of England", "org", 10, 29)])
    again = clean_mentions([Entity("The Bank of England", "org", 50, 69), Entity("Bank", "place", 80, 84)])
    assert first == [Entity("Bank of England", "org", 14, 29)]
    assert again == [Entity("Bank of England", "org", 54, 69)]  # "Bank" alone is no place
    assert ("The Bank of England", "org") in cleanup._FIXED and cleanup._FIXED[
        ("Bank", "place")
    ] == cleanup._DROPPED
    kept = Entity("Bank of England", "org", 7, 22)
    assert clean_mentions([kept])[0] is kept  # a name the rules leave as it is stays the same object


# ---- the sparse scanners give what a plain word-by-word loop gives ----------------------------------

_TAGS = st.lists(
    st.sampled_from(["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG", "B-MISC"]), max_size=14
)
_WORDS = st.lists(
    st.sampled_from(
        [
            "Bank",
            "of",
            "England",
            "said",
            "(",
            ")",
            "OSCE",
            "Inc",
            "Agency",
            "&",
            "the",
            "New",
            "York",
            "Corp",
        ]
    ),
    max_size=14,
)


def _reference_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    begin, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        if begin >= 0 and (tag == "O" or tag.startswith("B-") or tag[2:] != kind):
            spans.append((begin, i, kind))
            begin, kind = -1, ""
        if tag != "O" and begin < 0:
            begin, kind = i, tag[2:]
    return spans


def _reference_marks(words: list[str], gazetteer: set[str]) -> list[str]:
    marks = [""] * len(words)
    i = 0
    while i < len(words):
        found = 0
        if words[i][:1].isupper():
            for size in range(min(4, len(words) - i), 0, -1):
                if " ".join(w.lower() for w in words[i : i + size]) in gazetteer:
                    found = size
                    break
        if found:
            marks[i : i + found] = ["B"] + ["I"] * (found - 1)
            i += found
        else:
            i += 1
    return marks


@settings(max_examples=400, deadline=None)
@given(_TAGS)
def test_raw_spans_are_those_of_a_tag_by_tag_loop(tags: list[str]) -> None:
    from searchidx.entities.decode import raw_spans

    assert raw_spans(tags) == _reference_spans(tags)


@settings(max_examples=400, deadline=None)
@given(_WORDS)
def test_place_marks_are_those_of_a_word_by_word_loop(words: list[str]) -> None:
    from searchidx.entities.gazetteer import gazetteer_marks

    places = {"new york", "york", "england", "bank of england", "new"}
    assert gazetteer_marks(words, places) == _reference_marks(words, places)


def _reference_run_cues(words: list[str], lows: list[str]) -> list[list[str]]:
    from searchidx.entities.features import _AGENCY, _COMPANY, _RUN_JOINERS, _RUN_MAX

    n = len(words)
    out: list[list[str]] = [[] for _ in words]
    i = 0
    while i < n:
        if not words[i][:1].isupper():
            i += 1
            continue
        end = i + 1
        while end < n and end - i < _RUN_MAX:
            if words[end][:1].isupper():
                end += 1
            elif lows[end] in _RUN_JOINERS and end + 1 < n and words[end + 1][:1].isupper():
                end += 2
            else:
                break
        if end == i + 1:
            if lows[i].rstrip(".") in _AGENCY:
                out[i] = ["runag"]
            i = end
            continue
        bare = [w.rstrip(".") for w in lows[i:end]]
        company, agency = any(w in _COMPANY for w in bare[1:]), any(w in _AGENCY for w in bare)
        for j in range(i, end):
            out[j] = ["run=" + ("B" if j == i else "E" if j == end - 1 else "I")]
            out[j] += ["runco"] * company + ["runag"] * agency
        i = end
    for i in range(2, n - 1):
        bracketed = words[i - 1] == "(" and words[i + 1] == ")" and len(words[i]) > 1
        if bracketed and words[i].isupper() and words[i - 2][:1].isupper():
            out[i] = ["acro", *(f for f in out[i - 2] if f in ("runco", "runag"))]
    return out


@settings(max_examples=400, deadline=None)
@given(_WORDS)
def test_run_cues_are_those_of_a_word_by_word_loop(words: list[str]) -> None:
    from searchidx.entities.features import _run_cues

    lows = [w.lower() for w in words]
    assert [list(c) for c in _run_cues(words, lows)] == _reference_run_cues(words, lows)


def test_a_committee_of_two_subjects_is_one_name_and_a_congressman_is_a_title() -> None:
    body = (
        "Congressman Richard Gephardt told the House Ways and Means Committee that Greenpeace and "
        "Oxfam agree."
    )
    found = clean_mentions(
        [
            mention("Congressman Richard Gephardt", "person", body),
            mention("House Ways", "org", body),
            mention("Means Committee", "org", body),
            mention("Greenpeace", "org", body),
            mention("Oxfam", "org", body),
        ],
        body,
    )
    assert [(e.text, e.label) for e in found] == [
        ("Richard Gephardt", "person"),
        ("House Ways and Means Committee", "org"),
        ("Greenpeace", "org"),  # two bodies: no committee joins them
        ("Oxfam", "org"),
    ]
    assert body[found[1].start : found[1].end] == "House Ways and Means Committee"


def test_a_party_members_descriptor_is_no_entity() -> None:
    found = clean_mentions(
        [
            mention("Texas Democrat", "org"),
            mention("New Jersey Democrat", "place"),
            mention("Senate Republican", "org"),
            mention("Senate Democratic", "org"),
            mention("Republicans", "org"),
            mention("Democratic Party", "org"),
        ]
    )
    assert [(e.text, e.label) for e in found] == [
        ("Republican Party", "org"),  # the party its members name
        ("Democratic Party", "org"),
    ]


def test_british_and_american_spellings_of_one_body_are_one_name() -> None:
    found = clean_mentions(
        [
            mention("Organisation of Petroleum Exporting Countries", "org"),
            mention("Organization for Economic Cooperation and Development", "org"),
            mention("Organisation for Economic Cooperation", "org"),  # cut at "and Development"
            mention("International Coffee Organisation", "org"),
        ]
    )
    assert [e.text for e in found] == [
        "Organization of Petroleum Exporting Countries",
        "Organisation for Economic Co-operation and Development",
        "Organisation for Economic Co-operation and Development",
        "International Coffee Organization",
    ]


def test_a_firm_with_and_without_its_legal_form_is_one_name() -> None:
    from searchidx.entities.canonical import canonicalize

    # In one article: the short name joins the one longer name that only adds a legal form.
    merged = canonicalize(
        [
            mention("Newmont Gold Co", "org"),
            mention("Newmont Gold", "org"),
            mention("Newmont Gold", "org"),
            mention("Newmont Mining Corp", "org"),
            mention("Newmont", "org"),  # begins two firms: stays itself
            mention("Acme", "org"),
            mention("Acme Co", "org"),
            mention("Acme Corp", "org"),  # two legal forms in one article: Acme stays too
        ]
    )
    assert sorted((e.name, e.mentions) for e in merged) == [
        ("Acme", 1),
        ("Acme Co", 1),
        ("Acme Corp", 1),
        ("Newmont", 1),
        ("Newmont Gold Co", 3),
        ("Newmont Mining Corp", 1),
    ]
    # Across the collection: legal forms of one firm are one, under the most used.
    rows = [[("org", "newmont gold co", "Newmont Gold Co")]] * 4
    rows += [[("org", "newmont gold corp", "Newmont Gold Corp")]] * 2
    rows += [[("org", "newmont gold", "Newmont Gold")]] * 6
    rows += [[("org", "newmont mining corp", "Newmont Mining Corp")]]
    found = resolve_collection(rows)
    for key in ("newmont gold", "newmont gold corp", "newmont gold co"):
        assert found.root("org", key) == ("org", "newmont gold co")
    assert found.root("org", "newmont mining corp") == ("org", "newmont mining corp")
    # A list of firms: "and" after a legal form starts the next firm, it does not grow into one.
    body = "Kidder, Peabody and Co, Lazard Freres and Co and Salomon Brothers Inc said."
    cleaned = clean_mentions([mention("Salomon Brothers Inc", "org", body)], body)
    assert [(e.text, e.label) for e in cleaned] == [("Salomon Brothers Inc", "org")]


def test_a_firm_is_shown_as_most_articles_name_it() -> None:
    rows = [[("person", "merrill lynch", "Merrill Lynch")]] * 5
    rows += [[("org", "merrill lynch co inc", "Merrill Lynch Co Inc")]]
    rows += [[("org", "moody", "Moody")]] * 5
    rows += [[("org", "moody's investors service inc", "Moody's Investors Service Inc")]]
    found = resolve_collection(rows)
    assert found.root("person", "merrill lynch") == ("org", "merrill lynch co inc")  # one firm
    assert found.renames["person", "Merrill Lynch"] == ("org", "Merrill Lynch")  # as 5 of 6 name it
    # A short name that is more than the firm's name without its legal form is not shown instead.
    assert found.root("org", "moody") == ("org", "moody's investors service inc")
    assert found.renames["org", "Moody"] == ("org", "Moody's Investors Service Inc")


def test_a_first_word_standing_for_the_one_name_it_begins_joins_it() -> None:
    from searchidx.entities.canonical import canonicalize

    def merged(*found: tuple[str, str]) -> list[tuple[str, str, int]]:
        found_ = canonicalize([mention(t, lab) for t, lab in found])
        return sorted((e.label, e.name, e.mentions) for e in found_)

    assert merged(("Merrill Lynch", "org"), ("Merrill", "person"), ("Merrill", "org")) == [
        ("org", "Merrill Lynch", 3)
    ]
    assert merged(("Moody's", "person"), ("Moody Corp", "org")) == [("org", "Moody Corp", 2)]  # a firm: org
    # Not the first word of another entity, of a longer name, or of two names; never a place.
    assert merged(("Reagan", "person"), ("Reagan Administration", "org")) == [
        ("org", "Reagan Administration", 1),
        ("person", "Reagan", 1),
    ]
    assert merged(("Citicorp", "org"), ("Citicorp Industrial Credit Inc", "org")) == [
        ("org", "Citicorp", 1),
        ("org", "Citicorp Industrial Credit Inc", 1),
    ]
    assert merged(("George", "person"), ("George Shultz", "person"), ("George Bush", "person")) == [
        ("person", "George", 1),
        ("person", "George Bush", 1),
        ("person", "George Shultz", 1),
    ]
    assert merged(("Texas", "place"), ("Texas Instruments", "org")) == [
        ("org", "Texas Instruments", 1),
        ("place", "Texas", 1),
    ]
    assert merged(("Burma", "place"), ("Burma's Shan", "person")) == [
        ("person", "Burma's Shan", 1),
        ("place", "Burma", 1),
    ]
    assert merged(("Burma", "person"), ("Burma's Shan", "person")) == [
        ("person", "Burma", 1),
        ("person", "Burma's Shan", 1),
    ]  # "X's Y" is no name X's first word stands for
    jordan = canonicalize([mention("Jordan", "person"), mention("Jordan Marsh", "org")], places={"jordan"})
    assert sorted(e.name for e in jordan) == ["Jordan", "Jordan Marsh"]  # a place name stays itself
    assert merged(("Hong", "person"), ("Hong Kong", "place")) == [
        ("person", "Hong", 1),
        ("place", "Hong Kong", 1),
    ]


def test_and_co_makes_a_firm_and_lists_of_firms_stay_apart() -> None:
    from searchidx.entities.canonical import canonicalize, name_key

    body = "Kidder, Peabody and Co, Lazard Freres and Co and Salomon Brothers Inc said."
    tagged = [("Peabody", "place"), ("Lazard Freres", "person"), ("Salomon Brothers Inc", "org")]
    assert cleaned(body, *tagged) == [
        ("Kidder, Peabody and Co", "org"),
        ("Lazard Freres and Co", "org"),
        ("Salomon Brothers Inc", "org"),
    ]
    body = "Kidder, Peabody and Co Inc, Lazard Freres and Co and Salomon Brothers Inc said."
    assert cleaned(body, ("Kidder, Peabody and Co Inc", "org"), ("Lazard Freres", "person"))[1] == (
        "Lazard Freres and Co",
        "org",
    )
    body = "Its auditors Touche Ross and Co. said; Merrill Lynch and Co Inc agreed."
    assert cleaned(body, ("Touche Ross", "person"), ("Merrill Lynch", "person")) == [
        ("Touche Ross and Co.", "org"),
        ("Merrill Lynch and Co Inc", "org"),
    ]
    body = "A Hamas Thursday statement."
    assert cleaned(body, ("Hamas Thursday", "org")) == [("Hamas", "org")]  # a day glued to the name
    body = "Talks on Smith and Co-operation."
    assert and_co(body, mention("Smith", "person", body)) == mention("Smith", "person", body)
    # A firm's name in another language, or its legal form first, is an organisation.
    body = "Societe Generale and NV Philips Gloeilampenfabrieken bought."
    assert cleaned(body, ("Societe Generale", "person"), ("NV Philips Gloeilampenfabrieken", "person")) == [
        ("Societe Generale", "org"),
        ("NV Philips Gloeilampenfabrieken", "org"),
    ]
    assert name_key("Sears, Roebuck and Co") == name_key("Sears Roebuck and Co") == "sears roebuck and co"
    # In one article: the person-tagged short name and the first word join the firm.
    merged = canonicalize(
        [
            mention("Merrill", "person"),
            mention("Merrill Lynch", "person"),
            mention("Merrill Lynch and Co Inc", "org"),
        ]
    )
    assert [(e.label, e.name, e.mentions) for e in merged] == [("org", "Merrill Lynch and Co Inc", 3)]


def test_state_abbreviations_markets_embassies_and_a_firm_tagged_a_place() -> None:
    assert alias("N.J.") == alias("N.J") == ("place", "New Jersey")
    assert alias("Pa") == alias("Penn.") == ("place", "Pennsylvania")
    assert alias("Ala") == ("place", "Alabama")
    assert alias("Miss") is None  # a title, not Mississippi
    body = "Shares on the U.S. Market rose, the U.S. Embassy said."
    assert cleaned(body, ("U.S. Market", "place"), ("U.S. Embassy", "place")) == [("U.S. Embassy", "org")]
    rows = [[("place", "ford", "Ford")]] * 5 + [[("org", "ford", "Ford")]]
    rows += [[("org", "ford motor co", "Ford Motor Co")]] * 3
    rows += [[("place", "texas", "Texas")]] * 5 + [[("person", "texas", "Texas")]]
    rows += [[("org", "texas instruments inc", "Texas Instruments Inc")]]
    found = resolve_collection(rows, places={"texas"})
    assert found.root("place", "ford")[0] == "org"
    assert found.root("place", "texas") == ("place", "texas")  # the place list knows it


def test_a_place_word_beside_its_person_in_nearly_every_article_is_the_surname() -> None:
    rows = [[("person", "nigel lawson", "Nigel Lawson"), ("place", "lawson", "Lawson")]] * 5
    rows += [[("person", "nigel lawson", "Nigel Lawson")]] * 3
    rows += [[("place", "washington", "Washington")]] * 20
    harold = ("person", "harold washington", "Harold Washington")
    rows += [[harold, ("place", "washington", "Washington")]] * 2
    found = resolve_collection(rows, places={"lawson", "washington"})
    assert found.root("place", "lawson") == ("person", "nigel lawson")
    assert found.root("place", "washington") == ("place", "washington")  # beside him in 2 of 22


def test_a_firm_without_its_legal_form_and_names_cut_at_and_join_the_whole_name() -> None:
    rows = [[("org", "salomon brothers inc", "Salomon Brothers Inc")]] * 7
    rows += [[("org", "salomon brothers", "Salomon Brothers")]] * 2
    rows += [[("org", "securities and exchange commission", "Securities and Exchange Commission")]] * 20
    rows += [[("org", "exchange commission", "Exchange Commission")]] * 2
    us_sec = "U.S. Securities and Exchange Commission"
    rows += [[("org", us_sec.lower(), us_sec)]] * 3
    rows += [[("org", "u.s. securities", "U.S. Securities")]] * 2
    rows += [[("org", "world bank", "World Bank")]] * 5
    rows += [[("org", "inter-american bank and world bank", "Inter-American Bank and World Bank")]]
    rows += [[("org", "food and drug administration", "Food and Drug Administration")]] * 5
    rows += [[("org", "food", "Food")]]
    rows += [[("org", "goldman sachs and co", "Goldman, Sachs and Co")]] * 6
    rows += [[("org", "sachs and co", "Sachs and Co")]] * 2  # "Goldman,\nSachs and Co"
    listed = "Merrill Lynch, Shearson Lehman Brothers Inc"  # a list of two firms
    rows += [[("org", "merrill lynch shearson lehman brothers inc", listed)]] * 5
    rows += [[("org", "shearson lehman brothers inc", "Shearson Lehman Brothers Inc")]] * 3
    found = resolve_collection(rows)
    assert found.root("org", "food") == ("org", "food")  # one word: too little to go on
    assert found.root("org", "sachs and co") == ("org", "goldman sachs and co")  # cut at the comma
    assert found.root("org", "shearson lehman brothers inc") == ("org", "shearson lehman brothers inc")
    assert found.root("org", "salomon brothers") == ("org", "salomon brothers inc")
    assert found.root("org", "exchange commission") == ("org", "securities and exchange commission")
    assert found.root("org", "u.s. securities") == ("org", "u.s. securities and exchange commission")
    assert found.root("org", "world bank") == ("org", "world bank")  # never into a less used name


def test_an_org_the_place_lists_know_is_a_place() -> None:
    places = {"sri lanka", "lazaro cardenas", "bank of tokyo", "jordan"}
    found = clean_mentions(
        [
            mention(t, lab)
            for t, lab in (("Sri Lanka", "org"), ("Lazaro Cardenas", "person"), ("Bank of Tokyo", "org"))
        ]
        + [mention("Jordan", "org")],
        places=places,
    )
    assert [(e.text, e.label) for e in found] == [
        ("Sri Lanka", "place"),
        ("Lazaro Cardenas", "person"),  # a person's name: cities are named after people
        ("Bank of Tokyo", "org"),  # an organisation's word
        ("Jordan", "org"),  # one word
    ]


def test_an_attributive_place_and_italian_firms() -> None:
    body = "The London-based arm of Gruppo Finanziario Tessile S.P.A. and Benetton Group SpA said."
    body += " Gruppo Ferruzzi too."
    tagged = [
        ("London-based", "place"),
        ("Gruppo Finanziario Tessile", "person"),
        ("Benetton Group SpA", "person"),
    ]
    assert cleaned(body, *tagged) == [
        ("London", "place"),
        ("Gruppo Finanziario Tessile S.P.A.", "org"),
        ("Benetton Group SpA", "org"),
    ]
    assert cleaned(body, ("Gruppo Ferruzzi", "person")) == [("Gruppo Ferruzzi", "org")]


def test_legal_forms_alone_attributive_words_before_firms_and_banks_first() -> None:
    assert cleaned("Oy said.", ("Oy", "person")) == []  # a legal form alone names nothing
    body = "The London-based Reed International Plc, Bank Julius Baer and Ferrado Oy said."
    tagged = [("Reed International Plc", "org"), ("Bank Julius Baer", "person"), ("Ferrado Oy", "person")]
    assert cleaned(body, *tagged) == [
        ("Reed International Plc", "org"),
        ("Bank Julius Baer", "org"),
        ("Ferrado Oy", "org"),
    ]


def test_republics_and_the_west_bank_are_places() -> None:
    body = "The Czech Republic, the Republic of Korea, Republic Airways and the West Bank."
    tagged = [("Czech Republic", "org"), ("Republic of Korea", "org"), ("Republic Airways", "org")]
    assert cleaned(body, *tagged, ("West Bank", "org")) == [
        ("Czech Republic", "place"),
        ("Republic of Korea", "place"),
        ("Republic Airways", "org"),
        ("West Bank", "place"),
    ]


def test_a_lower_case_word_after_and_ends_the_firm_name_before_it() -> None:
    # "Telephone Corp" or "Loan Association" names no firm alone: the mention before "and" begins it.
    body = "Nippon Telegraph and Telephone Corp and Home Savings and Loan Association said."
    tagged = [("Nippon Telegraph", "org"), ("Telephone Corp", "org"), ("Home Savings", "org")]
    assert cleaned(body, *tagged, ("Loan Association", "org")) == [
        ("Nippon Telegraph and Telephone Corp", "org"),
        ("Home Savings and Loan Association", "org"),
    ]
    body = "Citizens Bank and Loan Association said."
    assert cleaned(body, ("Citizens Bank and Loan Association", "org")) == [
        ("Citizens Bank and Loan Association", "org")  # not split in two: "Loan Association" is no firm
    ]
    # A name that may stand alone after "and" keeps the two apart; so does growth past a word first.
    body = "The IMF and World Bank, Chrysler and Pennzoil Co, Ford and General Telephone Corp."
    tagged = [("IMF", "org"), ("World Bank", "org"), ("Chrysler", "org"), ("Pennzoil Co", "org")]
    assert cleaned(body, *tagged, ("Ford", "org"), ("Telephone Corp", "org")) == [
        ("International Monetary Fund", "org"),  # the alias table's name
        ("World Bank", "org"),
        ("Chrysler", "org"),
        ("Pennzoil Co", "org"),
        ("Ford", "org"),
        ("General Telephone Corp", "org"),
    ]


def test_a_place_of_several_words_that_other_articles_give_a_legal_form_is_the_firm() -> None:
    rows = [[("place", "northern telecom", "Northern Telecom")]] * 4
    rows += [[("org", "northern telecom ltd", "Northern Telecom Ltd")]] * 6
    rows += [[("place", "wall street", "Wall Street")]] * 5 + [[("org", "wall street", "Wall Street")]]
    rows += [[("place", "new york", "New York")]] * 5 + [[("org", "new york times co", "New York Times Co")]]
    rows += [[("place", "west texas", "West Texas")]] * 5 + [[("org", "west texas co", "West Texas Co")]]
    rows += [[("place", "west coast", "West Coast")]] * 3 + [[("place", "west coast co", "West Coast Co")]]
    found = resolve_collection(rows, places={"west texas"})
    assert found.root("place", "northern telecom") == ("org", "northern telecom ltd")
    assert found.root("place", "west coast")[0] == "place"  # its longer name is no org either
    assert found.root("place", "wall street") == ("place", "wall street")  # no firm with a legal form
    assert found.root("place", "new york") == ("place", "new york")  # begins a firm's name, is no firm
    assert found.root("place", "west texas") == ("place", "west texas")  # the place list knows it


def test_a_place_that_begins_a_firm_and_is_also_tagged_an_org_is_the_firm() -> None:
    rows = [[("place", "goodyear tire", "Goodyear Tire")]] * 4 + [[("org", "goodyear tire", "Goodyear Tire")]]
    rows += [[("org", "goodyear tire and rubber co", "Goodyear Tire and Rubber Co")]] * 6
    rows += [[("place", "east asia", "East Asia")]] * 4 + [[("org", "east asia", "East Asia")]]
    rows += [[("org", "east asia shipping co", "East Asia Shipping Co")]] * 3
    rows += [[("place", "new york", "New York")]] * 4 + [[("org", "new york", "New York")]]
    rows += [[("org", "new york life co", "New York Life Co")]] * 3
    rows += [[("place", "new england", "New England")]] * 20 + [[("org", "new england", "New England")]]
    rows += [[("org", "new england telephone co", "New England Telephone Co")]] * 3
    found = resolve_collection(rows, places={"new york"})
    assert found.root("place", "goodyear tire")[0] == "org"
    assert found.root("place", "east asia") == ("place", "east asia")  # a region's name
    assert found.root("place", "new york") == ("place", "new york")  # the place list knows it
    assert found.root("place", "new england") == ("place", "new england")  # one stray vote in 21
    newspaper = clean_mentions([mention("Wall Street Journal", "place"), mention("Chicago Tribune", "place")])
    assert [e.label for e in newspaper] == ["org", "org"]


def test_military_ranks_are_titles_not_names() -> None:
    body = "Marine Lt. Col. Oliver North told Admiral John Poindexter and Prime Minister John Major."
    tagged = [("Marine Lt", "person"), ("Col. Oliver North", "person"), ("Admiral John Poindexter", "person")]
    assert cleaned(body, *tagged, ("John Major", "person")) == [
        ("Oliver North", "person"),
        ("John Poindexter", "person"),
        ("John Major", "person"),  # "major" is no rank here: a surname too
    ]


def test_parties_named_by_their_members_and_agency_acronyms_are_one_name_each() -> None:
    assert alias("Democrats") == ("org", "Democratic Party")
    assert alias("Republicans") == alias("Republican") == alias("GOP") == ("org", "Republican Party")
    assert alias("Labour") == alias("Labour Party") == ("org", "Labour Party")
    fda = ("org", "Food and Drug Administration")
    assert alias("FDA") == alias("U.S. Food and Drug Administration") == fda
    assert alias("Ministry of International Trade") == alias("MITI")  # cut at "and Industry"
    assert alias("Christian Democrats") is None  # another party
    assert alias("GAO") == alias("Accounting Office") == ("org", "General Accounting Office")
    keidanren = ("org", "Keidanren")
    assert alias("Keidanren") == alias("Federation of Economic Organisations") == keidanren
    assert [(e.text, e.label) for e in clean_mentions([mention("Keidanren", "person")])] == [keidanren[::-1]]
    assert alias("AT&T") == alias("ATT") == ("org", "American Telephone and Telegraph Co")
    assert alias("EC Commission") == alias("European Community Commission") == ("org", "European Commission")
    assert alias("Nippon Telegraph") == alias("NTT") == ("org", "Nippon Telegraph and Telephone Corp")
    assert alias("UAW") == alias("United Automobile Workers") == ("org", "United Auto Workers")
    body = "Democrats, Republicans and the FDA met."
    tagged = [("Democrats", "org"), ("Republicans", "org"), ("FDA", "org")]
    assert [name for name, _ in cleaned(body, *tagged)] == [
        "Democratic Party",
        "Republican Party",
        "Food and Drug Administration",
    ]


def test_an_acronym_joins_the_expansion_most_of_its_articles_share() -> None:
    fdic = [("org", "fdic", "FDIC")]
    rows = [[*fdic, ("org", "federal deposit insurance corp", "Federal Deposit Insurance Corp")]] * 5
    rows += [[*fdic, ("org", "federal deposit insurance corporation", "FDIC's long name")]]
    uaw = [("org", "uaw", "UAW")]
    rows += [[*uaw, ("org", "united auto workers", "United Auto Workers")]] * 3
    rows += [[*uaw, ("org", "united automobile workers", "United Automobile Workers")]] * 2
    rows += [fdic, uaw]  # alone in an article
    rows += [[("org", "fhlbb", "FHLBB")], [("org", "federal home loan bank board", "FHLBB's name")]]
    found = resolve_collection(rows)
    assert found.root("org", "fhlbb") == ("org", "fhlbb")  # its expansion is in no article of its own
    assert found.root("org", "fdic") == ("org", "federal deposit insurance corp")  # 5 of 6 articles
    assert found.root("org", "uaw") == ("org", "uaw")  # 3 of 5: no expansion is the one


def test_bros_is_brothers_and_a_firm_without_brothers_inc_is_the_firm() -> None:
    from searchidx.entities.canonical import name_key

    assert name_key("Shearson Lehman Bros. Inc") == name_key("Shearson Lehman Brothers Inc")
    assert name_key("ITT Intl Corp") == "itt international corp"
    firm = ("org", "shearson lehman brothers inc", "Shearson Lehman Brothers Inc")
    rows = [[firm]] * 5 + [[("org", "shearson lehman", "Shearson Lehman")]] * 2
    rows += [[("org", "shearson lehman brothers holdings inc", "Shearson Lehman Brothers Holdings Inc")]]
    found = resolve_collection(rows)
    assert found.root("org", "shearson lehman") == ("org", "shearson lehman brothers inc")
    holdings = ("org", "shearson lehman brothers holdings inc")
    assert found.root(*holdings) == holdings  # a company of its own


def test_a_surname_that_begins_a_firm_is_still_the_person_its_articles_mean() -> None:
    rows = [[("person", "james baker", "James Baker")]] * 10 + [[("person", "howard baker", "Howard Baker")]]
    rows += [[("person", "baker", "Baker")]] * 5 + [
        [("org", "baker international corp", "Baker International")]
    ] * 3
    rows += [[("person", "moody", "Moody")]] * 2 + [[("org", "moody's investors service inc", "Moody's")]] * 4
    rows += [[("person", "shearson", "Shearson")]] * 3 + [[("person", "shearson lehman", "Shearson Lehman")]]
    rows += [[("org", "shearson lehman brothers inc", "Shearson Lehman Brothers Inc")]] * 3
    found = resolve_collection(rows)
    assert found.root("person", "baker") == ("person", "james baker")
    assert found.root("person", "shearson")[0] == "org"  # the name it begins is a firm's
    assert found.root("person", "moody")[0] == "org"  # no person the surname stands for


def test_a_one_word_org_that_begins_one_firm_used_as_much_is_that_firm() -> None:
    rows = [[("org", "ford", "Ford")]] * 4 + [[("org", "ford motor co", "Ford Motor Co")]] * 9
    rows += [[("org", "ford motor credit co", "Ford Motor Credit Co")]]
    rows += [[("org", "ford co", "Ford Co")]]  # its legal variant in one article: not the firm it is
    rows += [[("org", "europe", "Europe")]] * 5 + [[("org", "europe fund inc", "Europe Fund Inc")]] * 6
    rows += [[("org", "delhi", "Delhi")]] + [[("org", "delhi petroleum pty ltd", "Delhi Petroleum")]] * 3
    found = resolve_collection(rows, places={"delhi"})
    assert found.root("org", "ford") == ("org", "ford motor co")  # 9 of the 10 firms' articles
    assert found.root("org", "europe") == ("org", "europe")  # its firm is not in twice its articles
    assert found.root("org", "delhi") == ("org", "delhi")  # a place's name


def test_every_spelling_of_a_name_is_shown_as_the_collection_writes_it_most() -> None:
    rows = [[("person", "bashar assad", "Bashar al-Assad")]] * 3 + [
        [("person", "bashar assad", "Bashar Assad")]
    ]
    found = resolve_collection(rows)
    assert found.resolve_names({"person": ["Bashar Assad"]}) == {"person": ("Bashar al-Assad",)}
    assert found.resolve_names({"person": ["Bashar al-Assad"]}) == {"person": ("Bashar al-Assad",)}
