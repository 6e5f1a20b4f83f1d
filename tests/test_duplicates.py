"""Folding copies of one story (issue 13): re-sent, corrected, shortened; not routine look-alikes."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx import Filters, Index
from searchidx.cli import search_command
from searchidx.duplicates import Sketch, fold_page, resemblance, same_story, sketch, story_groups
from searchidx.stories import Stories, load_stories

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
        assert results.total == 4  # totals count stories: three copies, "other" and two bulletins
        shown = {h.id: set(h.copies) for h in results.hits}
        [story] = [i for i in shown if i in {"full", "short", "fixed"}]
        assert shown[story] == {"full", "short", "fixed"} - {story}
        assert "other" in shown and {"fed-1", "fed-2"} <= shown.keys()  # a day apart: two stories
        every = index.search("oil", limit=10, fold=False)
        assert every.total == 6 and len(every.hits) == 6 and all(not h.copies for h in every.hits)
        assert index.count("oil") == 4 and index.count("oil", fold=False) == 6
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
    assert len(hits) == 3 and all(h["copies"] == [] and h["similar"] == 0 for h in hits)
    folded = runner.invoke(search_command, ["--index", str(tmp_path / "ix"), "--json", "opec"])
    [hit] = [json.loads(line)["data"] for line in folded.stdout.splitlines() if '"type": "hit"' in line]
    assert hit["similar"] == 2 and sorted(hit["copies"]) == sorted({"full", "short", "fixed"} - {hit["id"]})


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


# ---- stories: grouped once per commit; totals, counts and facets count them ----------------


def _components(items: list[tuple[int, Sketch, int | None]]) -> dict[int, int]:
    """The stories by brute force: every pair compared, then connected components."""
    first = {d: d for d, _s, _t in items}

    def root(d: int) -> int:
        while first[d] != d:
            d = first[d]
        return d

    for (a, sa, ta), (b, sb, tb) in itertools.combinations(items, 2):
        apart = None if ta is None or tb is None else abs(ta - tb)
        if same_story(sa, sb, apart):
            ra, rb = root(a), root(b)
            first[max(ra, rb)] = min(ra, rb)
    found = {d: root(d) for d in first}
    return {d: r for d, r in found.items() if d != r or list(found.values()).count(r) > 1}


WORDS = [f"w{i}" for i in range(40)]


@st.composite
def _collections(draw: st.DrawFn) -> list[tuple[int, Sketch, int | None]]:
    """Stories and lightly edited copies of them (a few words changed, cut or added), some undated."""
    items: list[tuple[int, Sketch, int | None]] = []
    for _story in range(draw(st.integers(1, 4))):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=90))
        when = draw(st.one_of(st.none(), st.integers(0, 6 * DAY)))
        for _copy in range(draw(st.integers(1, 4))):
            edited = list(words)
            for _edit in range(draw(st.integers(0, 3))):
                at = draw(st.integers(0, len(edited)))
                edited[at : at + draw(st.integers(0, 2))] = draw(st.lists(st.sampled_from(WORDS), max_size=2))
            shift = draw(st.one_of(st.none(), st.integers(0, 5 * DAY)))
            items.append(
                (
                    len(items),
                    sketch("", " ".join(edited)),
                    None if shift is None or when is None else when + shift,
                )
            )
    return items


@settings(max_examples=150, deadline=None)
@given(_collections())
def test_story_groups_are_the_components_of_every_pair_compared(
    items: list[tuple[int, Sketch, int | None]],
) -> None:
    assert story_groups(items) == _components(items)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 20), max_size=60), st.sets(st.integers(0, 80)))
def test_stories_count_and_keep_one_article_per_story(labels: list[int], docs: set[int]) -> None:
    members: dict[int, list[int]] = {}
    for docnum, label in enumerate(labels):  # docnum -> its story's label: groups as story_groups gives
        members.setdefault(label, []).append(docnum)
    first = {d: group[0] for group in members.values() if len(group) > 1 for d in group}
    stories = Stories(first)
    told = {stories.of(d) for d in docs}
    assert stories.count(docs) == len(told)
    kept = stories.distinct(set(docs))
    assert kept <= docs and {stories.of(d) for d in kept} == told and len(kept) == len(told)
    assert all(d == min(e for e in docs if stories.of(e) == stories.of(d)) for d in kept)


def test_totals_counts_and_facets_count_stories_unless_every_copy_is_asked(
    wire: Path, tmp_path: Path
) -> None:
    with Index.build(tmp_path / "ix", [wire], entities=False, workers=1) as index:
        since = Filters(since=dt.datetime(1987, 3, 1, tzinfo=dt.UTC))  # a filter: the pruned ranking
        for text, stories, articles in (("oil", 4, 6), ('"oil price"', 2, 4), ("opec", 1, 3)):
            assert index.search(text, filters=since).total == stories  # first: its terms not cached
            assert index.count(text) == stories and index.count(text, fold=False) == articles
            assert index.search(text).total == stories and index.search(text, fold=False).total == articles
            assert index.search(text, sort="newest").total == stories
            assert index.facets(text).total == stories and index.facets(text, fold=False).total == articles
        march = dict(index.facets("opec").months)
        assert march == {"1987-03": 1} and dict(index.facets("opec", fold=False).months) == {"1987-03": 3}
    runner = CliRunner()
    where = ["--index", str(tmp_path / "ix")]
    assert runner.invoke(search_command, [*where, "-c", "opec"]).stdout.strip() == "1"
    assert runner.invoke(search_command, [*where, "-c", "--all-copies", "opec"]).stdout.strip() == "3"


def test_stories_are_saved_per_commit_and_grouped_again_without_the_file(wire: Path, tmp_path: Path) -> None:
    where = tmp_path / "ix"
    Index.build(where, [wire], entities=False, workers=1).close()
    saved = json.loads((where / "stories.json").read_text())
    with Index.open(where) as index:
        assert index.count("opec") == 1
    assert len(saved["copies"]) == 3 * 2  # each copy with its story's first docnum (the story's own too)
    (where / "stories.json").write_text(json.dumps({**saved, "copies": []}))
    with Index.open(where) as index:
        assert index.count("opec") == 3  # the file is trusted for its generation ...
    stale = {"generation": saved["generation"] + 1, "copies": []}
    (where / "stories.json").write_text(json.dumps(stale))
    with Index.open(where) as index:
        assert index.count("opec") == 1  # ... and a stale one is not: grouped in memory
    (where / "stories.json").unlink()
    with Index.open(where) as index:
        assert index.count("opec") == 1
    for damaged in (["0", "0"], [0, 0.0], [True, 0], [0], {"0": 0}):  # not pairs of docnums: regrouped
        (where / "stories.json").write_text(json.dumps({**saved, "copies": damaged}))
        assert load_stories(where, saved["generation"]) is None, damaged
    (where / "stories.json").write_text(json.dumps(saved))
    assert load_stories(where, saved["generation"]) is not None


def test_a_collection_of_many_copies_is_ranked_once_for_a_page() -> None:
    ranking = [(d, 1000.0 - d) for d in range(400)]  # stories of four copies: 0-3, 4-7, ...
    asked: list[int] = []

    def ranked(n: int) -> tuple[int, list[tuple[int, float]]]:
        asked.append(n)
        return 100, ranking[:n]

    stories = Stories({d: d - d % 4 for d in range(400)})
    assert stories.spread(400) == 4.0 and Stories({}).spread(10) == 1.0
    _total, page, copies = fold_page(ranked, stories.of, 10, 0, stories.spread(400))
    assert [d for d, _ in page] == list(range(0, 40, 4)) and copies[0] == [1, 2, 3]
    assert len(asked) == 1  # read enough at once: not again for more hits
    asked.clear()
    assert fold_page(ranked, stories.of, 10, 0)[1] == page and len(asked) == 2  # without: read twice


def test_stories_are_counted_across_segments(wire: Path, tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    lines = wire.read_text(encoding="utf-8").splitlines()
    (news / "a.jsonl").write_text("\n".join(lines[3:]), encoding="utf-8")  # "other" and the bulletins
    with Index.build(tmp_path / "ix", [news], entities=False, workers=1) as index:
        (news / "b.jsonl").write_text("\n".join(lines[:3]), encoding="utf-8")  # the three copies, later
        index.update([news])
        with index._reader.using() as snapshot:  # the copies' docnums start past the first segment's
            assert len(snapshot.segment_starts()) == 2
        for text, stories, articles in (('"oil price"', 2, 4), ("opec", 1, 3), ("oil", 4, 6)):
            assert index.search(text).total == stories and index.count(text, fold=False) == articles


def test_stats_count_the_stories_too(wire: Path, tmp_path: Path) -> None:
    with Index.build(tmp_path / "ix", [wire], entities=False, workers=1) as index:
        stats = index.stats()
    assert (stats.documents, stats.stories) == (6, 4)  # three copies of one story
    assert stats.to_dict()["stories"] == 4


def test_a_key_thousands_of_articles_share_costs_pairs_in_proportion_to_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages from one template share their smallest hashes: each is compared with its nearest few only.

    Comparing every pair of such a key ran out of memory (10,000 articles: 4.3 GB, 3 minutes);
    copies of one story published together are still found.
    """
    from searchidx import duplicates

    monkeypatch.setattr(duplicates, "_NEAREST", 16)
    template = " ".join(f"c{k}q" for k in range(30))

    def page(n: int) -> Sketch:  # its own lead, then the template every page shares
        return sketch(f"Page {n}", " ".join(f"w{n * 20 + k}x" for k in range(20)) + " " + template)

    items: list[tuple[int, Sketch, int | None]] = [(n, page(n), 600 * n) for n in range(400)]
    items += [(400, page(200), 600 * 200 + 60), (401, page(200), 600 * 200 + 120)]  # copies of 200
    compared = 0
    pairs = duplicates._pairs

    def counted(*args: Any) -> Any:
        nonlocal compared
        for pair in pairs(*args):
            compared += 1
            yield pair

    monkeypatch.setattr(duplicates, "_pairs", counted)
    groups = story_groups(items)
    assert groups == {200: 200, 400: 200, 401: 200}  # the copies; the template made no story
    assert compared <= 402 * 16 * (duplicates._KEYS + 1)  # each key: 16 pairs an article at most
