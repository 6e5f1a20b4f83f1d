"""What a feed's URL gives: one poll of the feed (conditional GET), and an entry's own web page.

The requests go through a :class:`~searchidx.fetch.Fetcher` (limits, robots.txt, one host at a time).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from .errors import FetchError
from .fetch import FEED_ACCEPT, PAGE_ACCEPT, SCHEMES, Fetcher, is_url
from .fields import derive_title
from .ingest_feed import NOT_A_FEED, iter_feed
from .ingest_web import page_article
from .models import Article, Problem

__all__ = ["Polled", "poll", "with_page"]


@dataclasses.dataclass(frozen=True, slots=True)
class Polled:
    """What one feed poll gave.

    Attributes:
        url: The feed as given (its articles' path).
        items: Its entries' articles and problems, in order (none when not modified).
        answered: It answered with a feed, or with 304 (not modified).
        not_modified: It answered 304: nothing changed since the last poll.
        validators: What to send next time (``etag``, ``modified``), from its answer.
    """

    url: str
    items: tuple[Article | Problem, ...] = ()
    answered: bool = False
    not_modified: bool = False
    validators: Mapping[str, str] = dataclasses.field(default_factory=dict)


def poll(fetcher: Fetcher, url: str, validators: Mapping[str, Any] | None = None) -> Polled:
    """Fetch one feed (conditionally, with ``validators`` from the last poll) and read its entries."""
    headers = {"Accept": FEED_ACCEPT}
    known = validators or {}
    if isinstance(known.get("etag"), str):
        headers["If-None-Match"] = known["etag"]
    if isinstance(known.get("modified"), str):
        headers["If-Modified-Since"] = known["modified"]
    try:
        answer = fetcher.get(url, headers)
    except FetchError as exc:
        return Polled(url, (Problem(url, str(exc)),))
    if answer.status == HTTPStatus.NOT_MODIFIED:
        return Polled(url, answered=True, not_modified=True, validators=dict(known))
    kind = answer.headers.get("content-type", "")
    # Relative links resolve against the URL as given, not where it redirected: feedparser resolves
    # a permalink <guid> too, and ids must not change when a feed moves.
    items = tuple(iter_feed(answer.body, where=url, headers={"content-type": kind, "content-location": url}))
    if any(isinstance(p, Problem) and p.reason.startswith(NOT_A_FEED) for p in items):
        if "html" in kind.lower():
            reason = "a web page, not a feed: give the address of its RSS or Atom feed (the page links to it)"
            return Polled(url, (Problem(url, reason),))
        return Polled(url, items)
    fresh = {"etag": answer.headers.get("etag"), "modified": answer.headers.get("last-modified")}
    return Polled(url, items, answered=True, validators={k: v for k, v in fresh.items() if v})


def with_page(fetcher: Fetcher, article: Article) -> tuple[Article, list[Problem]]:
    """The article with its page's text instead of the feed's, when the page can be had.

    The page (the entry's link) is fetched if robots.txt allows it and read as
    a saved web page would be. Its title and date are taken when it has them,
    else the feed's stay; the id, link and content hash stay the entry's, so the
    next poll finds it unchanged. When anything fails, the feed's article comes
    back with a warning.
    """
    url = article.url
    if not is_url(url) or urlsplit(url).scheme.lower() not in SCHEMES:
        return article, []
    kept = "the feed's text is indexed instead"
    refusal = fetcher.robots_refusal(url)
    if refusal is not None:
        return article, [Problem(url, f"{refusal}: {kept}", skipped=False)] if refusal else []
    fetcher.wait_turn(url)
    try:
        answer = fetcher.get(url, {"Accept": PAGE_ACCEPT})
    except FetchError as exc:
        return article, [Problem(url, f"{exc}: {kept}", skipped=False)]
    kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and "html" not in kind:
        return article, [Problem(url, f"not a web page ({kind}): {kept}", skipped=False)]
    page, problems = page_article(answer.body, id=article.id, path=article.path, url=answer.url)
    if page is None:
        return article, [Problem(url, f"{p.reason}: {kept}", skipped=False) for p in problems]
    title, derived, start = page.title, page.title_derived, page.title_start
    if derived and not article.title_derived:
        title, derived, start = article.title, False, 0
    elif derived:
        title, start = derive_title(page.body)
    metadata = dict(article.metadata)
    if "author" in page.metadata:
        metadata.setdefault("author", page.metadata["author"])
    enriched = dataclasses.replace(
        article,
        title=title,
        body=page.body,
        title_derived=derived,
        title_start=start,
        date=page.date or article.date,
        source=article.source or page.source,
        metadata=metadata,
    )
    return enriched, []
