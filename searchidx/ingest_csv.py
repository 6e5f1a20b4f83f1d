"""Reading CSV and TSV exports: one article per row, columns found by their names.

A spreadsheet or database export names its columns in many ways (``headline``,
``pub_date``, ``body``...): the common names are recognised case-insensitively
and others can be mapped (``--columns text=story``). The file is read a line at
a time through the (possibly decompressing) stream, so memory is bounded by the
largest record, and every bad row is one problem with its line.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import unicodedata
from collections.abc import Iterator, Mapping, Sequence

from .compressed import READ_ERRORS, damage
from .fields import content_hash, derive_title, parse_date
from .models import Article, Problem

__all__ = ["COLUMN_NAMES", "CSV_SUFFIXES", "iter_csv", "parse_columns"]

CSV_SUFFIXES = frozenset({".csv", ".tsv"})
#: Article field -> the column names recognised for it, in order of preference.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "date": ("date", "published", "pub_date", "publish_date"),
    "text": ("text", "body", "content", "article"),
    "url": ("url", "link"),
    "id": ("id",),
    "source": ("source", "outlet", "publisher"),
    "author": ("author", "byline"),
}
#: Bytes read ahead to sniff the dialect (and the encoding's byte order mark).
SNIFF_BYTES = 64 * 1024
_DELIMITERS = ",\t;|"


def parse_columns(spec: str) -> dict[str, str]:
    """Parse a ``--columns`` value such as ``title=headline,date=pubdate``.

    Returns:
        Article field -> column name (matched case-insensitively when read).

    Raises:
        ValueError: Bad syntax or an unknown field, with a reason fit for a user.
    """
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        field, sep, column = (s.strip() for s in part.partition("="))
        if not sep or not field or not column:
            raise ValueError(f"{part.strip()!r} is not FIELD=COLUMN (e.g. title=headline,date=pubdate)")
        if field.lower() not in COLUMN_NAMES:
            raise ValueError(f"unknown field {field!r}: use one of {', '.join(COLUMN_NAMES)}")
        mapping[field.lower()] = column
    return mapping


def iter_csv(
    handle: io.BufferedIOBase,
    *,
    where: str,
    rel: str,
    suffix: str,
    compression: str | None = None,
    columns: Mapping[str, str] | None = None,
    max_record: int,
) -> Iterator[Article | Problem]:
    """Yield the articles of a CSV/TSV stream, and its problems, as they are read.

    A read error (damaged compressed data, a failing disk) ends the file with
    one problem at the line reached; the rows before it stand.

    Args:
        handle: The file, opened in binary (possibly decompressing).
        where: The file's path, for articles and problems.
        rel: Its path relative to the indexed root (row ids are ``rel#line``).
        suffix: ``.csv`` or ``.tsv``: the delimiter when sniffing fails.
        compression: The compression's name, for messages, or ``None``.
        columns: Article field -> column name, for names not recognised.
        max_record: Largest line or field, in bytes or characters.
    """
    # The default limit (128 KiB) is smaller than a long article; raise it once to the record limit.
    if csv.field_size_limit() < max_record:
        csv.field_size_limit(max_record)
    lines = _Lines(handle, max_record)  # a read error in the sniffed head is raised when reached
    try:
        yield from _rows(lines, where=where, rel=rel, suffix=suffix, columns=columns or {})
    except READ_ERRORS as exc:
        yield from lines.drain(where)
        yield Problem(where, damage(exc, compression), lines.number + 1)


def _rows(
    lines: _Lines, *, where: str, rel: str, suffix: str, columns: Mapping[str, str]
) -> Iterator[Article | Problem]:
    if lines.binary:
        yield Problem(where, "binary file (contains NUL bytes): export it as CSV text")
        return
    reader = csv.reader(lines, delimiter=_delimiter(lines.sample(), suffix, columns))
    try:
        header = next(reader)
    except StopIteration:
        yield from lines.drain(where)
        yield Problem(where, "no rows (empty file)", skipped=False)
        return
    yield from lines.drain(where)
    names = [h.strip().lstrip("\ufeff") for h in header]
    fields, unmapped = _fields(names, columns)
    for field, column in unmapped:
        yield Problem(where, f"--columns {field}={column}: no column {column!r} here", 1, skipped=False)
    if "text" not in fields:
        found = ", ".join(repr(n) for n in names[:20]) or "none"
        yield Problem(
            where,
            f"no text column (found {found}): name one text, body, content or article, "
            "or map it with --columns text=NAME",
            1,
        )
        return
    while True:
        start = lines.number + 1
        try:
            row = next(reader)
        except StopIteration:
            yield from lines.drain(where)
            return
        except csv.Error as exc:
            yield from lines.drain(where)
            yield Problem(where, f"unreadable row ({exc}): fix its quoting", start)
            continue
        yield from lines.drain(where)
        if not row or not any(v.strip() for v in row):
            continue  # blank lines between rows
        yield from _article(row, names, fields, where=where, rel=rel, line=start)


def _bom_codec(head: bytes) -> str | None:
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return codec
    return None


class _Lines:
    """Decoded lines (with their line ends, as :mod:`csv` wants), counting as they go.

    The first :data:`SNIFF_BYTES` are read at once, to find the encoding and
    the dialect. UTF-16/32 (with a byte order mark) is decoded as a stream;
    anything else a line at a time as UTF-8, falling back to Windows-1252 for
    a line that is not, with one warning per file (as for text files).
    """

    def __init__(self, handle: io.BufferedIOBase, max_record: int) -> None:
        self.number = 0
        self._problems: list[tuple[str, int, bool]] = []
        self._warned = False
        self._max = max_record
        parts: list[bytes] = []
        error: Exception | None = None
        try:
            # Whole lines, so the sample splits cleanly.
            size = 0
            while size < SNIFF_BYTES and (line := handle.readline(max_record)):
                parts.append(line)
                size += len(line)
        except READ_ERRORS as exc:
            error = exc  # damage within the head: raised once the lines before it are read
        self._head = head = b"".join(parts)
        self._codec = _bom_codec(head)
        self.binary = self._codec is None and b"\x00" in head
        source = _Prefixed(head, handle, error)
        self._lines = self._wide(source, self._codec) if self._codec else self._narrow(source)

    def sample(self) -> str:
        """The decoded lines of the sniffed head (the whole file, when it is small)."""
        head = _Lines(io.BytesIO(self._head), self._max)
        return "".join(itertools.islice(head, 200))

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.number += 1
        return line

    def drain(self, where: str) -> Iterator[Problem]:
        """Yield the problems met in the lines read since the last call."""
        for reason, line, skipped in self._problems:
            yield Problem(where, reason, line, skipped=skipped)
        self._problems.clear()

    def _narrow(self, source: _Prefixed) -> Iterator[str]:
        first = True
        while True:
            raw = source.readline(self._max + 1)
            if not raw:
                return
            if len(raw) > self._max and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    raw = source.readline(2**20)
                reason = f"line longer than {self._max // 2**20} MiB: skipped"
                self._problems.append((reason, self.number + 1, True))
                yield "\n"
                continue
            if first and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            first = False
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                if not self._warned:
                    self._warned = True
                    reason = (
                        f"not valid UTF-8 (byte {exc.start}); read as Windows-1252: convert it with iconv"
                    )
                    self._problems.append((reason, self.number + 1, False))
                try:
                    yield raw.decode("cp1252")
                except UnicodeDecodeError:
                    yield raw.decode("latin-1")  # the five bytes cp1252 leaves undefined

    def _wide(self, source: _Prefixed, codec: str) -> Iterator[str]:
        text = io.TextIOWrapper(io.BufferedReader(source), encoding=codec, newline="")
        while True:
            try:
                line = text.readline(self._max + 1)
            except UnicodeDecodeError as exc:
                # A stream decoder cannot resynchronise: the file ends here, what came before stands.
                self._problems.append(
                    (f"invalid {codec} text ({exc.reason}): the rest is skipped", self.number + 1, True)
                )
                return
            if not line:
                return
            yield line


class _Prefixed(io.RawIOBase):
    """The bytes already read for sniffing, then the rest of the stream."""

    def __init__(self, head: bytes, rest: io.BufferedIOBase, error: Exception | None = None) -> None:
        super().__init__()
        self._head = io.BytesIO(head)
        self._rest = rest
        self._error = error

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> bytes:
        limit = -1 if size is None else size
        line = self._head.readline(limit)
        if line.endswith(b"\n") or (limit >= 0 and len(line) >= limit):
            return line
        if self._error is not None:
            raise self._error
        return line + self._rest.readline(limit - len(line) if limit >= 0 else -1)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._head.read(len(buffer))
        if not data and self._error is not None:
            raise self._error
        data = data or self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _delimiter(sample: str, suffix: str, columns: Mapping[str, str]) -> str:
    """The sniffed delimiter when its header holds a text column, else the suffix's.

    Only the delimiter is taken from :class:`csv.Sniffer`: its guesses of the
    quoting (``doublequote``, the quote character) go wrong on multi-line
    fields with apostrophes and doubled quotes, where RFC 4180's rules (which
    spreadsheets and databases write) are right. And article text full of
    commas can mislead its delimiter guess too: the header row settles it.
    """
    fallback = "\t" if suffix == ".tsv" else ","
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = fallback
    for delimiter in dict.fromkeys((sniffed, fallback)):
        try:
            header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
        except csv.Error:
            continue
        if "text" in _fields([h.strip().lstrip("\ufeff") for h in header], columns)[0]:
            return delimiter
    return sniffed


def _fields(names: Sequence[str], columns: Mapping[str, str]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Article field -> column index; and the ``--columns`` entries with no such column."""
    position: dict[str, int] = {}
    for i, name in enumerate(names):
        position.setdefault(name.lower(), i)
    fields: dict[str, int] = {}
    unmapped = []
    for field, column in columns.items():
        if column.lower() in position:
            fields[field] = position[column.lower()]
        else:
            unmapped.append((field, column))
    for field, aliases in COLUMN_NAMES.items():
        if field not in fields:
            found = next((position[a] for a in aliases if a in position), None)
            if found is not None and found not in fields.values():
                fields[field] = found
    return fields, unmapped


def _article(
    row: list[str], names: Sequence[str], fields: Mapping[str, int], *, where: str, rel: str, line: int
) -> Iterator[Article | Problem]:
    def get(field: str) -> str:
        i = fields.get(field)
        return row[i].strip() if i is not None and i < len(row) else ""

    body = unicodedata.normalize("NFC", get("text").replace("\r\n", "\n").replace("\r", "\n"))
    if not body:
        column = names[fields["text"]]
        yield Problem(where, f"no text in column {column!r}: skipped", line)
        return
    if len(row) > len(names) and any(v.strip() for v in row[len(names) :]):
        yield Problem(where, f"{len(row)} fields but the header has {len(names)}: check its quoting", line)
        return
    date = None
    if get("date"):
        try:
            date = parse_date(get("date"), lenient=True)
        except ValueError as exc:
            yield Problem(where, f"{exc}; indexed without a date", line, skipped=False)
    title = " ".join(unicodedata.normalize("NFC", get("title")).split())
    title_start, derived = 0, not title
    if derived:
        title, title_start = derive_title(body)
    taken = set(fields.values())
    metadata: dict[str, str] = {"author": get("author")} if get("author") else {}
    for i, value in enumerate(row[: len(names)]):
        if i not in taken and value.strip() and names[i]:
            metadata.setdefault(names[i], value.strip())
    raw = "\x1f".join(row).encode("utf-8", "surrogatepass")
    yield Article(
        id=get("id") or get("url") or f"{rel}#{line}",
        path=where,
        title=title,
        body=body,
        date=date,
        title_derived=derived,
        title_start=title_start,
        source=get("source"),
        url=get("url"),
        metadata=metadata,
        content_hash=content_hash(raw),
        line=line,
    )
