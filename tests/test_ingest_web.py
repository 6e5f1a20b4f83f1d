"""Saved web pages and web archives (issue 13): the article without the page around it."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from pathlib import Path

from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from searchidx import Index
from searchidx.cli import main
from searchidx.discovery import discover
from searchidx.ingest import read_file

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
        else:
            writer.write_record(writer.create_warc_record(uri, kind, payload=io.BytesIO(payload)))
    return out.getvalue()


ARCHIVE = [
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
        assert "1 HTTP 404" in note.reason and "1 non-HTML" in note.reason and "4 request" in note.reason
    assert {p.name for p in discover(tmp_path) if isinstance(p, Path)} == {"crawl.warc", "crawl.warc.gz"}


def test_a_damaged_archive_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    data = _warc(ARCHIVE, gz=True)
    cut = data.index(gzip.compress(b"")[:2], len(data) * 3 // 4)  # inside the last records
    (tmp_path / "cut.warc.gz").write_bytes(data[:cut] + b"\x1f\x8b\x08garbage")
    articles, problems = read_file(tmp_path / "cut.warc.gz", tmp_path)
    assert [a.id for a in articles] == ["https://news.example.com/a", "https://news.example.com/b"]
    assert any(p.skipped and "damaged web archive after byte" in p.reason for p in problems)


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
            assert index.search("ceasefire OR talks", limit=10).total == 3
