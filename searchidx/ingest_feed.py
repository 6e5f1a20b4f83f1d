"""Reading RSS and Atom feeds: one article per entry, through feedparser.

An entry gives its title, link, publication date, author and its content (or,
without content, its summary), HTML turned into paragraphs of text. Its id is
the entry's own id (``<guid>``, Atom ``<id>``), else its link, so reading the
feed again adds nothing twice. Only the date the entry says it was published
is kept: Atom's ``<updated>`` is when it last changed, not when it was published (RSS's
``<dc:date>`` is the item's date).
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import html.parser
import io
import json
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from .fields import content_hash, derive_title
from .models import Article, Problem

__all__ = ["FEED_SUFFIXES", "NOT_A_FEED", "html_text", "iter_feed"]

FEED_SUFFIXES = frozenset({".rss", ".atom", ".rdf", ".xml"})
#: How the problem of a document that is no feed begins.
NOT_A_FEED = "not an RSS or Atom feed"

# Elements that end a paragraph when HTML content is turned into text.
_BLOCKS = frozenset("p div br li h1 h2 h3 h4 h5 h6 blockquote tr section article pre ul ol table".split())
_SKIP = frozenset({"script", "style", "noscript", "template"})


class _Text(html.parser.HTMLParser):
    """Collects the text of an HTML fragment, a paragraph per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[list[str]] = [[]]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.paragraphs.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.paragraphs.append([])

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.paragraphs[-1].append(data)


def html_text(fragment: str) -> str:
    """The text of an HTML fragment: paragraphs apart by a blank line, spaces collapsed."""
    if "<" not in fragment:
        return "\n\n".join(" ".join(p.split()) for p in html.unescape(fragment).split("\n\n") if p.strip())
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    paragraphs = (" ".join("".join(words).split()) for words in parser.paragraphs)
    return "\n\n".join(p for p in paragraphs if p)


def iter_feed(
    data: bytes, *, where: str, headers: Mapping[str, str] | None = None
) -> Iterator[Article | Problem]:
    """Yield the article of every entry of an RSS or Atom feed, and the problems.

    Args:
        data: The feed document (feedparser detects the encoding).
        where: The file (or URL) it came from, for messages and the articles' path.
        headers: The HTTP answer's headers, for a fetched feed (``content-type`` gives
            the encoding, ``content-location`` the base of relative links).
    """
    import feedparser

    # A stream, never bytes: feedparser opens bytes that name a file as that file.
    parsed = feedparser.parse(io.BytesIO(data), response_headers=dict(headers or {}))
    entries = parsed.get("entries") or []
    if not entries:
        version = parsed.get("version") or ""
        if parsed.get("bozo") and not version:
            reason = str(parsed.get("bozo_exception") or "not XML").splitlines()[0]
            yield Problem(where, f"{NOT_A_FEED} ({reason}): nothing indexed")
        else:
            yield Problem(where, "feed with no entries", skipped=False)
        return
    site = str(parsed.get("feed", {}).get("title") or "")
    # Only Atom's <updated> is a last change; RSS's <dc:date> (RSS 1.0 has no pubDate), which
    # feedparser also files under "updated", is the item's date.
    dated = (
        ("published_parsed",)
        if str(parsed.get("version") or "").startswith("atom")
        else (
            "published_parsed",
            "updated_parsed",
        )
    )
    for number, entry in enumerate(entries, start=1):
        article = _entry_article(entry, where=where, site=site, dated=dated)
        if isinstance(article, str):
            yield Problem(where, f"entry {number}: {article}")
        else:
            yield article


def _entry_article(entry: Any, *, where: str, site: str, dated: tuple[str, ...]) -> Article | str:
    """The article of one feed entry, or why there is none."""
    content = entry.get("content") or []
    raw = content[0].get("value", "") if content else entry.get("summary", "")
    body = unicodedata.normalize("NFC", html_text(str(raw or "")))
    title = " ".join(unicodedata.normalize("NFC", html_text(str(entry.get("title") or ""))).split())
    if not body and not title:
        return "no title, content or summary: skipped"
    link = str(entry.get("link") or "")
    entry_id = str(entry.get("id") or "") or link
    if not entry_id:
        return "no id and no link, so it could not be told apart when the feed is read again: skipped"
    published = next((entry[key] for key in dated if entry.get(key)), None)
    date = dt.datetime.fromtimestamp(calendar.timegm(published), dt.UTC) if published else None
    title_start, derived = 0, not title
    if derived:
        title, title_start = derive_title(body)
    metadata = {"author": str(entry["author"])} if entry.get("author") else {}
    digest = content_hash(json.dumps([entry_id, title, body, link, str(date)]).encode("utf-8"))
    return Article(
        id=entry_id,
        path=where,
        title=title,
        body=body or title,
        date=date,
        title_derived=derived,
        title_start=title_start,
        source=site,
        url=link,
        metadata=metadata,
        content_hash=digest,
    )
