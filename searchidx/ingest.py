"""Reading article files: text, JSON Lines, CSV/TSV, HTML pages and web archives, compressed or not.

Every problem is reported per file (and per line for JSON Lines and CSV) as a
:class:`~searchidx.models.Problem`; one bad file never stops a run.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import json
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .compressed import READ_ERRORS, damage, open_binary, split_suffix
from .fields import derive_title, parse_date
from .ingest_csv import CSV_SUFFIXES, iter_csv
from .ingest_feed import FEED_SUFFIXES, iter_feed
from .ingest_warc import WARC_SUFFIXES, iter_warc
from .ingest_web import HTML_SUFFIXES, page_article
from .models import Article, Problem

__all__ = [
    "CSV_SUFFIXES",
    "FEED_SUFFIXES",
    "HTML_SUFFIXES",
    "JSONL_SUFFIXES",
    "TEXT_SUFFIXES",
    "WARC_SUFFIXES",
    "bundled_seeds",
    "decode",
    "is_article_file",
    "iter_file",
    "parse_date",
    "parse_text_article",
    "read_file",
]

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
#: Largest article (a text file, or one JSON Lines record) indexed; bigger is not an article.
MAX_ARTICLE_BYTES = 10 * 1024 * 1024
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
#: Deepest nesting of lists and objects accepted in a JSON Lines record (metadata is stored).
MAX_JSON_DEPTH = 64

#: Every format read (before any compression suffix).
ARTICLE_SUFFIXES = (
    TEXT_SUFFIXES | JSONL_SUFFIXES | CSV_SUFFIXES | HTML_SUFFIXES | WARC_SUFFIXES | FEED_SUFFIXES
)
#: Largest feed file read (a feed is parsed whole).
MAX_FEED_BYTES = 100 * 1024 * 1024

_DATE_HEADER_RE = re.compile(r"^[ \t]*date[ \t]+(\S+)[ \t]*")
_HEADLINE_END = tuple(".!?:;,")


def is_article_file(name: str | os.PathLike[str]) -> bool:
    """Whether a file name is one of the formats read, compressed or not (``news.jsonl.gz``)."""
    return split_suffix(name)[0] in ARTICLE_SUFFIXES


def bundled_seeds() -> Path:
    """Return the directory of the bundled seed articles (the default corpus)."""
    packaged = Path(__file__).with_name("_seeds")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "seeds"  # source checkout


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode file bytes to text.

    Returns:
        The text and a warning when it was not UTF-8.

    Raises:
        ValueError: For binary content, with a reason fit for a user.
    """
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec), None
            except UnicodeDecodeError as exc:
                raise ValueError(f"invalid {codec} text at byte {exc.start}") from None
    if b"\x00" in data:
        raise ValueError("binary file (contains NUL bytes): only text and JSON Lines are indexed")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = exc.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, f"not valid UTF-8 (byte {where}); read as Windows-1252: convert it with iconv"


def _content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _is_headline(line: str, followed_by_blank: bool) -> bool:
    line = line.strip()
    return (
        0 < len(line) <= 200
        and followed_by_blank
        and not line.endswith(_HEADLINE_END)
        and len(line.split()) <= 30
    )


def parse_text_article(
    text: str, *, id: str, path: str, content_hash: str = ""
) -> tuple[Article, list[Problem]]:
    """Parse the seed text format.

    The first line may start with `` date YYYY-MM-DD``, followed on the same
    line by a headline or the first paragraph. A short line without final
    punctuation followed by a blank line is a headline; otherwise the title is
    derived from the first sentence and ``title_derived`` is set.
    """
    problems: list[Problem] = []
    # NFC: a name typed decomposed ("Erdog\u0306an") is stored, shown and tagged like its composed form.
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    first, _, rest = text.partition("\n")
    date: dt.datetime | None = None
    header = _DATE_HEADER_RE.match(first)
    if header:
        try:
            date = parse_date(header.group(1))
        except ValueError as exc:
            problems.append(Problem(path, f"{exc}; indexed without a date", line=1, skipped=False))
        first = first[header.end() :]
    if not first.strip():
        # The headline or first paragraph starts on the next non-blank line.
        stripped = rest.lstrip("\n")
        first, _, rest = stripped.partition("\n")
    followed_by_blank = rest == "" or rest.startswith("\n") or not rest.strip()
    if _is_headline(first, followed_by_blank):
        title, body = " ".join(first.split()), rest.strip()
        article = Article(id=id, path=path, title=title, body=body, date=date, content_hash=content_hash)
    else:
        body = (first + "\n" + rest).strip()
        title, start = derive_title(body)
        article = Article(
            id=id,
            path=path,
            title=title,
            body=body,
            date=date,
            title_derived=True,
            title_start=start,
            content_hash=content_hash,
        )
    if not article.body and not article.title:
        problems.append(Problem(path, "empty article: nothing to index"))
    return article, problems


_JSON_KNOWN = frozenset({"id", "title", "date", "text", "body", "url", "source"})


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> tuple[Any, bool]:
    """Replace lone surrogates (from JSON escapes of half a pair) with U+FFFD, in every string."""
    if isinstance(value, str):
        fixed = _SURROGATE_RE.sub("\ufffd", value)
        return fixed, fixed is not value and fixed != value
    if isinstance(value, list):
        items = [_without_surrogates(v) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, dict):
        pairs = [(_without_surrogates(k), _without_surrogates(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in pairs}, any(a or b for (_, a), (_, b) in pairs)
    return value, False


def _jsonl_article(
    record: Any, *, path: str, rel: str, line: int, raw: bytes
) -> tuple[Article | None, list[Problem]]:
    if not isinstance(record, dict):
        return None, [Problem(path, "each line must be a JSON object", line=line)]
    problems: list[Problem] = []
    record, changed = _without_surrogates(record)
    if changed:
        problems.append(
            Problem(
                path, "lone surrogate escapes (such as \\ud800) replaced with U+FFFD", line, skipped=False
            )
        )
    body = record.get("text", record.get("body", ""))
    title = record.get("title") or ""
    if not isinstance(body, str) or not isinstance(title, str):
        return None, [Problem(path, "'text'/'body' and 'title' must be strings", line=line)]
    if not body.strip() and not title.strip():
        return None, [Problem(path, "record has no 'text', 'body' or 'title'", line=line)]
    title, body = unicodedata.normalize("NFC", title), unicodedata.normalize("NFC", body)
    date = None
    if record.get("date") not in (None, ""):
        try:
            date = parse_date(record["date"])
        except ValueError as exc:
            problems.append(Problem(path, f"{exc}; indexed without a date", line, skipped=False))
    raw_id = record.get("id")
    doc_id = str(raw_id) if raw_id not in (None, "") else f"{rel}#{line}"
    title_start, derived = 0, not title.strip()
    if derived:
        title, title_start = derive_title(body)
    meta = {k: v for k, v in record.items() if k not in _JSON_KNOWN}
    article = Article(
        id=doc_id,
        path=path,
        title=" ".join(title.split()),
        body=body.strip(),
        date=date,
        title_derived=derived,
        title_start=title_start,
        source=str(record.get("source") or ""),
        url=str(record.get("url") or ""),
        metadata=meta,
        content_hash=_content_hash(raw),
        line=line,
    )
    return article, problems


def read_file(
    path: Path, root: Path, *, columns: Mapping[str, str] | None = None
) -> tuple[list[Article], list[Problem]]:
    """Read every article in one file (all at once; indexing streams :func:`iter_file`).

    Args:
        path: The file.
        root: The indexed root it was found under; ids are relative to it.
        columns: For CSV/TSV: article field -> column name, for names not recognised.

    Returns:
        The articles read and the problems found. A file that cannot be read
        at all gives no articles and one skipped problem.
    """
    articles: list[Article] = []
    problems: list[Problem] = []
    for item in iter_file(path, root, columns=columns):
        (problems if isinstance(item, Problem) else articles).append(item)  # type: ignore[arg-type]
    return articles, problems


def iter_file(
    path: Path, root: Path, *, columns: Mapping[str, str] | None = None
) -> Iterator[Article | Problem]:
    """Yield the articles of one file, and its problems, as they are read.

    JSON Lines and CSV/TSV files are read a line at a time (through the
    decompressor for ``.gz``, ``.bz2``, ``.xz`` and ``.zst``), so memory is
    bounded by the largest record (at most :data:`MAX_ARTICLE_BYTES`), not by
    the file. Damaged compressed data ends the file with one problem; the
    records before it are kept.

    Args:
        path: The file.
        root: The indexed root it was found under; ids are relative to it.
        columns: For CSV/TSV: article field -> column name, for names not recognised.
    """
    where = str(path)
    rel = path.name if path == root else path.relative_to(root).as_posix()
    suffix, compression = split_suffix(path)
    if suffix in FEED_SUFFIXES:
        yield from _iter_feed_file(path, where, compression)
        return
    if suffix not in JSONL_SUFFIXES | CSV_SUFFIXES | WARC_SUFFIXES:
        yield from _iter_text(path, where, rel, compression, html=suffix in HTML_SUFFIXES)
        return
    try:
        handle = (
            _open_archive(path) if suffix in WARC_SUFFIXES and compression == "gzip" else open_binary(path)
        )
    except READ_ERRORS as exc:
        yield Problem(where, damage(exc, None))
        return
    with handle:
        if suffix in WARC_SUFFIXES:
            yield from iter_warc(handle, where=where, max_record=MAX_ARTICLE_BYTES)
        elif suffix in JSONL_SUFFIXES:
            yield from _iter_jsonl(handle, where, rel, compression)
        else:
            yield from iter_csv(
                handle,
                where=where,
                rel=rel,
                suffix=suffix,
                compression=compression,
                columns=columns,
                max_record=MAX_ARTICLE_BYTES,
            )


def _open_archive(path: Path) -> io.BufferedIOBase:
    """A ``.warc.gz`` as it is: warcio reads gzip record by record and gives offsets into the file."""
    return path.open("rb")


def _read_text(path: Path, compression: str | None, limit: int = MAX_ARTICLE_BYTES) -> tuple[bytes, int]:
    """The bytes of a file read whole, or none and its size when over ``limit``."""
    if compression is None:
        size = path.stat().st_size
        return (b"", size) if size > limit else (path.read_bytes(), size)
    with open_binary(path) as handle:
        # A compressed file's size says little: read one byte past the limit to know.
        data = handle.read(limit + 1)
    return data, len(data)


def _iter_feed_file(path: Path, where: str, compression: str | None) -> Iterator[Article | Problem]:
    try:
        data, size = _read_text(path, compression, MAX_FEED_BYTES)
    except READ_ERRORS as exc:
        yield Problem(where, damage(exc, compression))
        return
    if size > MAX_FEED_BYTES:
        yield Problem(where, f"feed over {MAX_FEED_BYTES // 2**20} MiB: split it")
        return
    yield from iter_feed(data, where=where)


def _iter_text(
    path: Path, where: str, rel: str, compression: str | None, *, html: bool = False
) -> Iterator[Article | Problem]:
    try:
        data, size = _read_text(path, compression)
    except READ_ERRORS as exc:
        yield Problem(where, damage(exc, compression))
        return
    if size > MAX_ARTICLE_BYTES:
        yield Problem(
            where,
            f"{'over ' if compression else ''}{size / 2**20:.0f} MiB is too large for one article "
            f"(limit {MAX_ARTICLE_BYTES // 2**20} MiB): split it",
        )
        return
    if html:
        page, problems = page_article(data, id=rel, path=where)
        yield from problems
        if page is not None:
            yield page
        return
    try:
        text, warning = decode(data)
    except ValueError as exc:
        yield Problem(where, str(exc))
        return
    if warning:
        yield Problem(where, warning, skipped=False)
    article, more = parse_text_article(text, id=rel, path=where, content_hash=_content_hash(data))
    yield from more
    if not any(p.skipped for p in more):
        yield article


def _lines(handle: io.BufferedIOBase) -> Iterator[bytes | None]:
    """Lines without their newline; ``None`` for a line over the record limit (skipped unread)."""
    while True:
        line = handle.readline(MAX_ARTICLE_BYTES + 2)
        if not line:
            return
        if line.endswith(b"\n"):
            line = line[:-1]
        elif len(line) > MAX_ARTICLE_BYTES:
            while line and not line.endswith(b"\n"):
                line = handle.readline(2**20)
            yield None
            continue
        yield line if len(line) <= MAX_ARTICLE_BYTES else None


def _iter_jsonl(
    handle: io.BufferedIOBase, where: str, rel: str, compression: str | None
) -> Iterator[Article | Problem]:
    found = False
    number = 0
    try:
        for number, raw in enumerate(_lines(handle), start=1):
            if number == 1 and raw is not None and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            for item in _jsonl_line(raw, where, rel, number):
                found = True
                yield item
    except READ_ERRORS as exc:
        # Damaged (or unreadable) past line ``number``: the records before it stand.
        yield Problem(where, damage(exc, compression), number + 1)
        return
    if not found:
        yield Problem(where, "no records (empty JSON Lines file)", skipped=False)


def _jsonl_line(raw: bytes | None, where: str, rel: str, number: int) -> Iterator[Article | Problem]:
    if raw is None:
        yield Problem(where, f"record larger than {MAX_ARTICLE_BYTES // 2**20} MiB: skipped", number)
        return
    if not raw.strip():
        return
    if _nesting(raw) > MAX_JSON_DEPTH:
        yield Problem(where, f"record nested deeper than {MAX_JSON_DEPTH} levels: flatten it", number)
        return
    try:
        record = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
        yield Problem(where, f"invalid JSON ({reason}): fix or remove the line", number)
        return
    article, more = _jsonl_article(record, path=where, rel=rel, line=number, raw=raw)
    yield from more
    if article is not None:
        yield article


def _nesting(raw: bytes) -> int:
    """Upper bound of a JSON text's nesting depth (brackets inside strings count too)."""
    depth = deepest = 0
    for byte in raw.translate(None, _NOT_BRACKETS):
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
