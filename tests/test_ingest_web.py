"""Saved web pages and web archives (issue 13): the article without the page around it."""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import io
import lzma
import zlib
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from searchidx import Index
from searchidx.cli import main
from searchidx.discovery import discover
from searchidx.ingest import read_file
from searchidx.models import Article

STORY = (
    "<p>A ceasefire agreed by Russia and Turkey held through its first night in Idlib province on Friday, "
    "residents and monitors said, as diplomats prepared for a new round of talks in Moscow.</p>"
    "<p>The Syrian Observatory for Human Rights reported no air strikes after midnight, the first quiet "
    "night in the northwestern province in three months.</p>"
)


def page(head: str = "", story: str = STORY, title: str = "Ceasefire holds in Idlib") -> bytes:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | The Wire</title>{head}</head><body>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li></ul></nav>
<article><h1>{title}</h1>{story}</article>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Markets rally on oil prices</a></li>
<li><a href="/b">Football results from the weekend</a></li></ul></aside>
<section id="comments"><h3>Comments</h3><p>Great article, first comment here, thanks!</p></section>
<footer>Copyright 2020 The Wire. All rights reserved.</footer></body></html>""".encode()


META = (
    '<meta property="og:site_name" content="The Wire"><meta name="author" content="Jane Reporter">'
    '<meta property="article:published_time" content="2020-03-06T09:30:00+02:00">'
    '<link rel="canonical" href="https://news.example.com/2020/03/06/ceasefire">'
)


def test_a_page_gives_its_article_without_menus_banners_comments_or_links(tmp_path: Path) -> None:
    (tmp_path / "story.html").write_bytes(page(META))
    [article], problems = read_file(tmp_path / "story.html", tmp_path)
    assert problems == []
    assert article.title == "Ceasefire holds in Idlib"
    assert (
        article.body.startswith("A ceasefire agreed by Russia")
        and "\n\nThe Syrian Observatory" in article.body
    )
    for noise in ("cookies", "World news", "Related stories", "Markets rally", "first comment", "Copyright"):
        assert noise not in article.body
    assert article.date == dt.datetime(2020, 3, 6, 7, 30, tzinfo=dt.UTC)
    assert (article.source, article.metadata["author"]) == ("The Wire", "Jane Reporter")
    assert article.id == article.url == "https://news.example.com/2020/03/06/ceasefire"


def test_the_date_comes_from_metadata_only(tmp_path: Path) -> None:
    dated_text = STORY.replace("on Friday", "on Friday, March 6, 2020")
    (tmp_path / "undated.htm").write_bytes(page(story=dated_text))  # a date in the text, none in metadata
    (tmp_path / "json-ld.html").write_bytes(
        page(
            '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
            '"datePublished": "2019-12-24"}]}</script>'
        )
    )
    undated, json_ld = (
        read_file(tmp_path / name, tmp_path)[0][0] for name in ("undated.htm", "json-ld.html")
    )
    assert undated.date is None and undated.id == "undated.htm"
    assert json_ld.date == dt.datetime(2019, 12, 24, tzinfo=dt.UTC)


def test_a_page_without_article_text_is_a_message(tmp_path: Path) -> None:
    links = "".join(f'<li><a href="/{i}">Link {i}</a></li>' for i in range(20))
    (tmp_path / "front.html").write_bytes(f"<html><body><nav><ul>{links}</ul></nav></body></html>".encode())
    articles, [problem] = read_file(tmp_path / "front.html", tmp_path)
    assert articles == [] and problem.skipped and "no article text" in problem.reason


def _warc(records: list[tuple[str, str, bytes, str]], *, gz: bool) -> bytes:
    """A web archive of (type, uri, payload, content type) records, with a request before each."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    for kind, uri, payload, content_type in records:
        if kind == "response":
            status = "404 Not Found" if "missing" in uri else "200 OK"
            http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(uri, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
            )
            writer.write_record(
                writer.create_warc_record(uri, "response", payload=io.BytesIO(payload), http_headers=http)
            )
        elif kind == "revisit":  # the same page again: no payload, a reference to the first capture
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_revisit_record(
                    uri, "sha1:" + "A" * 32, uri, "2020-03-06T10:00:00Z", http_headers=http
                )
            )
        elif kind == "warcinfo":
            writer.write_record(writer.create_warcinfo_record(uri, {"software": "test-crawler/1.0"}))
        else:
            writer.write_record(writer.create_warc_record(uri, kind, payload=io.BytesIO(payload)))
    return out.getvalue()


ARCHIVE = [
    ("warcinfo", "crawl.warc", b"", ""),
    (
        "response",
        "https://news.example.com/a",
        page(title="Ceasefire holds in Idlib"),
        "text/html; charset=utf-8",
    ),
    ("response", "https://news.example.com/logo.png", b"\x89PNG....", "image/png"),
    ("response", "https://news.example.com/missing", page(title="Not found"), "text/html"),
    ("response", "https://news.example.com/b", page(title="Talks resume in Moscow"), "text/html"),
    ("metadata", "https://news.example.com/a", b"via: crawler", "application/warc-fields"),
    ("revisit", "https://news.example.com/a", b"", "text/html"),
]


def test_a_web_archive_gives_one_article_per_html_page(tmp_path: Path) -> None:
    for name, gz in (("crawl.warc", False), ("crawl.warc.gz", True)):
        (tmp_path / name).write_bytes(_warc(ARCHIVE, gz=gz))
        articles, problems = read_file(tmp_path / name, tmp_path)
        assert [a.title for a in articles] == ["Ceasefire holds in Idlib", "Talks resume in Moscow"]
        assert [a.id for a in articles] == ["https://news.example.com/a", "https://news.example.com/b"]
        assert (
            articles[0].date is None and articles[0].metadata["fetched"][:2] == "20"
        )  # captured, not published
        [note] = problems
        assert not note.skipped
        assert note.reason == (
            "skipped records that are not HTML pages: 1 HTTP 404 response(s), 1 metadata record(s), "
            "1 non-HTML response(s), 4 request record(s), 1 revisit record(s), 1 warcinfo record(s)"
        )
    assert {p.name for p in discover(tmp_path) if isinstance(p, Path)} == {"crawl.warc", "crawl.warc.gz"}


def _member_starts(data: bytes) -> list[int]:
    """Where each gzip member of ``data`` begins (a record's, in a .warc.gz)."""
    starts, at = [], 0
    while at < len(data):
        starts.append(at)
        member = zlib.decompressobj(wbits=31)
        member.decompress(data[at:])
        at = len(data) - len(member.unused_data)
    return starts


def test_a_damaged_archive_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    data = _warc(ARCHIVE, gz=True)
    # A record boundary in the last quarter, found by reading the members: the two magic bytes
    # also turn up inside compressed data (random record ids), where a cut broke a kept record.
    cut = next(at for at in _member_starts(data) if at >= len(data) * 3 // 4)
    (tmp_path / "cut.warc.gz").write_bytes(data[:cut] + b"\x1f\x8b\x08garbage")
    articles, problems = read_file(tmp_path / "cut.warc.gz", tmp_path)
    assert [a.id for a in articles] == ["https://news.example.com/a", "https://news.example.com/b"]
    assert any(p.skipped and "damaged web archive after byte" in p.reason for p in problems)


def test_an_archive_compressed_whole_or_otherwise_is_read(tmp_path: Path) -> None:
    plain = _warc(ARCHIVE, gz=False)
    (tmp_path / "crawl.warc").write_bytes(plain)
    expected, [note] = read_file(tmp_path / "crawl.warc", tmp_path)
    for name, data in (
        ("whole.warc.gz", gzip.compress(plain)),  # gzip crawl.warc: one member, not one per record
        ("tail.warc.gz", _warc(ARCHIVE, gz=True) + gzip.compress(b"")),  # an empty member at the end
        ("crawl.warc.bz2", bz2.compress(plain)),
        ("crawl.warc.xz", lzma.compress(plain)),
        ("crawl.warc.zst", zstandard.ZstdCompressor().compress(plain)),
    ):
        (tmp_path / name).write_bytes(data)
        articles, problems = read_file(tmp_path / name, tmp_path)
        assert [a.id for a in articles] == [a.id for a in expected], name
        assert [(p.reason, p.skipped) for p in problems] == [(note.reason, False)], name
        (tmp_path / name).write_bytes(data[:-100])  # a download cut short
        articles, problems = read_file(tmp_path / name, tmp_path)
        [damage] = [p for p in problems if p.skipped]
        assert damage.reason.startswith("damaged web archive after byte "), name


def _record_ends(data: bytes, gz: bool) -> list[range]:
    """Where an archive could end whole: after a gzip member, or in the blank lines after a record."""
    if gz:
        ends, position = [], 0
        while position < len(data):
            member = zlib.decompressobj(31)
            member.decompress(data[position:])
            position = len(data) - len(member.unused_data)
            ends.append(range(position, position + 1))
        return ends
    starts = [i for i in range(1, len(data)) if data.startswith(b"WARC/1.", i)]
    return [range(start - 4, start + 1) for start in [*starts, len(data)]]


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_an_archive_cut_anywhere_keeps_what_came_before_and_says_so(tmp_path: Path, gz: bool) -> None:
    data = _warc(ARCHIVE, gz=gz)
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    ids = ["https://news.example.com/a", "https://news.example.com/b"]
    ends = _record_ends(data, gz)
    whole = {cut for end in ends for cut in end}
    near = {cut for end in ends for cut in (end.start - 1, end.stop)}  # a byte either side
    for cut in sorted(c for c in {*range(1, len(data), 101), *near} if 0 < c < len(data)):
        path.write_bytes(data[:cut])
        articles, problems = read_file(path, tmp_path)  # never raises
        assert [a.id for a in articles] == ids[: len(articles)], cut
        damage = [p.reason for p in problems if p.skipped]
        if cut in whole:  # a shorter archive, whole: nothing tells it was longer
            assert damage == [], cut
        else:
            assert len(damage) == 1 and damage[0].startswith("damaged web archive after byte "), (cut, damage)


def test_reindexing_pages_and_archives_adds_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "story.html").write_bytes(page(META))
    (src / "crawl.warc.gz").write_bytes(_warc(ARCHIVE, gz=True))
    where = str(tmp_path / "ix")
    for added in (3, 0):
        result = CliRunner().invoke(main, ["index", "--no-entities", "--index", where, str(src)])
        assert result.exit_code == 0, result.stderr
        with Index.open(where) as index:
            assert index.last_report is None or index.last_report.added == added
            assert index.count("ceasefire OR talks", fold=False) == 3  # articles (the pages are copies)


def _read_page(tmp_path: Path, html: str) -> Article:
    (tmp_path / "p.html").write_text(html, encoding="utf-8")
    [article], problems = read_file(tmp_path / "p.html", tmp_path)
    assert problems == []
    return article


@pytest.mark.parametrize(
    ("head", "h1", "title"),
    [
        # og:title carrying the site's name after or before a separator: the name goes
        ('<meta property="og:title" content="Ceasefire holds | The Wire">', "", "Ceasefire holds"),
        ('<meta property="og:title" content="THE WIRE :: Ceasefire holds">', "", "Ceasefire holds"),
        # a site name that is not og:site_name's: the side that is the page's <h1> is the headline
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"headline": "Ceasefire holds \u2013 Wire Online"}</script>',
            "Ceasefire holds",
            "Ceasefire holds",
        ),
        # separators inside the headline itself stay
        (
            '<meta property="og:title" content="Ceasefire holds - for now | The Wire">',
            "",
            "Ceasefire holds - for now",
        ),
        ('<meta property="og:title" content="Idlib: ceasefire holds">', "", "Idlib: ceasefire holds"),
    ],
)
def test_the_title_loses_the_site_name(tmp_path: Path, head: str, h1: str, title: str) -> None:
    heading = f"<h1>{h1}</h1>" if h1 else '<div class="kicker">World</div>'
    html = (
        f'<html><head><title>x</title><meta property="og:site_name" content="The Wire">{head}</head>'
        f"<body><article>{heading}{STORY}</article></body></html>"
    )
    assert _read_page(tmp_path, html).title == title


def test_dates_in_the_article_markup(tmp_path: Path) -> None:
    def dated(article: str, before: str = "") -> dt.datetime | None:
        return _read_page(tmp_path, f"<html><body>{before}<article>{article}</article></body></html>").date

    byline = '<p class="byline">By Jane Reporter, <time datetime="2020-03-06T09:30:00Z">6 March</time></p>'
    assert dated(byline + STORY) == dt.datetime(2020, 3, 6, 9, 30, tzinfo=dt.UTC)
    # hAtom's "published" (WordPress), not "updated"; a "commentary" is no comment
    hatom = '<abbr class="published" title="2020-03-05">5 March</abbr>'
    assert dated(hatom + STORY) == dt.datetime(2020, 3, 5, tzinfo=dt.UTC)
    commentary = f'<div class="commentary">{byline}{STORY}</div>'
    assert dated(commentary) == dt.datetime(2020, 3, 6, 9, 30, tzinfo=dt.UTC)
    # not a publication date: an update, a date in a sentence, a comment's date
    assert dated('<p>Updated: <time datetime="2020-03-07">7 March</time></p>' + STORY) is None
    assert dated('<p><time class="updated" datetime="2020-03-07">7 March</time></p>' + STORY) is None
    in_text = STORY.replace("on Friday", 'on <time datetime="2020-03-06">Friday, March 6</time>')
    article = _read_page(tmp_path, f"<html><body><article>{in_text}</article></body></html>")
    assert article.date is None and "on Friday, March 6, residents" in article.body  # the words stay
    comments = '<section class="comments"><p><time datetime="2020-03-08">8 March</time> Nice.</p></section>'
    assert dated(STORY + comments) is None


def test_a_layout_table_is_read_as_blocks_and_a_data_table_kept(tmp_path: Path) -> None:
    menu = "".join(f'<a href="/{i}">Section {i}</a><br>' for i in range(8))
    layout = (
        f'<html><body><table><tr><td>{menu}</td><td><font size="5"><b>Ceasefire holds</b></font>'
        f"{STORY}</td></tr><tr><td colspan=2>Copyright 2020 The Wire</td></tr></table></body></html>"
    )
    body = _read_page(tmp_path, layout).body
    assert body.startswith("A ceasefire agreed") and "Section" not in body and "Copyright" not in body
    data = "<table><tr><th>Town</th><th>Strikes</th></tr><tr><td>Idlib</td><td>0</td></tr></table>"
    body = _read_page(tmp_path, f"<html><body><article>{STORY}{data}</article></body></html>").body
    assert "Idlib" in body.split("\n\n")[-1] and "Strikes" in body


def test_comments_marked_up_as_articles_are_no_story(tmp_path: Path) -> None:
    comments = "".join(
        f'<article class="comment"><footer><b>Reader {i}</b> <time datetime="2020-03-0{i}">{i} March</time>'
        f"</footer><p>Great article, comment number {i} here, thanks!</p></article>"
        for i in (7, 8)
    )
    html = f'<html><body><div id="story"><h1>Ceasefire holds</h1>{STORY}</div>{comments}</body></html>'
    article = _read_page(tmp_path, html)
    assert article.body.startswith("A ceasefire agreed") and "comment number" not in article.body
    assert article.date is None  # a comment's date is not the story's
