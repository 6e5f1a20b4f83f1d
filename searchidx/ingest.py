"""Reading article files: text, JSON Lines, CSV/TSV, HTML pages and web archives, compressed or not.

Every problem is reported per file (and per line for JSON Lines and CSV) as a
:class:`~searchidx.models.Problem`; one bad file never stops a run.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

from .compressed import READ_ERRORS, damage, open_binary, split_suffix
from .fields import content_hash, derive_title, parse_date
from .ingest_csv import CSV_SUFFIXES, iter_csv
from .ingest_feed import FEED_SUFFIXES, iter_feed
from .ingest_jsonl import JSONL_SUFFIXES, iter_jsonl
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
            yield from iter_jsonl(
                handle, where=where, rel=rel, compression=compression, max_record=MAX_ARTICLE_BYTES
            )
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
    article, more = parse_text_article(text, id=rel, path=where, content_hash=content_hash(data))
    yield from more
    if not any(p.skipped for p in more):
        yield article
