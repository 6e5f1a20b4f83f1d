"""Reading saved web pages (HTML): one article per page (:mod:`.ingest_warc` reads web archives).

The article's text, title, author, site name and canonical URL come from
trafilatura (Apache-2.0), the reference extractor for news pages: it leaves
out menus, cookie banners, comments and related-link lists. The publication
date is read from the page's own metadata only (``article:published_time``,
JSON-LD ``datePublished``, ``<time itemprop="datePublished">`` and the like,
else the date the article's byline marks up: hAtom ``published``, a ``<time
datetime>``): a date guessed from the text or the URL, a page's update time, or
a crawl's capture time, is not a publication date. A title loses the site name
pages add to it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from .fields import content_hash, derive_title, parse_date
from .models import Article, Problem

__all__ = ["HTML_SUFFIXES", "page_article"]

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})

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
# Class, id or itemprop words of readers' comments ("comment", "comments-area"; not "commentary").
_COMMENTS = re.compile(r"(?:comments?|commentlist)(?:[-_].*)?$|disqus")
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
    _prepare(tree)
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
    site = " ".join(unicodedata.normalize("NFC", str(document.sitename or "")).split())
    title = _headline(" ".join(unicodedata.normalize("NFC", str(document.title or "")).split()), site, tree)
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
        content_hash=content_hash(data),
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
    candidates = [found[name] for name in _DATE_META if name in found]
    for value in [*candidates, *_marked_up_dates(tree)]:
        try:
            return parse_date(value, lenient=True)
        except ValueError:
            continue
    return None


def _marked_up_dates(tree: Any) -> Iterator[str]:
    """Publication dates the page's markup states, for a page without date metadata.

    First an element of the microformats' ``published`` class (hAtom, as WordPress
    writes it; ``dt-published`` in microformats2). Then a ``<time datetime>`` in
    the header or byline of the page's article: inside the first ``<article>``
    that is no comment, not inside the text's paragraphs (a date mentioned in
    the story is no publication date) and not marked as an update. Comments'
    dates are never taken.
    """
    for element in tree.xpath(
        '//*[contains(concat(" ", normalize-space(@class), " "), " published ")'
        ' or contains(concat(" ", normalize-space(@class), " "), " dt-published ")]'
    ):
        value = element.get("datetime") or element.get("content") or element.get("title")
        if value and not _in_comments(element):
            yield value
    article = next((a for a in tree.iter("article") if not _in_comments(a)), None)
    if article is None:
        return
    for element in article.iter("time"):
        value = element.get("datetime")
        if value and not _in_comments(element) and not _updated(element) and not _in_text(element):
            yield value


def _marks(element: Any) -> str:
    return " ".join(element.get(name) or "" for name in ("class", "id", "itemprop")).lower()


def _in_comments(element: Any) -> bool:
    """Whether an element is, or is inside, a comment or a list of comments."""
    return any(
        _COMMENTS.match(word) for e in (element, *element.iterancestors()) for word in _marks(e).split()
    )


def _updated(element: Any) -> bool:
    """Whether a ``<time>`` gives when the page was updated ("Updated <time>...")."""
    if any(word in _marks(element) for word in ("updat", "modif", "edited")):
        return True
    before = element.getprevious()
    label = (before.tail if before is not None else element.getparent().text) or ""
    return label.strip().rstrip(":").strip().lower().endswith(("updated", "modified", "edited"))


def _in_text(element: Any) -> bool:
    """Whether a ``<time>`` sits in a paragraph of running text (more than a byline)."""
    block = next(element.iterancestors("p", "li", "blockquote", "td", "dd"), None)
    if block is None:
        return False
    return len(block.text_content().split()) - len(element.text_content().split()) > 15


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


# Separators between a headline and a site name in a page's title ("Headline | Site", "Site - Headline").
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|\u2013\u2014\u00b7\u2022~\u00bb\u00ab/\\-]+|::?)\s+")


def _headline(title: str, site: str, tree: Any) -> str:
    """A page's title without the site name a page's ``<title>`` or ``og:title`` often adds.

    The name is cut when it is the site's own (``og:site_name`` and the like) and stands
    after or before a separator (``|``, ``-``, a dash, ``::``...); else, when the title holds a
    separator and the text on one side of it is the page's ``<h1>`` (or an element marked as
    the headline), that side is the headline.
    """
    separators = list(_TITLE_SEPARATOR.finditer(title))
    if not separators:
        return title
    first, last = separators[0], separators[-1]
    if site and title[last.end() :].casefold() == site.casefold():
        return title[: last.start()]
    if site and title[: first.start()].casefold() == site.casefold():
        return title[first.end() :]
    headings = {
        " ".join(e.text_content().split())
        for e in tree.xpath('//h1|//h2[contains(@class, "headline")]|//*[@itemprop="headline"]')
    }
    for separator in separators:
        for side in (title[: separator.start()], title[separator.end() :]):
            if side in headings:
                return side
    return title


def _prepare(tree: Any) -> None:
    """Undo habits of pages that the extractor misreads, in place (after the date is read).

    Tables used for page layout, not data: older sites lay out the whole page (menu
    column, story, footer) in one table, which the extractor keeps whole, menu and
    all. A table one of whose cells holds a table, a heading, or more than one
    paragraph is layout: its rows and cells become ``<div>`` elements, so the
    extractor sees the story's paragraphs.

    A comment marked up as an ``<article>``: the extractor prefers ``<article>`` elements,
    and took a comment for the story on a page whose story is in a ``<div>``.

    A ``<time>`` in a sentence of the story ("will open on <time>14 September</time>"):
    the extractor drops every ``<time>`` with its words (a byline's date is no text);
    one in running text becomes a ``<span>``, so the sentence keeps its words.
    """
    for element in list(tree.iter("time")):
        if _in_text(element):
            element.tag = "span"
    for element in list(tree.iter("article")):
        if _in_comments(element):
            element.tag = "div"
    for table in list(tree.iter("table")):
        own = [e for e in table.iter("thead", "tbody", "tfoot", "tr", "td", "th") if _table_of(e) is table]
        cells = [e for e in own if e.tag in ("td", "th")]
        if any(
            len(cell.findall(".//p")) > 1 or cell.find(".//table") is not None or _has_heading(cell)
            for cell in cells
        ):
            for element in (table, *own):
                element.tag = "div"


def _table_of(element: Any) -> Any:
    return next(element.iterancestors("table"), None)


def _has_heading(cell: Any) -> bool:
    return any(True for _ in cell.iter("h1", "h2", "h3", "h4", "h5", "h6"))
