"""'Did you mean': word by word, fewest edits first, then the more frequent word."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from searchidx import Index
from searchidx.spelling import edit_distance

ARTICLES = [
    *[f"Inflation report {i}\n\nInflation rose again, the bank said of inflation." for i in range(6)],
    "Balloons\n\nThey inflate the balloons.",
    *[f"OPEC meeting {i}\n\nOPEC said oil prices would hold; prices fell later." for i in range(5)],
    "Puzzle\n\nThe pieces of the puzzle.",
    "Chess\n\nThe chess pieces were old.",
    *[f"Budget {i}\n\nThe government deficit grew, the government said." for i in range(50)],
    "Typo\n\nThe goverment spokesman declined to comment.",
    "Another typo\n\nThe governent spokesman did not comment.",
    *[f"Stocks {i}\n\nThe stock market closed higher." for i in range(6)],
    "Pens\n\nA felt marker and a pen.",
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    root = tmp_path_factory.mktemp("spelling")
    corpus = root / "corpus"
    corpus.mkdir()
    for number, text in enumerate(ARTICLES):
        (corpus / f"{number:03}.txt").write_text(text + "\n", encoding="utf-8")
    with Index.build(root / "ix", [corpus], entities=False, workers=1) as built:
        yield built


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("inflaton", "inflation"),  # 1 edit; "inflate" (same stem, shorter) is 2
        ("opec pirces", "opec prices"),  # "prices" and "pieces" are 1 edit: more articles say prices
        ("opec prcies", "opec prices"),  # a transposition is one edit
        ("markr", "marker"),  # 1 edit beats "market" (2 edits), however frequent
        ("goverment deficit", "government deficit"),  # a rare word, 1 edit from one 50x as common
        ("govenment deficit", "government deficit"),  # not "governent" (same stem): fewer letters kept
        ("goverment chess", None),  # ... only when the correction finds something
        ("inflate opec", None),  # "inflation" is common, but only 6x as common: "inflate" stays
        ("stock markte", "stock market"),
    ],
)
def test_suggestions(index: Index, query: str, expected: str | None) -> None:
    results = index.search(query)
    assert results.total == 0
    assert results.suggestion == expected


def test_suggestion_must_find_something(index: Index) -> None:
    assert index.search("inflaton puzzle").suggestion is None  # "inflation puzzle" matches nothing
    assert index.search("qqqqzz").suggestion is None
    assert index.search("opec").suggestion is None  # hits: no suggestion


def test_words_that_match_are_kept(index: Index) -> None:
    assert index.search("opec pirces").suggestion == "opec prices"
    assert index.search("OPEC pirces").suggestion == "OPEC prices"  # untouched words keep their case


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("pirces", "prices", 1),
        ("pirces", "pieces", 1),
        ("inflaton", "inflation", 1),
        ("inflaton", "inflate", 2),
        ("markr", "market", 2),
        ("abc", "abc", 0),
        ("abc", "", 3),
        ("ca", "abc", 3),  # restricted Damerau: no edit of a transposed pair
        ("kitten", "sitting", 3),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b, 3) == distance
    assert edit_distance(b, a, 3) == distance
    if distance:
        assert edit_distance(a, b, distance - 1) == distance  # past the limit: limit + 1


def test_edit_distance_stops_past_the_limit() -> None:
    assert edit_distance("inflation", "zzzzzzzzz", 2) == 3
    assert edit_distance("a", "abcdef", 2) == 3


def test_each_index_keeps_its_own_vocabulary(tmp_path: Path) -> None:
    import json

    from searchidx import Index

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "a.txt").write_text("Tanker news\n\nThe supertanker convoy sailed.\n")
    (second / "b.txt").write_text("Grain news\n\nWheat exports rose.\n")
    index_a = Index.build(tmp_path / "ix-a", [first], entities=False, workers=1)
    index_a.search("qwertyuiopish")  # a query word enters the process's stem memo
    index_b = Index.build(tmp_path / "ix-b", [second], entities=False, workers=1)
    words = json.loads((index_b.path / "stems.json").read_text())
    assert "wheat" in words and "exports" in words
    assert "supertanker" not in words and "qwertyuiopish" not in words


def test_stems_json_holds_the_words_of_the_index_s_articles_only(tmp_path: Path) -> None:
    """An update records its own words: not a word of another index whose stem this one holds."""
    import json

    from searchidx import Index

    for name, text in (("b", "Wheat exports rose."), ("a", "Exporting grain was hard."), ("c", "Corn fell.")):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(f"News\n\n{text}\n")
    Index.build(tmp_path / "ix-b", [tmp_path / "b"], entities=False, workers=1).close()
    Index.build(tmp_path / "ix-a", [tmp_path / "a"], entities=False, workers=1).close()  # "exporting"
    ours = Index.open(tmp_path / "ix-b")
    ours.search("exportation")  # a query word with the stem "export" too
    ours.update([tmp_path / "b", tmp_path / "c"], workers=1)
    words = json.loads((ours.path / "stems.json").read_text())
    assert {"wheat", "exports", "rose", "corn", "fell"} <= words.keys()
    assert "exporting" not in words and "exportation" not in words and "grain" not in words


def test_worker_processes_send_back_their_own_words(tmp_path: Path) -> None:
    """With a pool, each worker's recorded words reach stems.json, and nothing its memo inherited."""
    import json

    from searchidx import Index
    from searchidx.segments import PARALLEL_MIN

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "a.txt").write_text("News\n\nWheat shipments leaving.\n")
    Index.build(tmp_path / "ix-a", [tmp_path / "a"], entities=False, workers=1).close()  # in the memo now
    lines = [
        json.dumps({"id": f"n{k}", "title": f"Note {k}", "text": f"Barley shipment {k} left."})
        for k in range(PARALLEL_MIN + 10)
    ]
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "many.jsonl").write_text("\n".join(lines) + "\n")
    index = Index.build(tmp_path / "ix-b", [tmp_path / "b"], entities=False, workers=2)
    words = json.loads((index.path / "stems.json").read_text())
    assert {"barley", "shipment", "left", "note"} <= words.keys()
    assert "shipments" not in words and "leaving" not in words and "wheat" not in words  # stems held


def test_suggestions_and_prefixes_read_the_index_s_words_not_the_process_s(tmp_path: Path) -> None:
    """A word another index taught this process ("exporting") is not this index's word."""
    from searchidx import Index

    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "b.txt").write_text("Grain news\n\nWheat exports rose.\n")
    (tmp_path / "a" / "a.txt").write_text("Trade news\n\nExporting grain was hard.\n")
    ours = Index.build(tmp_path / "ix-b", [tmp_path / "b"], entities=False, workers=1)
    Index.build(tmp_path / "ix-a", [tmp_path / "a"], entities=False, workers=1).close()  # after ours
    for index in (ours, Index.open(tmp_path / "ix-b")):
        assert index.search("exportin").suggestion == "exports"  # not "exporting", one edit closer
        assert index.search("exportin*").total == 0  # "exporting" would expand to the stem "export"
        assert index.search("export*").total == 1
