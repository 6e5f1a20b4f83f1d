from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from searchidx.discovery import discover
from searchidx.ingest import bundled_seeds, decode, parse_date, parse_text_article, read_file


def _seed(name_prefix: str):
    root = bundled_seeds()
    path = next(root.glob(f"{name_prefix}_*.txt"))
    articles, problems = read_file(path, root)
    assert problems == []
    return articles[0]


def test_seed_with_date_and_headline() -> None:
    art = _seed("002")
    assert art.date == dt.datetime(2018, 9, 17, tzinfo=dt.UTC)
    assert art.title == "Putin and Erdogan to hold talks on Syria´s rebel-held Idlib"
    assert not art.title_derived
    assert art.body.startswith("Moscow -Russian President")


def test_seed_with_date_and_first_paragraph_derives_title() -> None:
    art = _seed("001")
    assert art.date == dt.datetime(2019, 12, 24, tzinfo=dt.UTC)
    assert art.title_derived
    assert art.title.startswith("Turkey said Tuesday")
    assert art.body.startswith("Turkey said Tuesday")  # the paragraph stays in the body


def test_seed_without_date_stays_undated() -> None:
    for prefix in ("000", "004"):
        assert _seed(prefix).date is None
    assert _seed("004").title == "Syria, Turkey battle for ground in Idlib as Moscow peace talks convene"


def test_dateline_is_skipped_in_derived_title() -> None:
    art = _seed("003")
    assert art.title.startswith("Turkey sent more reinforcements")
    assert art.body[art.title_start :].startswith("Turkey sent")
    assert len(art.title) <= 121 and art.title.endswith("…")


def test_bad_header_date_is_a_warning_not_a_loss() -> None:
    art, problems = parse_text_article(" date 2019-02-30 Headline here\n\nBody text.", id="x", path="x")
    assert art.date is None and art.title == "Headline here"
    assert len(problems) == 1 and not problems[0].skipped and "2019-02-30" in problems[0].reason


def test_parse_date_converts_to_utc() -> None:
    assert parse_date("2020-01-15T10:00:00+02:00") == dt.datetime(2020, 1, 15, 8, tzinfo=dt.UTC)
    assert parse_date("2020-01-15") == dt.datetime(2020, 1, 15, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("15/01/2020")


def test_jsonl_records_errors_name_the_line(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    rows = [
        json.dumps({"id": "a", "title": "T", "text": "x", "lang": "en"}),
        "{not json",
        "[1]",
        json.dumps({"id": "b", "text": "no title here. More."}),
    ]
    feed.write_text("\n".join(rows), encoding="utf-8")
    articles, problems = read_file(feed, tmp_path)
    assert [a.id for a in articles] == ["a", "b"]
    assert articles[0].metadata == {"lang": "en"}
    assert articles[1].title_derived and articles[1].title == "no title here."
    assert [(p.line, p.skipped) for p in problems] == [(2, True), (3, True)]
    assert "invalid JSON" in problems[0].reason


def test_decode_handles_boms_latin1_and_binary() -> None:
    assert decode("héllo".encode("utf-16"))[0] == "héllo"
    text, warning = decode("café".encode("cp1252"))
    assert text == "café" and warning and "Windows-1252" in warning
    with pytest.raises(ValueError, match="binary"):
        decode(b"\x00\x01\x02")


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bin.txt"
    bad.write_bytes(b"\x00\xff\x00")
    articles, problems = read_file(bad, tmp_path)
    assert articles == [] and problems[0].skipped and problems[0].path == str(bad)


def test_discover_skips_hidden_and_foreign_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "image.png").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl").write_text("{}")
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["a.txt", "sub/b.jsonl"]
    missing = list(discover(tmp_path / "nope"))
    assert len(missing) == 1 and "no such file" in str(missing[0])
