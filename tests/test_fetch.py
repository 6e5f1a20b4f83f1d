"""Feed URLs (issue 13): polling, conditional GET, limits, failures, --fetch-pages.

Everything is served by a local HTTP server on 127.0.0.1 (a thread of this
process): no test touches the network.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from searchidx import Index
from searchidx import fetch as fetch_module
from searchidx.cli import main, search_command
from searchidx.fetch import Fetcher, FetchError, Limits
from searchidx.models import Article, IndexReport
from searchidx.polling import poll
from tests.harness import until

FEED_V1 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Local Wire</title><link>/</link>
<item><title>Ceasefire holds in Idlib</title><link>/page/1.html</link><guid isPermaLink="false">wire-1</guid>
  <pubDate>Fri, 06 Mar 2020 09:30:00 +0200</pubDate><author>desk@wire.example (Jane Desk)</author>
  <description>Short summary of the ceasefire.</description></item>
<item><title>Oil prices climb</title><link>/private/2.html</link><guid isPermaLink="false">wire-2</guid>
  <description>Crude rose after OPEC trimmed output.</description></item>
</channel></rss>"""

# Version 2: wire-1 rolled off the feed, wire-2 unchanged, wire-3 new.
FEED_V2 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Local Wire</title><link>/</link>
<item><title>Oil prices climb</title><link>/private/2.html</link><guid isPermaLink="false">wire-2</guid>
  <description>Crude rose after OPEC trimmed output.</description></item>
<item><title>Harvest report</title><link>/page/3.html</link><guid isPermaLink="false">wire-3</guid>
  <description>Wheat harvests grew this year.</description></item>
</channel></rss>"""

PAGE = b"""<html><head><title>Geneva talks | Local Wire</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><p>Negotiators from both sides met in Geneva on Thursday and talked late into the night
about a lasting ceasefire along the border.</p>
<p>Diplomats said the sessions were long but constructive, and that a written text could be
ready by the weekend if the mediators keep up the pace.</p></article>
<footer>Copyright Local Wire</footer></body></html>"""

# No <title>, but a publication date.
PAGE_3 = PAGE.replace(b"Geneva", b"Bern").replace(
    b"<title>Bern talks | Local Wire</title>",
    b'<meta property="article:published_time" content="2021-06-01T08:00:00Z">',
)

ROBOTS = b"User-agent: *\nDisallow: /nobody/\n\nUser-agent: searchidx\nDisallow: /private/\n"

Route = Callable[["_Handler"], None]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.requests.append((self.path, dict(self.headers.items())))
        route = self.server.routes.get(self.path.split("?")[0])
        try:
            if route is None:
                self.send_error(404)
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeouts, limits): as intended

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def answer(self, body: bytes, kind: str = "text/html", **headers: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, Route]
    requests: list[tuple[str, dict[str, str]]]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for got, headers in self.requests if got == path]


def feed(text: str, etag: str) -> Route:
    """A feed with an ETag, answering 304 when the client sends it back."""

    def route(handler: _Handler) -> None:
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return
        handler.answer(text.encode(), "application/rss+xml; charset=utf-8", ETag=etag)

    return route


def page(body: bytes, kind: str = "text/html; charset=utf-8") -> Route:
    return lambda handler: handler.answer(body, kind)


def status(code: int, **headers: str) -> Route:
    def route(handler: _Handler) -> None:
        handler.send_response(code)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def slow(seconds: float) -> Route:
    def route(handler: _Handler) -> None:
        time.sleep(seconds)
        handler.answer(FEED_V1.encode(), "application/rss+xml")

    return route


def stream(pieces: int, size: int, pause: float) -> Route:
    """A body without Content-Length, sent in pieces (the connection's end ends it)."""

    def route(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.end_headers()
        for _ in range(pieces):
            handler.wfile.write(b"x" * size)
            handler.wfile.flush()
            time.sleep(pause)

    return route


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def web(server: _Server, monkeypatch: pytest.MonkeyPatch) -> _Server:
    """The server with fresh routes (robots.txt, pages) and request log; no proxy in the way."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server.routes = {
        "/robots.txt": page(ROBOTS, "text/plain"),
        "/page/1.html": page(PAGE),
        "/page/3.html": page(PAGE_3),
        "/private/2.html": page(PAGE),
    }
    server.requests = []
    return server


def build(where: Path, sources: list[str], **options: Any) -> Index:
    return Index.build(where, sources, entities=False, workers=1, **options)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---- polling through the index -------------------------------------------------------------


def test_a_feed_url_is_indexed_remembered_and_polled_with_a_conditional_get(
    web: _Server, tmp_path: Path
) -> None:
    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    url = web.url("/feed.xml")
    with build(tmp_path / "ix", [url]) as index:
        assert index.last_report is not None
        assert (index.last_report.added, index.last_report.problems) == (2, ())
        assert index.roots == (url,)
        [hit] = index.search("ceasefire").hits
        assert (hit.id, hit.path, hit.source) == ("wire-1", url, "Local Wire")
        assert hit.url == web.url("/page/1.html")  # the relative link, resolved against the feed
        assert hit.date is not None and hit.date.isoformat() == "2020-03-06T07:30:00+00:00"
    assert json.loads((tmp_path / "ix" / "feeds.json").read_text()) == {url: {"etag": '"v1"'}}
    shown = CliRunner().invoke(
        search_command, ["--index", str(tmp_path / "ix"), "--color", "never", "ceasefire"]
    )
    assert f"· {web.url('/page/1.html')} ·" in shown.stdout and url not in shown.stdout  # the entry's link
    [first] = web.hits("/feed.xml")
    assert first["User-Agent"].startswith("searchidx/") and "If-None-Match" not in first
    with build(tmp_path / "ix", list(index.roots)) as again:  # a plain `searchidx index`
        assert again.last_report is not None
        assert (again.last_report.added, again.last_report.updated, again.last_report.unchanged) == (0, 0, 2)
        assert again.search("ceasefire OR oil").total == 2
    assert web.hits("/feed.xml")[1]["If-None-Match"] == '"v1"'  # and the server said 304
    assert [path for path, _ in web.requests] == ["/feed.xml", "/feed.xml"]  # nothing else fetched


def test_a_new_version_adds_its_new_entries_and_keeps_those_gone_from_it(
    web: _Server, tmp_path: Path
) -> None:
    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    build(tmp_path / "ix", [web.url("/feed.xml")]).close()
    web.routes["/feed.xml"] = feed(FEED_V2, '"v2"')
    with build(tmp_path / "ix", [web.url("/feed.xml")]) as index:
        report = index.last_report
        assert report is not None
        assert (report.added, report.updated, report.removed, report.unchanged) == (1, 0, 0, 1)
        assert index.search("ceasefire OR oil OR harvest").total == 3  # wire-1 stays indexed
    feeds = json.loads((tmp_path / "ix" / "feeds.json").read_text())
    assert feeds == {web.url("/feed.xml"): {"etag": '"v2"'}}


def test_a_story_in_two_feeds_is_indexed_once_without_complaint(web: _Server, tmp_path: Path) -> None:
    web.routes["/world.xml"] = feed(FEED_V1, '"w"')
    web.routes["/top.xml"] = feed(FEED_V1, '"t"')
    for added in (2, 0):
        with build(tmp_path / "ix", [web.url("/world.xml"), web.url("/top.xml")]) as index:
            assert index.last_report is not None
            assert (index.last_report.added, index.last_report.problems) == (added, ())
            assert index.search("ceasefire").total == 1


def test_last_modified_comes_back_as_if_modified_since(web: _Server) -> None:
    stamp = "Wed, 04 Mar 2020 10:00:00 GMT"

    def route(handler: _Handler) -> None:
        if handler.headers.get("If-Modified-Since") == stamp:
            status(304)(handler)
        else:
            handler.answer(FEED_V1.encode(), "application/rss+xml", Last_Modified=stamp)

    web.routes["/dated.xml"] = route
    fetcher = Fetcher()
    first = poll(fetcher, web.url("/dated.xml"))
    assert first.answered and not first.not_modified and len(first.items) == 2
    assert first.validators == {"modified": stamp}
    second = poll(fetcher, web.url("/dated.xml"), first.validators)
    assert second.not_modified and second.items == () and second.validators == {"modified": stamp}


def test_a_failing_feed_is_one_message_and_loses_nothing(web: _Server, tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "a.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday.\n", encoding="utf-8")
    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    build(tmp_path / "ix", [web.url("/feed.xml")]).close()
    web.routes["/feed.xml"] = status(503)
    web.routes["/page.html"] = page(PAGE)
    refused = f"http://127.0.0.1:{closed_port()}/feed.xml"
    sources = [str(folder), web.url("/feed.xml"), web.url("/gone.xml"), web.url("/page.html"), refused]
    with build(tmp_path / "ix", sources) as index:
        report = index.last_report
        assert report is not None and (report.added, report.removed) == (1, 0)
        messages = {p.path: p.reason for p in report.problems}
        assert all(p.skipped and p.line == 0 for p in report.problems) and len(report.problems) == 4
        failed = messages[web.url("/feed.xml")]
        assert failed == "HTTP 503 (Service Unavailable): the server failed; try again later"
        assert messages[web.url("/gone.xml")] == "HTTP 404 (Not Found): nothing there; check the address"
        assert messages[web.url("/page.html")].startswith(
            "a web page, not a feed: give the address of its RSS"
        )
        assert messages[refused].startswith("connection refused by 127.0.0.1: check the address and port")
        assert index.search("ceasefire OR oil OR harbour").total == 3  # the feed's articles stay
        # The feed indexed before stays a root; URLs that never answered with a feed are not remembered.
        assert index.roots == (web.url("/feed.xml"), str(folder))
    feeds = json.loads((tmp_path / "ix" / "feeds.json").read_text())
    assert feeds == {web.url("/feed.xml"): {"etag": '"v1"'}}  # the last good poll's


def test_a_feed_with_a_broken_entry_is_read_whole_next_time(web: _Server, tmp_path: Path) -> None:
    broken = FEED_V1.replace("</channel>", "<item><description></description></item></channel>")
    web.routes["/feed.xml"] = feed(broken, '"b"')
    for _ in range(2):
        with build(tmp_path / "ix", [web.url("/feed.xml")]) as index:
            assert index.last_report is not None and index.last_report.skipped == 1
            assert index.last_report.problems[0].reason.startswith("entry 3:")
    assert [h.get("If-None-Match") for h in web.hits("/feed.xml")] == [None, None]


def test_rebuild_reads_the_feed_whole(web: _Server, tmp_path: Path) -> None:
    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    build(tmp_path / "ix", [web.url("/feed.xml")]).close()
    with build(tmp_path / "ix", [web.url("/feed.xml")], rebuild=True) as index:
        assert index.last_report is not None and index.last_report.added == 2
    assert [h.get("If-None-Match") for h in web.hits("/feed.xml")] == [None, None]


# ---- the limits ----------------------------------------------------------------------------------


def test_redirects_are_followed_and_bounded(web: _Server) -> None:
    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    web.routes["/moved"] = status(301, Location="/feed.xml")
    web.routes["/loop-a"] = status(302, Location="/loop-b")
    web.routes["/loop-b"] = status(307, Location=web.url("/loop-a"))
    fetcher = Fetcher(Limits(max_redirects=3))
    answer = fetcher.get(web.url("/moved"))
    assert (answer.status, answer.url) == (200, web.url("/feed.xml"))
    with pytest.raises(FetchError, match=r"^more than 3 redirects \(a redirect loop\?\)"):
        fetcher.get(web.url("/loop-a"))
    assert len(web.hits("/loop-a")) + len(web.hits("/loop-b")) == 4  # the first request and 3 redirects


def test_a_redirect_to_another_scheme_is_not_followed(web: _Server) -> None:
    web.routes["/to-ftp"] = status(302, Location="ftp://127.0.0.1/feed.xml")
    with pytest.raises(
        FetchError, match=r"^redirected to ftp://127\.0\.0\.1/feed\.xml: only http and https are followed$"
    ):
        Fetcher().get(web.url("/to-ftp"))


def test_a_slow_server_times_out(web: _Server) -> None:
    web.routes["/slow"] = slow(0.6)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^no answer within 0.2 s: try again later$"):
        Fetcher(Limits(timeout=0.2)).get(web.url("/slow"))
    assert time.monotonic() - started < 0.5


def test_a_server_sending_for_too_long_is_abandoned(web: _Server) -> None:
    web.routes["/drip"] = stream(pieces=40, size=10, pause=0.02)  # 0.8 s in all
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^still sending after 0.2 s"):
        Fetcher(Limits(timeout=1, total=0.2)).get(web.url("/drip"))
    assert time.monotonic() - started < 0.5  # abandoned as the pieces come, not at the end


def test_a_body_over_the_size_limit_is_not_read(web: _Server) -> None:
    web.routes["/big"] = page(b"x" * 5000)
    web.routes["/big-stream"] = stream(pieces=20, size=500, pause=0)
    fetcher = Fetcher(Limits(max_bytes=2000))
    with pytest.raises(FetchError, match=r"^5,000 bytes, over the 2,000 bytes limit: not read"):
        fetcher.get(web.url("/big"))
    with pytest.raises(FetchError, match=r"^over the 2,000 bytes limit: abandoned"):
        fetcher.get(web.url("/big-stream"))
    assert len(fetcher.get(web.url("/page/1.html")).body) == len(PAGE)  # under the limit: whole


def test_limits_reach_index_runs(web: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "LIMITS", Limits(max_bytes=100))
    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    with build(tmp_path / "ix", [web.url("/feed.xml")]) as index:
        assert index.last_report is not None
        [problem] = index.last_report.problems
        too_big = f"{len(FEED_V1):,} bytes, over the 100 bytes limit"
        assert problem.reason == f"{too_big}: not read; check the address"


def test_an_unknown_host_is_a_dns_message(web: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*_args: Any, **_kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    [problem] = poll(Fetcher(), "http://news.invalid/feed.xml").items
    assert str(problem) == (
        "http://news.invalid/feed.xml: host news.invalid not found (DNS: Name or service not known): "
        "check the address"
    )


def test_only_http_and_https_urls(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"^ftp://host/feed.xml: only http:// and https:// URLs"):
        build(tmp_path / "ix", ["ftp://host/feed.xml"])
    assert not (tmp_path / "ix").exists()
    with pytest.raises(FetchError, match=r"^'http://host/a b\.xml': a URL cannot hold spaces"):
        build(tmp_path / "ix", ["http://host/a b.xml"])
    with pytest.raises(FetchError, match=r"^http:///feed\.xml: not a valid URL \(no host"):
        build(tmp_path / "ix", ["http:///feed.xml"])
    result = CliRunner().invoke(main, ["index", "--index", str(tmp_path / "ix"), "file:///etc/feed.xml"])
    assert result.exit_code == 2
    refused = "file:///etc/feed.xml: only http:// and https:// URLs (feeds) can be indexed"
    assert result.output == f"searchidx: {refused}\n"


def test_the_command_line_reports_a_failed_feed_and_exits_2(web: _Server, tmp_path: Path) -> None:
    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    runner = CliRunner()
    ix = str(tmp_path / "ix")
    options = ["index", "--index", ix, "--no-entities", "--workers", "1"]
    ok = runner.invoke(main, [*options, web.url("/feed.xml"), web.url("/nope.xml")])
    assert ok.exit_code == 2
    assert f"searchidx: error: {web.url('/nope.xml')}: HTTP 404 (Not Found): nothing there" in ok.output
    assert "2 added, 0 updated, 0 removed, 0 unchanged, 1 errors" in ok.output
    again = runner.invoke(main, ["index", "--index", ix, "--workers", "1"])
    assert again.exit_code == 0 and "0 added, 0 updated, 0 removed, 2 unchanged, 0 errors" in again.output


# ---- --fetch-pages -------------------------------------------------------------------------------


def test_fetch_pages_replaces_the_summary_and_honours_robots(web: _Server, tmp_path: Path) -> None:
    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    with build(tmp_path / "ix", [web.url("/feed.xml")], fetch_pages=True) as index:
        report = index.last_report
        assert report is not None and (report.added, report.skipped) == (2, 0)
        [warning] = report.problems  # /private/ is disallowed for searchidx: the feed's text stays
        assert str(warning) == (
            f"{web.url('/private/2.html')}: robots.txt disallows it: the feed's text is indexed instead"
        )
        assert not warning.skipped
        page_doc = index.document("wire-1")
        assert page_doc is not None
        assert page_doc.body.startswith("Negotiators from both sides met in Geneva on Thursday")
        assert page_doc.body.endswith("if the mediators keep up the pace.") and "Home" not in page_doc.body
        assert page_doc.title == "Geneva talks"  # the page's
        # The page has no date: the feed's stays.
        assert page_doc.date is not None and page_doc.date.isoformat() == "2020-03-06T07:30:00+00:00"
        kept = index.document("wire-2")
        assert kept is not None and kept.body == "Crude rose after OPEC trimmed output."
    assert len(web.hits("/robots.txt")) == 1  # once per host
    assert web.hits("/private/2.html") == [] and len(web.hits("/page/1.html")) == 1
    assert web.hits("/page/1.html")[0]["User-Agent"].startswith("searchidx/")
    # The feed changes (wire-3 new): only the new entry's page is fetched, and wire-1 stays as it is.
    web.routes["/feed.xml"] = feed(FEED_V1.replace("</channel>", _entry3() + "</channel>"), '"v2"')
    with build(tmp_path / "ix", [web.url("/feed.xml")], fetch_pages=True) as index:
        report = index.last_report
        assert report is not None and (report.added, report.updated, report.unchanged) == (1, 0, 2)
        doc = index.document("wire-3")
        assert doc is not None and doc.body.startswith("Negotiators from both sides met in Bern")
        assert doc.title == "Harvest report"  # the feed's: the page has none
        # Both have a date: the page's comes first.
        assert doc.date is not None and doc.date.isoformat() == "2021-06-01T08:00:00+00:00"
    assert len(web.hits("/page/1.html")) == 1 and len(web.hits("/page/3.html")) == 1


def _entry3() -> str:
    return (
        "<item><title>Harvest report</title><link>/page/3.html</link><guid isPermaLink='false'>wire-3</guid>"
        "<pubDate>Mon, 31 May 2021 08:00:00 GMT</pubDate></item>"
    )


def _article(url: str) -> Article:
    return Article(id="x", path="feed", title="Feed title", body="Feed summary.", url=url, content_hash="h")


def test_a_page_that_fails_keeps_the_feed_text(web: _Server) -> None:
    from searchidx.polling import with_page

    web.routes["/doc.pdf"] = page(b"%PDF-1.4", "application/pdf")
    fetcher = Fetcher()
    for path, reason in (
        ("/missing.html", "HTTP 404 (Not Found): nothing there; check the address"),
        ("/doc.pdf", "not a web page (application/pdf)"),
    ):
        article, [note] = with_page(fetcher, _article(web.url(path)))
        assert article == _article(web.url(path))
        assert note.reason == f"{reason}: the feed's text is indexed instead" and not note.skipped


def test_robots_txt_missing_allows_and_unreadable_forbids(web: _Server) -> None:
    from searchidx.polling import with_page

    web.routes["/robots.txt"] = status(404)
    fetcher = Fetcher()
    article, notes = with_page(fetcher, _article(web.url("/private/2.html")))
    assert notes == [] and article.body.startswith("Negotiators") and article.content_hash == "h"
    web.routes["/robots.txt"] = status(500)
    fetcher = Fetcher()
    article, [note] = with_page(fetcher, _article(web.url("/page/1.html")))
    assert article.body == "Feed summary."
    assert note.reason.startswith(f"{web.url('/robots.txt')} could not be read (HTTP 500")
    assert len(web.hits("/page/1.html")) == 0


# ---- searchidx watch polls feed URLs ---------------------------------------------------------


@contextlib.contextmanager
def _watching(where: Path, roots: list[Any], feed_seconds: float) -> Iterator[list[IndexReport]]:
    """``searchidx.watch.watch`` in a thread; its reports as they come; stopped and joined after."""
    from searchidx.watch import watch

    reports: list[IndexReport] = []
    stop = threading.Event()
    options = {"on_commit": reports.append, "stop": stop, "entities": False, "workers": 1}
    thread = threading.Thread(
        target=watch, args=(where, roots), kwargs={**options, "feed_seconds": feed_seconds}
    )
    thread.start()
    try:
        yield reports
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()


@pytest.mark.parametrize("with_folder", [True, False], ids=["folder-and-feed", "feed-only"])
def test_watch_polls_its_feed_urls_and_commits_only_what_changed(
    web: _Server, tmp_path: Path, with_folder: bool
) -> None:
    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    roots: list[Any] = [web.url("/feed.xml")]
    if with_folder:
        (tmp_path / "src").mkdir()
        (tmp_path / "src" / "a.txt").write_text("Gas fell.\n", encoding="utf-8")
        roots.insert(0, tmp_path / "src")
    with _watching(tmp_path / "ix", roots, 0.3) as reports:
        # With a folder, the folder is the first commit and the feed's first poll (at once) the next.
        assert until(lambda: sum(r.added for r in reports) == 2 + with_folder)
        assert len(reports) == 1 + with_folder
        # Unchanged polls (304) commit nothing and report nothing.
        assert until(lambda: len(web.hits("/feed.xml")) >= 3)
        assert len(reports) == 1 + with_folder
        assert all(h.get("If-None-Match") == '"v1"' for h in web.hits("/feed.xml")[1:])
        web.routes["/feed.xml"] = feed(FEED_V2, '"v2"')
        assert until(lambda: sum(r.added for r in reports) == 3 + with_folder)
        with Index.open(tmp_path / "ix") as index:  # another reader sees the poll's commit
            assert index.search("harvests").total == 1
            assert set(index.roots) >= {web.url("/feed.xml")}
    assert all(not r.problems for r in reports)


def test_the_watch_command_takes_feed_urls_and_refuses_missing_paths(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["watch", "--index", str(tmp_path / "ix"), str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "no such file or directory" in missing.output
    ftp = runner.invoke(main, ["watch", "--index", str(tmp_path / "ix"), "ftp://example.com/feed.xml"])
    assert ftp.exit_code == 2 and "only http:// and https://" in ftp.output
    assert not (tmp_path / "ix").exists()


# ---- compressed answers and Crawl-delay ------------------------------------------------------


def gzipped(body: bytes, kind: str, encoding: str = "gzip") -> Route:
    import gzip

    packed = gzip.compress(body) if encoding != "br" else body
    return lambda handler: handler.answer(packed, kind, Content_Encoding=encoding)


def test_a_gzip_answer_is_asked_for_and_unpacked(web: _Server, tmp_path: Path) -> None:
    web.routes["/feed.xml"] = gzipped(FEED_V1.encode(), "application/rss+xml")
    with build(tmp_path / "ix", [web.url("/feed.xml")]) as index:
        assert index.last_report is not None and index.last_report.added == 2
        assert index.search("ceasefire").total == 1
    assert web.hits("/feed.xml")[0]["Accept-Encoding"] == "gzip"


def test_the_size_limit_holds_for_the_unpacked_body(web: _Server) -> None:
    # 64 KB of zeros pack into about 100 bytes: under the limit as sent, far over it unpacked.
    web.routes["/bomb.xml"] = gzipped(b"\0" * 65536, "application/rss+xml")
    with pytest.raises(
        FetchError, match=r"unpacked, over the 4,096 bytes limit: abandoned; check the address"
    ):
        Fetcher(Limits(max_bytes=4096)).get(web.url("/bomb.xml"))
    assert Fetcher(Limits(max_bytes=65536)).get(web.url("/bomb.xml")).body == b"\0" * 65536


def test_an_encoding_not_asked_for_or_broken_is_one_message(web: _Server) -> None:
    web.routes["/br.xml"] = gzipped(b"whatever", "application/rss+xml", "br")
    with pytest.raises(FetchError, match="sent in the 'br' encoding, which was not asked for: tell the site"):
        Fetcher().get(web.url("/br.xml"))
    web.routes["/broken.xml"] = lambda h: h.answer(
        b"not gzip at all", "application/rss+xml", Content_Encoding="gzip"
    )
    with pytest.raises(FetchError, match="a broken gzip answer"):
        Fetcher().get(web.url("/broken.xml"))


def test_crawl_delay_is_read_for_searchidx_first_then_for_everyone() -> None:
    from searchidx.fetch import crawl_delay

    assert (
        crawl_delay(["User-agent: *", "Crawl-delay: 2", "", "User-agent: searchidx", "Crawl-delay: 0.5"])
        == 0.5
    )
    assert crawl_delay(["User-agent: otherbot", "Crawl-delay: 9", "User-agent: *", "Crawl-delay: 1.5"]) == 1.5
    assert crawl_delay(["User-agent: otherbot", "User-agent: searchidx", "Crawl-delay: 3 # slow"]) == 3.0
    assert crawl_delay(["User-agent: *", "Disallow: /x/"]) == 0.0
    assert crawl_delay(["Crawl-delay: 5"]) == 0.0  # outside any group


def test_pages_of_one_site_wait_its_crawl_delay(web: _Server) -> None:
    from searchidx.polling import with_page

    web.routes["/robots.txt"] = page(b"User-agent: *\nCrawl-delay: 0.4\n", "text/plain")
    times: list[float] = []

    def timed(handler: _Handler) -> None:
        times.append(time.monotonic())
        handler.answer(PAGE)

    web.routes["/page/1.html"] = timed
    fetcher = Fetcher()
    for _ in range(3):
        article, notes = with_page(fetcher, _article(web.url("/page/1.html")))
        assert notes == [] and article.body.startswith("Negotiators")
    assert len(times) == 3 and all(b - a >= 0.39 for a, b in pairwise(times))


def test_a_site_asking_for_a_very_long_crawl_delay_gets_no_page_requests(web: _Server) -> None:
    from searchidx.polling import with_page

    web.routes["/robots.txt"] = page(b"User-agent: searchidx\nCrawl-delay: 3600\n", "text/plain")
    fetcher = Fetcher()
    article, [note] = with_page(fetcher, _article(web.url("/page/1.html")))
    assert article.body == "Feed summary." and not note.skipped
    assert note.reason == (
        "robots.txt asks for 3600 s between requests (more than 30), so nothing is fetched from that "
        "site: the feed's text is indexed instead"
    )
    # Said once per site, not once per entry.
    assert with_page(fetcher, _article(web.url("/page/3.html"))) == (_article(web.url("/page/3.html")), [])
    assert web.hits("/page/1.html") == [] and web.hits("/page/3.html") == []


def test_watch_says_a_failing_feed_once_until_it_changes(web: _Server, tmp_path: Path) -> None:
    web.routes["/feed.xml"] = status(503)
    with _watching(tmp_path / "ix", [web.url("/feed.xml")], 0.2) as reports:
        assert until(lambda: len(reports) == 1) and "HTTP 503" in str(reports[0].problems[0])
        assert until(lambda: len(web.hits("/feed.xml")) >= 4)
        assert len(reports) == 1  # the same failure, poll after poll: said once
        web.routes["/feed.xml"] = status(404)
        assert until(lambda: len(reports) == 2) and "HTTP 404" in str(reports[1].problems[0])
        web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
        assert until(lambda: sum(r.added for r in reports) == 2)


def test_a_feed_slow_to_answer_delays_no_commit_of_the_folders(web: _Server, tmp_path: Path) -> None:
    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    (tmp_path / "src").mkdir()
    with _watching(tmp_path / "ix", [tmp_path / "src", web.url("/feed.xml")], 0.2) as reports:
        assert until(lambda: sum(r.added for r in reports) == 2)
        web.routes["/feed.xml"] = slow(6.0)  # accepts, then says nothing for 6 s
        assert until(lambda: len(web.hits("/feed.xml")) >= 2)  # a poll is waiting on it
        landed = time.monotonic()
        (tmp_path / "src" / "a.txt").write_text("Gas fell.\n", encoding="utf-8")
        assert until(lambda: sum(r.added for r in reports) == 3, timeout=5)
        assert time.monotonic() - landed < 4.0  # not behind the feed's 6 s


@pytest.mark.usefixtures("quick_idle")
async def test_the_tui_copies_a_feed_articles_link_and_has_no_file_to_edit(
    web: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchidx.tui import SearchApp, create_app
    from searchidx.tui.widgets import ResultsList
    from tests.test_tui import until as shown

    web.routes["/feed.xml"] = feed(FEED_V1, '"v1"')
    ran: list[list[str]] = []
    monkeypatch.setattr("searchidx.tui.screens.search.subprocess.run", lambda argv, **_kw: ran.append(argv))
    monkeypatch.setattr(SearchApp, "suspend", lambda _self: contextlib.nullcontext())  # headless
    with build(tmp_path / "ix", [web.url("/feed.xml")]) as index:
        app = create_app(index=index, query="ceasefire", timings=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await shown(pilot, lambda: bool(app.screen.query_one(ResultsList).hits))
            app.screen.query_one(ResultsList).focus()
            await pilot.press("y")
            assert app.clipboard == web.url("/page/1.html")  # the entry's link, not the feed's URL
            await pilot.press("e")
            await pilot.pause()
            assert ran == [] and any("no file to edit" in str(n.message) for n in app._notifications)
