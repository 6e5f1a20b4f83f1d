"""Reading saved web pages (HTML) and web archives (WARC): one article per page.

The article's text, title, author, site name and canonical URL come from
trafilatura (Apache-2.0), the reference extractor for news pages: it leaves
out menus, cookie banners, comments and related-link lists. The publication
date is read from the page's own metadata only (``article:published_time``,
JSON-LD ``datePublished``, ``<time itemprop="datePublished">`` and the like):
a date guessed from the text or the URL, or a crawl's capture time, is not a
publication date. A WARC capture time is kept apart, as ``fetched``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import unicodedata
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .fields import derive_title, parse_date
from .models import Article, Problem

__all__ = ["HTML_SUFFIXES", "WARC_SUFFIXES", "iter_warc", "page_article"]

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
WARC_SUFFIXES = frozenset({".warc"})

# <meta> names and properties that hold a publication date, most specific first.
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "article.published",
)
# The extractor logs what it could not parse; the reader reports it as a problem instead.
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
_NO_TEXT = "no article text found in the page (a front page, a list of links, or a script-only page?)"


def page_article(
    data: bytes, *, id: str, path: str, url: str = "", fetched: str = "", line: int = 0
) -> tuple[Article | None, list[Problem]]:
    """Extract the article of one HTML page.

    Args:
        data: The page's bytes (trafilatura detects the encoding).
        id: The id to use when the page names no canonical URL.
        path: The file it came from (for messages and the article).
        url: Where the page was fetched from, if known (a WARC record's URI).
        fetched: The capture time (ISO 8601) of a web archive record, if any.
        line: The record's position in its file (a WARC offset), for messages.

    Returns:
        The article (None when the page holds no article text) and the problems found.
    """
    from trafilatura import bare_extraction
    from trafilatura.utils import load_html

    tree = load_html(data)
    if tree is None:
        return None, [Problem(path, "not an HTML page (no markup could be read)", line)]
    published = _published(tree)
    document: Any = bare_extraction(
        tree,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        favor_precision=True,  # a page of links gives no text rather than the links
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = str(getattr(document, "text", "") or "").strip() if document is not None else ""
    if not text:
        return None, [Problem(path, _NO_TEXT, line)]
    title = " ".join(unicodedata.normalize("NFC", str(document.title or "")).split())
    paragraphs = [" ".join(p.split()) for p in unicodedata.normalize("NFC", text).split("\n") if p.strip()]
    if len(paragraphs) > 1 and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the headline, repeated above the text
    body = "\n\n".join(paragraphs)
    title_start, derived = 0, not title
    if derived:
        title, title_start = derive_title(body)
    canonical = str(document.url or url or "")
    metadata: dict[str, Any] = {}
    if document.author:
        metadata["author"] = str(document.author)
    if fetched:
        metadata["fetched"] = fetched
    article = Article(
        id=canonical or id,
        path=path,
        title=title,
        body=body,
        date=published,
        title_derived=derived,
        title_start=title_start,
        source=str(document.sitename or document.hostname or ""),
        url=canonical,
        metadata=metadata,
        content_hash=hashlib.blake2b(data, digest_size=16).hexdigest(),
        line=line,
    )
    return article, []


def _published(tree: Any) -> dt.datetime | None:
    """The publication date the page's metadata states, or None (nothing is guessed)."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if name in _DATE_META and meta.get("content") and name not in found:
            found[name] = meta.get("content")
    for element in tree.iter("time"):
        if (element.get("itemprop") or "").lower() == "datepublished" and element.get("datetime"):
            found.setdefault("datepublished", element.get("datetime"))
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            value = _json_ld_date(script.text)
            if value:
                found.setdefault("article:published_time", value)
    for name in _DATE_META:
        if name in found:
            try:
                return parse_date(found[name], lenient=True)
            except ValueError:
                continue
    return None


def _json_ld_date(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            value = item.get("datePublished")
            if isinstance(value, str) and value.strip():
                return value.strip()
            stack.extend(v for k, v in item.items() if k == "@graph" or isinstance(v, dict | list))
    return None


def iter_warc(stream: io.BufferedIOBase, *, where: str, max_record: int) -> Iterator[Article | Problem]:
    """Yield the article of every HTML response record of a web archive, and the problems.

    Each record's id is its page's canonical URL, else its target URI, else its
    record id, so indexing the archive again adds nothing twice. Other records
    (requests, metadata, images, redirects) are skipped and counted in one
    message. Damage ends the archive with one message giving the byte offset;
    the records before it are kept.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    skipped: Counter[str] = Counter()
    records = ArchiveIterator(stream)
    offset = 0
    try:
        for record in records:
            kind = _html_response(record)
            data = b"" if kind else record.content_stream().read(max_record + 1)
            offset = records.get_record_offset()  # reads the record to its end: after the content
            if kind:
                skipped[kind] += 1
                continue
            if len(data) > max_record:
                yield Problem(where, f"record at byte {offset}: page over {max_record // 2**20} MiB, skipped")
                continue
            headers = record.rec_headers
            uri = headers.get_header("WARC-Target-URI") or ""
            article, problems = page_article(
                data,
                id=uri or headers.get_header("WARC-Record-ID") or f"{where}@{offset}",
                path=where,
                url=uri,
                fetched=headers.get_header("WARC-Date") or "",
            )
            yield from (Problem(where, f"record at byte {offset} ({uri}): {p.reason}") for p in problems)
            if article is not None:
                yield article
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        yield Problem(
            where, f"damaged web archive after byte {offset} ({exc}): the records before it are kept"
        )
    if skipped:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items()))
        yield Problem(where, f"skipped records that are not HTML pages: {counts}", skipped=False)


def _html_response(record: Any) -> str:
    """Why a WARC record is no article ("" when it is an HTML page fetched with status 200)."""
    if record.rec_type != "response":
        return f"{record.rec_type} record(s)"
    headers = record.http_headers
    if headers is None:
        return "response(s) without HTTP headers"
    if headers.get_statuscode() != "200":
        return f"HTTP {headers.get_statuscode()} response(s)"
    if "html" not in (headers.get_header("Content-Type") or "").lower():
        return "non-HTML response(s)"
    return ""
