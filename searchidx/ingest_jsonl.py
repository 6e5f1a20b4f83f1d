"""Reading JSON Lines article files a record at a time: one article per JSON object.

Known keys are ``id``, ``title``, ``date``, ``text`` (or ``body``), ``url`` and ``source``;
the others are kept as metadata. Each line's problems are reported with its number.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from .compressed import READ_ERRORS, damage
from .fields import content_hash, derive_title, parse_date
from .models import Article, Problem

__all__ = ["JSONL_SUFFIXES", "MAX_JSON_DEPTH", "iter_jsonl"]

JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
#: Deepest nesting of lists and objects accepted in a JSON Lines record (metadata is stored).
MAX_JSON_DEPTH = 64


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
        content_hash=content_hash(raw),
        line=line,
    )
    return article, problems


def _lines(handle: io.BufferedIOBase, limit: int) -> Iterator[bytes | None]:
    """Lines without their newline; ``None`` for a line over the record limit (skipped unread)."""
    while True:
        line = handle.readline(limit + 2)
        if not line:
            return
        if line.endswith(b"\n"):
            line = line[:-1]
        elif len(line) > limit:
            while line and not line.endswith(b"\n"):
                line = handle.readline(2**20)
            yield None
            continue
        yield line if len(line) <= limit else None


def iter_jsonl(
    handle: io.BufferedIOBase, *, where: str, rel: str, compression: str | None, max_record: int
) -> Iterator[Article | Problem]:
    """The articles of a JSON Lines file, a line at a time, and each line's problems.

    A line over ``max_record`` bytes is skipped unread; damaged compressed data ends the
    file with one problem, the records before it kept.
    """
    found = False
    number = 0
    try:
        for number, raw in enumerate(_lines(handle, max_record), start=1):
            if number == 1 and raw is not None and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            for item in _jsonl_line(raw, where, rel, number, max_record):
                found = True
                yield item
    except READ_ERRORS as exc:
        # Damaged (or unreadable) past line ``number``: the records before it stand.
        yield Problem(where, damage(exc, compression), number + 1)
        return
    if not found:
        yield Problem(where, "no records (empty JSON Lines file)", skipped=False)


def _jsonl_line(
    raw: bytes | None, where: str, rel: str, number: int, max_record: int
) -> Iterator[Article | Problem]:
    if raw is None:
        yield Problem(where, f"record larger than {max_record // 2**20} MiB: skipped", number)
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
