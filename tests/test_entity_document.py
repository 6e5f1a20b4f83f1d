"""The document-level pass over an article's mentions (searchidx.entities.document) and results lines."""

from __future__ import annotations

from searchidx.entities.decode import decode, results_line
from searchidx.entities.document import document_mentions, document_spans
from searchidx.models import Entity


def _doc(*lines: str) -> list[list[str]]:
    return [line.split() for line in lines]


def test_one_type_per_name_by_majority_and_ties_keep_their_own() -> None:
    sentences = _doc("Somerset beat Kent .", "Somerset won .", "Somerset lost .", "Kent drew .")
    spans = [[(0, 1, "ORG"), (2, 3, "LOC")], [(0, 1, "ORG")], [(0, 1, "LOC")], [(0, 1, "ORG")]]
    out = document_spans(sentences, spans)
    assert out[2] == [(0, 1, "ORG")]  # Somerset: 2 ORG against 1 LOC
    assert out[0][1] == (2, 3, "LOC") and out[3] == [(0, 1, "ORG")]  # Kent: a tie, each keeps its own


def test_untagged_mentions_of_a_tagged_name_are_tagged() -> None:
    sentences = _doc(
        "Russian general Alexander Lebed said in Grozny the Chechens agreed .",
        "Lebed told the OSCE that Grozny was calm .",
        "LEBED MEETS OSCE IN GROZNY",
        "the osce said lebed ( not Lebedev ) met the Russian envoy .",
    )
    spans: list[list[tuple[int, int, str]]] = [[(2, 4, "PER"), (6, 7, "LOC")], [(3, 4, "ORG")], [], []]
    out = document_spans(sentences, spans)
    assert out[1] == [(0, 1, "PER"), (3, 4, "ORG"), (5, 6, "LOC")]  # the surname, and Grozny
    assert out[2] == [(0, 1, "PER"), (2, 3, "ORG"), (4, 5, "LOC")]  # an all-capitals line
    assert out[3] == []  # lower case is never a name, and "Lebedev" is another word


def test_a_surname_is_a_person_and_nationalities_do_not_spread() -> None:
    sentences = _doc("Boris Yeltsin met Dutch envoys .", "Yeltsin thanked the Dutch .", "Dutch firms")
    spans = [[(0, 2, "PER"), (3, 4, "LOC")], [(0, 1, "ORG")], []]
    out = document_spans(sentences, spans, places=frozenset({"moscow"}))
    assert out == [[(0, 2, "PER")], [(0, 1, "PER")], []]  # "Dutch" tagged a place is dropped
    assert document_spans(sentences[:1], spans[:1], places=frozenset({"dutch"})) == spans[:1]


def test_results_lines_cut_names_at_numbers_and_make_teams_organisations() -> None:
    words = "Millwall 4 2 1 1 7 5 7".split()
    assert results_line(words) and not results_line("He said Millwall won 4 of 7 games .".split())
    assert not results_line("LONDON 1996-08-30".split())
    tags = ["B-MISC"] + ["I-MISC"] * 7
    assert decode(words, tags) == [(0, 1, "ORG")]
    words = "Oldham 3 Ipswich 3 , Adam Hunter 70".split()
    tags = ["B-LOC", "O", "B-LOC", "O", "O", "B-PER", "I-PER", "O"]
    assert decode(words, tags) == [(0, 1, "ORG"), (2, 3, "ORG"), (5, 7, "PER")]
    words = "In Oldham 3 people died on Friday".split()
    assert decode(words, ["O", "B-LOC", "O", "O", "O", "O", "B-PER"]) == [(1, 2, "LOC")]  # prose


def test_document_mentions_keeps_offsets_and_adds_the_missed_ones() -> None:
    text = "Vladimir Putin met Erdogan in Sochi. Later Putin flew home. Erdogan's aides said Sochi was calm."
    tagged = [
        Entity("Vladimir Putin", "person", 0, 14),
        Entity("Erdogan", "org", 19, 26),
        Entity("Sochi", "place", 30, 35),
        Entity("Erdogan", "person", 60, 67),
    ]
    out = document_mentions(tagged, text, places=frozenset({"sochi"}))
    assert all(text[e.start : e.end] == e.text for e in out)
    assert [(e.text, e.label, e.start) for e in out] == [
        ("Vladimir Putin", "person", 0),
        ("Erdogan", "org", 19),  # a tie (one org, one person): each keeps its own
        ("Sochi", "place", 30),
        ("Putin", "person", 43),
        ("Erdogan", "person", 60),
        ("Sochi", "place", 81),
    ]
    assert document_mentions([], text) == []
    assert document_mentions(tagged[2:3], text) == []  # no place list: "Sochi" ends like "Iraqi"


def test_a_name_found_in_the_pass_is_not_tagged_again_inside() -> None:
    from searchidx.entities.document import document_spans

    sentences = [
        ["Bank", "of", "England", "said"],
        ["the", "Bank", "of", "England", "rose"],
        ["England", "won"],
    ]
    found = document_spans(sentences, [[(0, 3, "ORG")], [], [(0, 1, "LOC")]])
    assert found == [[(0, 3, "ORG")], [(1, 4, "ORG")], [(0, 1, "LOC")]]  # not also "England" at 3


def test_a_sentence_not_split_is_split_only_if_a_name_may_be_in_it() -> None:
    texts = ["Boris Yeltsin met envoys .", "later , Yeltsin left .", "nothing here ."]
    asked: list[int] = []

    def text_of(number: int) -> str:
        asked.append(number)
        return texts[number]

    sentences = [texts[0].split(), None, None]
    out = document_spans(sentences, [[(0, 2, "PER")], [], []], text_of=text_of)
    assert out == [[(0, 2, "PER")], [(2, 3, "PER")], []]  # the surname found in a sentence split here
    assert asked == [1, 2]
    whole = document_spans([t.split() for t in texts], [[(0, 2, "PER")], [], []])
    assert whole == out
