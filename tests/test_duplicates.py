"""Folding copies of one story (issue 13): re-sent, corrected, shortened; not routine look-alikes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchidx import Index
from searchidx.cli import search_command
from searchidx.duplicates import resemblance, same_story, sketch

LEAD = (
    "OPEC believes world oil prices should be set around a fixed average price of 18 dlrs a barrel, "
    "an OAPEC official said today in Luxembourg."
)
REST = " ".join(f"Producers cut output in quarter {i} to defend the price of crude oil." for i in range(12))
FED = (
    "The Federal Reserve entered the government securities market to arrange customer repurchase agreements."
)


def _article(i: str, title: str, text: str, date: str) -> str:
    return json.dumps({"id": i, "title": title, "text": text, "date": date or None})


@pytest.fixture
def wire(tmp_path: Path) -> Path:
    lines = [
        _article("full", "Opec wants 18 dlr oil price", LEAD + " " + REST, "1987-03-17T10:00:00Z"),
        _article(
            "short", "Opec wants 18 dlr price - official", LEAD + " Output was cut.", "1987-03-17T12:00:00Z"
        ),
        _article(
            "fixed",
            "(Corrected) Opec wants 18 dlr oil price",
            LEAD.replace("today", "on Tuesday") + " " + REST,
            "1987-03-17T14:00:00Z",
        ),
        _article(
            "other",
            "Oil price firm",
            "Crude oil prices were firm in quiet trade, dealers said.",
            "1987-03-17T09:00:00Z",
        ),
        _article("fed-1", "Fed adds reserves", FED + " Oil was not mentioned.", "1987-03-02T16:00:00Z"),
        _article("fed-2", "Fed adds reserves", FED + " Oil was not mentioned.", "1987-03-03T16:00:00Z"),
    ]
    src = tmp_path / "wire.jsonl"
    src.write_text("\n".join(lines), encoding="utf-8")
    return src


def test_copies_fold_into_the_best_hit_and_routine_stories_do_not(wire: Path, tmp_path: Path) -> None:
    with Index.build(tmp_path / "ix", [wire], entities=False, workers=1) as index:
        results = index.search("oil", limit=10)
        assert results.total == 6  # totals count every article
        shown = {h.id: set(h.copies) for h in results.hits}
        [story] = [i for i in shown if i in {"full", "short", "fixed"}]
        assert shown[story] == {"full", "short", "fixed"} - {story}
        assert "other" in shown and {"fed-1", "fed-2"} <= shown.keys()  # a day apart: two stories
        every = index.search("oil", limit=10, fold=False)
        assert len(every.hits) == 6 and all(not h.copies for h in every.hits)
        # Paging counts stories: the second page starts after the first page's last story.
        first, second = index.search("oil", limit=2), index.search("oil", limit=2, offset=2)
        assert [h.id for h in first.hits + second.hits] == [h.id for h in results.hits][:4]


def test_the_cli_marks_copies_and_lists_them_all_on_request(wire: Path, tmp_path: Path) -> None:
    Index.build(tmp_path / "ix", [wire], entities=False, workers=1).close()
    runner = CliRunner()
    shown = runner.invoke(search_command, ["--index", str(tmp_path / "ix"), "--color", "never", "opec"])
    assert shown.exit_code == 0 and "+2 copies" in shown.stdout and shown.stdout.count("Opec wants") == 1
    every = runner.invoke(search_command, ["--index", str(tmp_path / "ix"), "--all-copies", "--json", "opec"])
    hits = [json.loads(line)["data"] for line in every.stdout.splitlines() if '"type": "hit"' in line]
    assert len(hits) == 3 and all(h["copies"] == [] for h in hits)


def test_sketches_tell_copies_from_other_stories() -> None:
    full, short = sketch("", LEAD + " " + REST), sketch("", LEAD + " Output was cut.")
    assert same_story(full, short)  # the same lead
    edited = sketch("", "Dealers said " + LEAD[5:] + " " + REST)
    assert resemblance(full[1:], edited[1:]) >= 0.8 and same_story(full, edited)  # a new lead, same text
    assert not same_story(full, sketch("", "Crude oil prices were firm in quiet trade, dealers said."))
    assert sketch("Title only", "") == sketch("Title only", "")


def test_a_page_reads_on_past_many_copies(tmp_path: Path) -> None:
    lines = [_article(f"copy-{i}", "Storm storm", "Storm storm storm hits the coast.", "") for i in range(30)]
    lines += [
        _article(f"other-{i}", f"Other {i}", f"A storm report number {i} of many words.", "")
        for i in range(3)
    ]
    (tmp_path / "w.jsonl").write_text("\n".join(lines), encoding="utf-8")
    with Index.build(tmp_path / "ix", [tmp_path / "w.jsonl"], entities=False, workers=1) as index:
        hits = index.search("storm", limit=3).hits
        assert len(hits) == 3 and len(hits[0].copies) == 29


WEEKEND = " ".join(
    f"Finance ministers meeting in Washington said point {i} of the accord on currencies still stands."
    for i in range(14)
)  # a story of a few paragraphs (over 200 words)
DAY = 24 * 3600


def test_a_story_re_run_days_later_is_a_copy_but_a_bulletin_sent_each_day_is_not() -> None:
    story, rerun = sketch("", WEEKEND + " REUTER"), sketch("", WEEKEND)
    assert same_story(story, rerun, 31 * 3600)  # Saturday night's story re-run on Monday morning
    assert same_story(story, rerun, 3 * DAY) and not same_story(story, rerun, 5 * DAY)
    assert same_story(story, rerun)  # undated: the text decides
    bulletin = sketch("", FED + " Dealers said Federal funds were trading at 6-1/4 pct.")
    assert same_story(bulletin, bulletin, 12 * 3600) and not same_story(bulletin, bulletin, DAY)
    other = sketch("", WEEKEND.replace("still stands", "was broken by Japan"))  # much of it, not nearly all
    assert not same_story(story, other, 2 * DAY)


def test_sketches_stored_before_lengths_were_kept_still_compare() -> None:
    new = sketch("", WEEKEND)
    old = (new[0], *new[2:])  # lead and hashes only, as indexes written earlier hold them
    assert same_story(old, new) and same_story(old, old, 12 * 3600)
    assert resemblance(old[1:], new[1:]) == 1.0  # the length is not a hash
    twin = sketch("", " ".join(f"w{i}" for i in range(len(WEEKEND.split()))))  # as long, no word shared
    assert resemblance(new[1:], twin[1:]) == 0.0
    assert not same_story(old, new, 2 * DAY)  # no length known: no re-run rule


def test_a_re_run_folds_into_the_story_in_results(tmp_path: Path) -> None:
    lines = [
        _article("sat", "Ministers back accord", WEEKEND, "1987-03-21T23:30:00Z"),
        _article("mon", "Ministers back currency accord", WEEKEND + " REUTER", "1987-03-23T08:10:00Z"),
        _article("fri", "Ministers back accord", WEEKEND, "1987-03-16T08:00:00Z"),  # a week before
    ]
    (tmp_path / "w.jsonl").write_text("\n".join(lines), encoding="utf-8")
    with Index.build(tmp_path / "ix", [tmp_path / "w.jsonl"], entities=False, workers=1) as index:
        shown = {h.id: set(h.copies) for h in index.search("accord", limit=10).hits}
    assert len(shown) == 2 and "fri" in shown and ({"sat", "mon"} & shown.keys())
    [kept] = {"sat", "mon"} & shown.keys()
    assert shown[kept] == {"sat", "mon"} - {kept} and shown["fri"] == set()
