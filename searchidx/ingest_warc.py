"""Reading web archives (WARC, as wget, the Internet Archive's tools and Common Crawl write them).

Each HTML response record is one article, read as a saved page (:func:`.ingest_web.page_article`),
with the record's URL and id kept and the capture time stored apart, as ``fetched`` (a crawl's
date is not a publication date). Other records are skipped and counted.
"""

from __future__ import annotations

import gzip
import io
import itertools
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .ingest_web import page_article
from .models import Article, Problem

__all__ = ["WARC_SUFFIXES", "iter_warc"]

WARC_SUFFIXES = frozenset({".warc"})


def iter_warc(stream: io.BufferedIOBase, *, where: str, max_record: int) -> Iterator[Article | Problem]:
    """Yield the article of every HTML response record of a web archive, and the problems.

    Each record's id is its page's canonical URL, else its target URI, else its
    record id, so indexing the archive again adds nothing twice. Other records
    (requests, metadata, images, redirects) are skipped and counted in one
    message. Damage (bytes warcio cannot parse, a record cut short) ends the
    archive with one message giving the byte offset; the records before it are
    kept. A ``.warc.gz`` compressed whole (``gzip crawl.warc``), not record by
    record as crawlers write it, is read again through gzip (offsets in messages
    are then into the uncompressed archive).
    """
    from warcio.exceptions import ArchiveLoadFailed

    state = _WarcState()
    try:
        yield from _warc_articles(_Tracked(stream), where, max_record, state)
    except ArchiveLoadFailed as exc:
        if "non-chunked gzip" in str(exc) and stream.seekable():
            stream.seek(0)
            read, state.offset = state.records, 0
            try:
                whole = _Tracked(gzip.GzipFile(fileobj=stream, mode="rb"))
                yield from _warc_articles(whole, where, max_record, state, skip=read)
            except (ArchiveLoadFailed, _DamagedArchive) as again:
                yield state.damage(where, again)
        else:
            yield state.damage(where, exc)
    except _DamagedArchive as exc:
        yield state.damage(where, exc)
    if state.skipped:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(state.skipped.items()))
        yield Problem(where, f"skipped records that are not HTML pages: {counts}", skipped=False)


class _DamagedArchive(Exception):
    """What warcio raised on bytes it could not parse, or a record cut short."""


class _WarcState:
    """How far the reading of a web archive got: records read, the last offset, records skipped."""

    def __init__(self) -> None:
        self.records = 0
        self.offset = 0
        self.skipped: Counter[str] = Counter()

    def damage(self, where: str, exc: Exception) -> Problem:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return Problem(
            where, f"damaged web archive after byte {self.offset} ({reason}): the records before it are kept"
        )


class _Tracked:
    """The stream warcio reads: it counts the bytes read, and a compressed stream cut short is an error.

    (warcio takes an ``EOFError`` for the end of the archive: a truncated download would
    silently end it.)
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.position = 0
        self._last = b""  # the last bytes read

    def read(self, size: int = -1) -> bytes:
        try:
            data: bytes = self._stream.read(size)
        except EOFError as exc:
            raise OSError(f"compressed data cut short: {exc}") from exc
        self.position += len(data)
        self._last = (self._last + data)[-64:]
        return data

    def empty_end(self, size: int) -> bool:
        """Whether the last ``size`` bytes read are empty gzip members (some tools append one)."""
        rest = self._last[-size:] if size <= len(self._last) else b""
        while rest:
            member = zlib.decompressobj(31)
            try:
                if member.decompress(rest).strip() or not member.eof:
                    return False
            except zlib.error:
                return False
            rest = member.unused_data
        return size <= len(self._last)

    def tell(self) -> int:
        return self.position


def _warc_articles(
    stream: _Tracked, where: str, max_record: int, state: _WarcState, skip: int = 0
) -> Iterator[Article | Problem]:
    """The articles and problems of an archive's records, after the first ``skip`` (read already).

    Raises:
        ArchiveLoadFailed: As warcio raises it (a gzip not compressed record by record).
        _DamagedArchive: Anything else warcio raised (it parses bytes from anywhere), a
            record cut short, or bytes after the last record that are no record.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    records = ArchiveIterator(stream)
    iterator = iter(records)
    for number in itertools.count():
        try:
            record = next(iterator, None)
            if record is None:
                # warcio stops at an EOF inside a record's header, leaving bytes unread
                if stream.position > records.offset and not stream.empty_end(
                    stream.position - records.offset
                ):
                    raise _DamagedArchive(f"the archive ends inside the record after byte {records.offset}")
                return
            if number < skip:
                continue
            kind = _html_response(record)
            data = b"" if kind else record.content_stream().read(max_record + 1)
            offset = records.get_record_offset()  # reads the record to its end
            # Cut short: no Content-Length (it is required), fewer bytes than it says, or a
            # gzip member without its end (a .warc.gz has one member a record).
            decompressor = getattr(records.reader, "decompressor", None)
            cut = (
                not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit()
                or getattr(record.raw_stream, "limit", 0) > 0
                or not getattr(decompressor, "eof", True)
            )
        except (ArchiveLoadFailed, _DamagedArchive):
            raise
        except Exception as exc:
            raise _DamagedArchive(f"{type(exc).__name__}: {exc}") from exc
        if cut:
            raise _DamagedArchive(f"the record at byte {offset} is cut short")
        state.records, state.offset = number + 1, offset
        if kind:
            state.skipped[kind] += 1
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
