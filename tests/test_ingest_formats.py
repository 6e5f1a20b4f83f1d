"""CSV/TSV exports and compressed files (issue 13): columns, dialects, encodings, damage."""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import json
import lzma
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner

from searchidx import Index
from searchidx.cli import main
from searchidx.discovery import discover
from searchidx.ingest import iter_file, read_file
from searchidx.ingest_csv import parse_columns

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lambda data: lzma.compress(data, preset=1),
    ".zst": lambda data: zstandard.ZstdCompressor().compress(data),
}


# A saved page and a feed, for the compressed variants (web archives: test_ingest_web).
PAGE = (
    b'<html><head><link rel="canonical" href="https://ex.com/page"><title>Oil rises</title></head><body>'
    b"<nav><a href='/'>Home</a></nav><article><h1>Oil rises</h1><p>Crude oil rose on Monday as traders "
    b"weighed output cuts agreed by producers at the weekend, analysts said.</p></article></body></html>"
)
FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>Gas falls</title>'
    b"<guid>feed-1</guid><description>Gas fell.</description></item></channel></rss>"
)


def _jsonl(n: int, start: int = 0) -> bytes:
    rows = (
        {"id": f"r{i}", "title": f"Story {i}", "date": "2020-01-02", "text": f"Oil output report number {i}."}
        for i in range(start, start + n)
    )
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def test_csv_recognises_common_column_names(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "Headline,Pub_Date,Body,Link,Byline,Section\n"
        'Oil rises,1987-03-02T10:00:00Z,"Crude rose, traders said.\nA ""second"" line.",'
        "https://ex.com/1,Ann Lee,markets\n"
        'Gold falls,"Mon, 02 Mar 1987 12:00:00 +0100",Gold fell.,,,\n',
        encoding="utf-8",
    )
    articles, problems = read_file(export, tmp_path)
    assert problems == []
    first, second = articles
    assert first.id == "https://ex.com/1" and first.url == "https://ex.com/1"  # no id column: the url
    assert first.title == "Oil rises" and not first.title_derived
    assert first.body == 'Crude rose, traders said.\nA "second" line.'
    assert first.date == dt.datetime(1987, 3, 2, 10, tzinfo=dt.UTC)
    assert first.metadata == {"author": "Ann Lee", "Section": "markets"}
    assert first.line == 2
    assert second.id == "export.csv#4"  # no id, no url: the row's line, as JSON Lines does
    assert second.date == dt.datetime(1987, 3, 2, 11, tzinfo=dt.UTC)  # RFC 2822, as feeds write it


def test_csv_bad_rows_are_one_problem_each_and_the_rest_is_indexed(tmp_path: Path) -> None:
    export = tmp_path / "a.csv"
    export.write_text(
        "id,title,text,date\n1,One,First story.,2020-01-01\n2,Two,,2020-01-02\n"
        "3,Three,Third story.,someday\n4,Four,Fourth.,2020-01-04,extra\n5,Five,Fifth.,\n",
        encoding="utf-8",
    )
    articles, problems = read_file(export, tmp_path)
    assert [a.id for a in articles] == ["1", "3", "5"]
    assert [(p.line, p.skipped) for p in problems] == [(3, True), (4, False), (5, True)]
    assert "no text in column 'text'" in problems[0].reason
    assert str(problems[0]).startswith(f"{export}:3: ")


def test_csv_without_a_text_column_names_what_it_found(tmp_path: Path) -> None:
    export = tmp_path / "b.csv"
    export.write_text("headline,story\nOil,Crude rose.\n", encoding="utf-8")
    articles, problems = read_file(export, tmp_path)
    assert articles == [] and len(problems) == 1 and problems[0].skipped
    assert "'headline', 'story'" in problems[0].reason and "--columns text=" in problems[0].reason
    articles, problems = read_file(export, tmp_path, columns={"text": "STORY"})
    assert problems == [] and articles[0].body == "Crude rose." and articles[0].title == "Oil"


def test_parse_columns() -> None:
    assert parse_columns("title=headline, date=PubDate") == {"title": "headline", "date": "PubDate"}
    for bad in ("title", "title=", "when=pubdate", "title=a,,"):
        with pytest.raises(ValueError):
            parse_columns(bad)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("semi.csv", "title;text\nOne;Oil, gas and coal.\n"),  # sniffed
        ("tabs.tsv", "title\ttext\nOne\tOil, gas and coal.\n"),
        ("one.tsv", "text\nOil, gas and coal.\n"),  # a single column: nothing to sniff, the suffix decides
    ],
)
def test_dialects(tmp_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    articles, problems = read_file(tmp_path / name, tmp_path)
    assert problems == [] and articles[0].body == "Oil, gas and coal."


def test_csv_encodings(tmp_path: Path) -> None:
    table = "title,text\nCafé,Prix du café.\n"
    (tmp_path / "u16.csv").write_bytes(table.encode("utf-16"))
    (tmp_path / "bom.csv").write_bytes(table.encode("utf-8-sig"))
    (tmp_path / "cp.csv").write_bytes(table.encode("cp1252"))
    for name in ("u16.csv", "bom.csv", "cp.csv"):
        articles, problems = read_file(tmp_path / name, tmp_path)
        assert [(a.title, a.body) for a in articles] == [("Café", "Prix du café.")], name
        assert [p.skipped for p in problems] == ([False] if name == "cp.csv" else []), name
    (tmp_path / "x.csv").write_bytes(b"PK\x03\x04\x00\x00binary")
    articles, problems = read_file(tmp_path / "x.csv", tmp_path)
    assert articles == [] and "binary" in problems[0].reason


def test_csv_field_larger_than_csv_default_limit(tmp_path: Path) -> None:
    body = "word " * 100_000  # 500 KB: over the csv module's default 128 KiB
    (tmp_path / "big.csv").write_text(f'title,text\nBig,"{body}"\n', encoding="utf-8")
    articles, problems = read_file(tmp_path / "big.csv", tmp_path)
    assert problems == [] and len(articles[0].body) == len(body.strip())


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_every_compression_around_every_format(tmp_path: Path, suffix: str) -> None:
    compress = COMPRESSORS[suffix]
    (tmp_path / f"news.jsonl{suffix}").write_bytes(compress(_jsonl(3)))
    (tmp_path / f"export.csv{suffix}").write_bytes(compress(b"id,title,text\nc1,Csv,From a table.\n"))
    (tmp_path / f"story.txt{suffix}").write_bytes(compress(b" date 2020-01-02 A headline\n\nThe body.\n"))
    (tmp_path / f"page.html{suffix}").write_bytes(compress(PAGE))
    (tmp_path / f"world.rss{suffix}").write_bytes(compress(FEED))
    found = [p for p in discover(tmp_path) if isinstance(p, Path)]
    assert [p.name for p in found] == [
        f"export.csv{suffix}",
        f"news.jsonl{suffix}",
        f"page.html{suffix}",
        f"story.txt{suffix}",
        f"world.rss{suffix}",
    ]
    ids = []
    for path in found:
        articles, problems = read_file(path, tmp_path)
        assert problems == [], path
        ids += [a.id for a in articles]
    assert ids == ["c1", "r0", "r1", "r2", "https://ex.com/page", f"story.txt{suffix}", "feed-1"]


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_truncated_compressed_file_keeps_the_records_before(tmp_path: Path, suffix: str) -> None:
    data = COMPRESSORS[suffix](_jsonl(20_000))  # over one bzip2 block (900 kB) and one zstd block
    path = tmp_path / f"news.jsonl{suffix}"
    path.write_bytes(data[: len(data) // 2])
    articles, problems = read_file(path, tmp_path)
    assert 0 < len(articles) < 20_000
    assert [a.id for a in articles] == [f"r{i}" for i in range(len(articles))]
    assert len(problems) == 1 and problems[0].skipped and "damaged or truncated" in problems[0].reason
    assert problems[0].line == len(articles) + 1


def test_corrupt_gzip_and_csv_damage(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(_jsonl(500)))
    data[len(data) // 2 : len(data) // 2 + 40] = b"\xff" * 40
    (tmp_path / "bad.jsonl.gz").write_bytes(bytes(data))
    articles, problems = read_file(tmp_path / "bad.jsonl.gz", tmp_path)
    assert len(problems) == 1 and "gzip data is damaged" in problems[0].reason and articles
    table = b"id,text\n" + b"".join(b"t%d,Row %d text.\n" % (i, i) for i in range(3000))
    (tmp_path / "t.csv.xz").write_bytes(lzma.compress(table)[:-200])
    articles, problems = read_file(tmp_path / "t.csv.xz", tmp_path)
    assert len(problems) == 1 and problems[0].line == len(articles) + 2 and articles[0].id == "t0"
    (tmp_path / "not.txt.gz").write_bytes(b"plain text, not gzip")
    articles, problems = read_file(tmp_path / "not.txt.gz", tmp_path)
    assert articles == [] and "gzip data is damaged" in problems[0].reason


def test_discovery_skips_unknown_formats_inside_compression(tmp_path: Path) -> None:
    for name in ("a.csv", "b.tsv", "c.tar.gz", "d.gz", "e.png.zst", "f.NDJSON.XZ"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in discover(tmp_path) if isinstance(p, Path)] == ["a.csv", "b.tsv", "f.NDJSON.XZ"]


def test_compressed_jsonl_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl.zst"
    filler = "Crude oil prices rose again on Tuesday. " * 50  # 2 kB a record, 4 MB in all
    records = "".join(json.dumps({"id": f"r{i}", "text": filler}) + "\n" for i in range(2000))
    path.write_bytes(zstandard.ZstdCompressor().compress(records.encode()))
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_file(path, tmp_path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 2000 and peak < 1_000_000


def test_reindexing_adds_nothing_and_damage_loses_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "news.jsonl.gz").write_bytes(gzip.compress(_jsonl(200)))
    (src / "export.csv").write_text("title,body\nOil,Oil rose.\nGas,Gas fell.\n", encoding="utf-8")
    with Index.build(tmp_path / "ix", [src], entities=False, workers=1) as index:
        assert index.last_report is not None and index.last_report.added == 202
    with Index.build(tmp_path / "ix", [src], entities=False, workers=1) as index:
        report = index.last_report
        assert report is not None and (report.added, report.unchanged, report.removed) == (0, 202, 0)
    data = gzip.compress(_jsonl(200))
    (src / "news.jsonl.gz").write_bytes(data[: len(data) // 3])  # a download cut short
    with Index.build(tmp_path / "ix", [src], entities=False, workers=1) as index:
        report = index.last_report
        assert report is not None and report.removed == 0 and report.skipped
        assert index.search("oil OR gas", limit=1).total == 202


def test_columns_option_maps_other_names(tmp_path: Path) -> None:
    export = tmp_path / "odd.csv"
    export.write_text("Heading;PubDate;Story\nOil jumps;1987-03-02;Crude oil rose.\n", encoding="utf-8")
    where = str(tmp_path / "ix")
    runner = CliRunner()
    plain = runner.invoke(main, ["index", "--no-entities", "--index", where, str(export)])
    assert plain.exit_code == 2 and "no text column" in plain.stderr
    mapped = runner.invoke(
        main, ["index", "--index", where, "--columns", "title=heading, date=PUBDATE,text=Story", str(export)]
    )
    assert mapped.exit_code == 0, mapped.stderr
    with Index.open(where) as index:
        hit = index.search("oil").hits[0]
        assert hit.title == "Oil jumps" and hit.date == dt.datetime(1987, 3, 2, tzinfo=dt.UTC)
    for bad, reason in (("when=pubdate", "unknown field 'when'"), ("title", "is not FIELD=COLUMN")):
        result = runner.invoke(main, ["index", "--index", where, "--columns", bad, str(export)])
        assert result.exit_code == 2 and reason in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("name", "table", "encoding"),
    [
        # a wire service's export: semicolons, UTF-16 with a BOM, "Published"/"Content"/"Outlet"
        (
            "wire.csv",
            "ID;Published;Headline;Content;Outlet;URL\n"
            "w-7;2020-03-06T09:30:00+02:00;Café prices rise;Le café coûte plus cher.;Wire;https://ex.com/w7\n",
            "utf-16",
        ),
        # a spreadsheet saved on Windows: Windows-1252, "publish_date"/"article"/"publisher"/"link"
        (
            "sheet.csv",
            "publish_date,headline,article,publisher,link,author\n"
            "2020-03-06T07:30:00Z,Café prices rise,Le café coûte plus cher.,Wire,https://ex.com/w7,Zoë\n",
            "cp1252",
        ),
    ],
)
def test_exports_with_other_column_names_and_encodings(
    tmp_path: Path, name: str, table: str, encoding: str
) -> None:
    (tmp_path / name).write_bytes(table.encode(encoding))
    [article], problems = read_file(tmp_path / name, tmp_path)
    assert (article.title, article.body, article.source) == (
        "Café prices rise",
        "Le café coûte plus cher.",
        "Wire",
    )
    assert (
        article.date == dt.datetime(2020, 3, 6, 7, 30, tzinfo=dt.UTC) and article.url == "https://ex.com/w7"
    )
    assert [p.skipped for p in problems] == ([False] if encoding == "cp1252" else [])  # cp1252: a warning
