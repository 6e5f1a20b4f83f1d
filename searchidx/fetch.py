"""The HTTP(S) client for feeds and pages: bounded, polite, standard library only (``urllib.request``).

:mod:`.polling` uses it to poll a feed URL given to ``searchidx index`` with a
conditional GET (its ETag and Last-Modified are kept in ``feeds.json`` beside the
index: a 304 costs one request and reads nothing). Every request has a timeout (to connect,
and between bytes), a size limit (read in chunks, abandoned beyond it), at
most a few redirects, http and https only, and an identifying User-Agent.
Whatever goes wrong is one message for that URL saying how to fix it; the
other sources of the run are read as usual.

With ``--fetch-pages`` each new entry's page is fetched too (robots.txt read
here once per host and honoured, its ``Crawl-delay`` too) and its article text
replaces the feed's summary (:func:`.polling.with_page`). Requests go one at a time. Answers may come
gzip-compressed (asked for with ``Accept-Encoding``); the size limit holds for
the unpacked body as well, so a small "gzip bomb" cannot fill memory. This module
is the client (:class:`Fetcher`); :mod:`.polling` polls feeds and fetches pages with it.
"""

from __future__ import annotations

import dataclasses
import http.client
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
import urllib.robotparser
import zlib
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin, urlsplit

from ._version import __version__
from .errors import FetchError

__all__ = [
    "FEED_ACCEPT",
    "LIMITS",
    "MAX_CRAWL_DELAY",
    "PAGE_ACCEPT",
    "USER_AGENT",
    "FetchError",
    "Fetcher",
    "Limits",
    "Response",
    "check_url",
    "crawl_delay",
    "is_url",
]

USER_AGENT = f"searchidx/{__version__} (news search index; feed reader)"
SCHEMES = frozenset({"http", "https"})
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
#: Compressed answers unpacked here (zlib; ``x-gzip`` is gzip's old name).
_ENCODINGS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS | 32}
#: A site whose robots.txt asks for more seconds than this between requests gets no page requests.
MAX_CRAWL_DELAY = 30.0
_CRAWL_DELAY_RE = re.compile(r"^\s*crawl-delay\s*:\s*([0-9]*\.?[0-9]+)\s*(?:#.*)?$", re.IGNORECASE)
_AGENT_RE = re.compile(r"^\s*user-agent\s*:\s*(\S+)", re.IGNORECASE)


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """What one request may cost."""

    #: Seconds to connect, and to wait for each next piece of the answer.
    timeout: float = 20.0
    #: Largest body read; a bigger one is abandoned.
    max_bytes: int = 20 * 2**20
    #: Redirects followed before giving up.
    max_redirects: int = 5
    #: Seconds a whole answer may take (a server sending a byte at a time cannot hold a run).
    total: float = 120.0


#: The limits a :class:`Fetcher` uses unless told others.
LIMITS = Limits()


@dataclasses.dataclass(frozen=True, slots=True)
class Response:
    """An answer: 200 with its body, or 304 (not modified) without one."""

    url: str  # where it came from, after redirects
    status: int
    body: bytes
    headers: Mapping[str, str]  # names in lower case


def is_url(source: object) -> bool:
    """Whether a source is a URL (``scheme://...``) rather than a path."""
    return isinstance(source, str) and _URL_RE.match(source) is not None


def check_url(url: str) -> str:
    """``url`` if it can be fetched (http or https, with a host).

    Raises:
        FetchError: Another scheme, no host, or spaces, in a one-line message.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise FetchError(f"{url}: only http:// and https:// URLs (feeds) can be indexed")
    try:
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError for a port that is no number)
    except ValueError:
        host = None
    if not host:
        raise FetchError(f"{url}: not a valid URL (no host, or a bad port): check it")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise FetchError(f"{url!r}: a URL cannot hold spaces or control characters: encode them (%20)")
    return url


class Fetcher:
    """One request at a time, within :class:`Limits`; robots.txt read once per host.

    Proxies come from the usual environment variables (``https_proxy``, ``no_proxy``).
    """

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or LIMITS
        self._opener = urllib.request.OpenerDirector()
        # No redirect, file, ftp or data handlers: redirects are followed (and bounded) here.
        for handler in (
            urllib.request.ProxyHandler(),
            urllib.request.HTTPHandler(),
            urllib.request.HTTPSHandler(),
            urllib.request.HTTPDefaultErrorHandler(),
            urllib.request.HTTPErrorProcessor(),
            urllib.request.UnknownHandler(),
        ):
            self._opener.add_handler(handler)
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        self._delays: dict[str, float] = {}  # site -> seconds between requests (robots.txt)
        self._next: dict[str, float] = {}  # site -> monotonic time its next request may go
        self._refused: set[str] = set()  # sites refused whole, already said

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET ``url``, following at most ``max_redirects`` redirects.

        Raises:
            FetchError: Nothing usable came back (network, HTTP error, too big, too slow).
        """
        deadline = time.monotonic() + self.limits.total
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            try:
                check_url(current)
            except FetchError:
                raise FetchError(f"redirected to {current}: only http and https are followed") from None
            sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip", **(headers or {})}
            request = urllib.request.Request(current, headers=sent)
            try:
                with self._opener.open(request, timeout=self.limits.timeout) as answer:
                    body = self._read(answer, deadline)
                    found = {k.lower(): v for k, v in answer.headers.items()}
                    return Response(current, answer.status, body, found)
            except urllib.error.HTTPError as exc:
                exc.close()
                if exc.code == HTTPStatus.NOT_MODIFIED:
                    return Response(current, 304, b"", {k.lower(): v for k, v in exc.headers.items()})
                location = exc.headers.get("Location")
                if exc.code not in _REDIRECTS or not location:
                    raise FetchError(_http_reason(exc.code), exc.code) from None
                current = urljoin(current, location)
            except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
                raise FetchError(self._network_reason(exc, current)) from None
        raise FetchError(
            f"more than {self.limits.max_redirects} redirects (a redirect loop?): "
            "give the address it ends at, or tell the site"
        )

    def _read(self, answer: Any, deadline: float) -> bytes:
        limit = self.limits.max_bytes
        length = answer.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            too_big = f"{_size(int(length))}, over the {_size(limit)} limit"
            raise FetchError(f"{too_big}: not read; check the address")
        encoding = answer.headers.get("Content-Encoding", "identity").strip().lower() or "identity"
        if encoding != "identity" and encoding not in _ENCODINGS:
            raise FetchError(f"sent in the {encoding!r} encoding, which was not asked for: tell the site")
        unpack = zlib.decompressobj(_ENCODINGS[encoding]) if encoding in _ENCODINGS else None
        over = f"over the {_size(limit)} limit: abandoned; check the address"
        chunks: list[bytes] = []
        size = 0
        while chunk := answer.read1(_CHUNK):  # what has come, not a full chunk
            if unpack is not None:
                try:  # never more than the limit allows, however well the data packs
                    chunk = unpack.decompress(chunk, limit - size + 1)
                except zlib.error:
                    raise FetchError(
                        f"a broken {encoding} answer: try again later, or tell the site"
                    ) from None
                if unpack.unconsumed_tail:
                    raise FetchError(f"unpacked, {over}")
            size += len(chunk)
            if size > limit:
                raise FetchError(over)
            if time.monotonic() > deadline:
                raise FetchError(f"still sending after {self.limits.total:g} s: abandoned; try again later")
            chunks.append(chunk)
        if unpack is not None and not unpack.eof:
            raise FetchError(f"a {encoding} answer cut short: try again later")
        return b"".join(chunks)

    def _network_reason(self, exc: BaseException, url: str) -> str:
        host = urlsplit(url).hostname or url
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, socket.gaierror):
            return f"host {host} not found (DNS: {reason.strerror}): check the address"
        if isinstance(reason, ConnectionRefusedError):
            return f"connection refused by {host}: check the address and port, or try again later"
        if isinstance(reason, TimeoutError):
            return f"no answer within {self.limits.timeout:g} s: try again later"
        if isinstance(reason, ssl.SSLCertVerificationError):
            return f"TLS certificate of {host} not accepted ({reason.verify_message}): check the address"
        if isinstance(reason, ssl.SSLError):
            return f"TLS failed with {host} ({reason.reason or reason}): check the address"
        if isinstance(reason, http.client.IncompleteRead):
            return "the connection closed before the end of the answer: try again later"
        if isinstance(reason, http.client.HTTPException | ValueError):
            return f"not a valid HTTP answer ({type(reason).__name__}: {reason}): check the address"
        text = getattr(reason, "strerror", None) or str(reason)
        return f"network error with {host} ({text}): try again later"

    def robots_refusal(self, url: str) -> str | None:
        """Why robots.txt forbids fetching ``url`` (None: allowed). Read once per host.

        A refusal of the whole site (its robots.txt unreadable, or a crawl delay too long)
        is given for its first page only: "" for the others (refused too, nothing new to say).
        """
        site = _site(url)
        rules = self._robots.get(site)
        if rules is None:
            rules = self._robots[site] = self._read_robots(site)
        refusal = rules if isinstance(rules, str) else None
        delay = self._delays.get(site, 0.0)
        if refusal is None and delay > MAX_CRAWL_DELAY:
            refusal = (
                f"robots.txt asks for {delay:g} s between requests (more than {MAX_CRAWL_DELAY:g}), "
                "so nothing is fetched from that site"
            )
        if refusal is not None:
            said = site in self._refused
            self._refused.add(site)
            return "" if said else refusal
        if not isinstance(rules, str) and not rules.can_fetch(USER_AGENT, url):
            return "robots.txt disallows it"
        return None

    def wait_turn(self, url: str) -> None:
        """Sleep until the site of ``url`` may be asked again (its robots.txt ``Crawl-delay``)."""
        site = _site(url)
        pause = self._next.get(site, 0.0) - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._next[site] = time.monotonic() + min(self._delays.get(site, 0.0), MAX_CRAWL_DELAY)

    def _read_robots(self, site: str) -> urllib.robotparser.RobotFileParser | str:
        rules = urllib.robotparser.RobotFileParser(f"{site}/robots.txt")
        try:
            answer = self.get(f"{site}/robots.txt", {"Accept": "text/plain, */*;q=0.5"})
        except FetchError as exc:
            if 400 <= exc.status < 500 and exc.status not in (401, 403):
                rules.parse([])  # no robots.txt: everything is allowed
                return rules
            return f"{site}/robots.txt could not be read ({exc}), so nothing is fetched from that site"
        lines = answer.body.decode("utf-8", "replace").splitlines()
        rules.parse(lines)
        self._delays[site] = crawl_delay(lines)
        return rules


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def crawl_delay(lines: list[str]) -> float:
    """The ``Crawl-delay`` a robots.txt asks of searchidx (its own group first, else ``*``), 0 if none.

    Read here rather than by ``urllib.robotparser``, which takes whole seconds only ("0.5" is common).
    """
    found: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False  # a User-agent line after rules starts a new group
    for line in lines:
        agent = _AGENT_RE.match(line)
        if agent:
            if in_rules:
                agents, in_rules = [], False
            agents.append(agent.group(1).lower())
            continue
        if not line.split("#", 1)[0].strip():
            continue
        in_rules = True
        delay = _CRAWL_DELAY_RE.match(line)
        if delay:
            for name in agents:
                found.setdefault("searchidx" if "searchidx" in name else name, float(delay.group(1)))
    return found.get("searchidx", found.get("*", 0.0))


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MB" if count >= 2**20 else f"{count:,} bytes"


def _http_reason(code: int) -> str:
    try:
        label = f"HTTP {code} ({HTTPStatus(code).phrase})"
    except ValueError:
        label = f"HTTP {code}"
    if code in (404, 410):
        return f"{label}: nothing there; check the address"
    if code in (401, 403):
        return f"{label}: the server refuses it; check the address (is it public?)"
    if code == 429:
        return f"{label}: the server wants fewer requests; poll it less often"
    if code >= 500:
        return f"{label}: the server failed; try again later"
    if code in _REDIRECTS:
        return f"{label} without a Location to go to: tell the site"
    return f"{label}: check the address"
