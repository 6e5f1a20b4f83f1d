r"""Turning results into text for people (ANSI) or programs (JSON Lines).

Pure functions over the frozen models; the CLI picks one. Article text, file
names and error messages are untrusted: whatever is printed for people goes
through :func:`neutralise` (one rule, one line per line), JSON through
:func:`json_line` (the same characters as ``\u`` escapes, losslessly), and
``-l -0`` paths through :func:`null_separated` (raw bytes).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from .models import Document, Facets, Hit, IndexReport, IndexStats, SearchResults, Span

__all__ = [
    "Style",
    "caret",
    "color_enabled",
    "entity_lines",
    "facet_lines",
    "hit_lines",
    "iso_day",
    "json_line",
    "matches_text",
    "neutralise",
    "null_separated",
    "pieces",
    "report_line",
    "results_json",
    "results_lines",
    "shown_path",
    "stats_lines",
    "summary_line",
]

# Characters that must never reach a terminal raw: C0 and C1 controls (ESC starts CSI/OSC
# sequences; U+009B is a one-character CSI), DEL, bidi embeddings, overrides and isolates
# (text that reads differently from what it is), and lone surrogates (unencodable: printing
# one would stop the output mid-stream).
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_TEXT_RE = re.compile(f"[{_UNSAFE}]")  # multi-line text keeps tab and newline
_UNSAFE_LINE_RE = re.compile(f"[\t\n{_UNSAFE}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
# What json.dumps(ensure_ascii=False) leaves raw (it escapes C0 itself), plus the line and
# paragraph separators that end a line in JavaScript and some terminals.
_JSON_RAW_RE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def neutralise(text: str, *, multiline: bool = False) -> str:
    r"""Make text safe to print: the one escaping rule for everything shown to people.

    Controls become ``\x1b``-style escapes (``\n``, ``\t``, ``\r`` by name), bidi
    controls and lone surrogates ``\u202e``-style ones; nothing else changes. The
    result cannot move the cursor, retitle or recolour a terminal, reorder what is
    around it, fail to encode, or (unless ``multiline``) span more than one line.

    Args:
        text: Untrusted text: an article, a path, an error message.
        multiline: Keep newlines and tabs (a whole article in a preview pane).
    """
    return (_UNSAFE_TEXT_RE if multiline else _UNSAFE_LINE_RE).sub(_escape, text)


def pieces(
    text: str, spans: Iterable[Span], start: int = 0, end: int | None = None, *, multiline: bool = False
) -> Iterator[tuple[str, Span | None]]:
    """Walk ``text[start:end]`` as neutralised pieces, each with its match (``None`` between matches).

    The one span walk every renderer uses (ANSI here, Rich in the TUI):
    offsets index the raw text, so pieces are cut before they are neutralised.
    """
    last = start
    for span in spans:
        yield neutralise(text[last : span.start], multiline=multiline), None
        yield neutralise(text[span.start : span.end], multiline=multiline), span
        last = span.end
    yield neutralise(text[last:end], multiline=multiline), None


def caret(query: str, position: int) -> str:
    """Return the query, neutralised, with a ``^`` under the character at ``position``."""
    return f"{neutralise(query)}\n{' ' * len(neutralise(query[:position]))}^"


def iso_day(value: dt.datetime) -> str:
    """``YYYY-MM-DD`` in UTC, the year always 4 digits (``0001-01-01``); naive means UTC.

    (``strftime("%Y")`` prints year 1 as ``1``.)
    """
    return (value.astimezone(dt.UTC) if value.tzinfo else value).date().isoformat()


def color_enabled(choice: str, stream: IO[str]) -> bool:
    """Decide on colour: ``always``/``never``, or ``auto`` = TTY without NO_COLOR/TERM=dumb."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Style:
    """ANSI styles, or nothing when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def wrap(self, text: str, code: str) -> str:
        """Wrap ``text`` in one ANSI style (no-op when colour is off or ``code`` is empty)."""
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text and code else text

    def marked(self, text: str, spans: Iterable[Span], code: str = "1;31", base: str = "") -> str:
        """Neutralise ``text`` and emphasise ``spans`` (bold red on a TTY, as grep does).

        ``base`` styles the text between matches (a match's reset would end it).
        """
        return "".join(
            self.wrap(piece, base if span is None else code) for piece, span in pieces(text, spans)
        )


def location(article: Hit | Document) -> str:
    """Where to find an article: its file, or its own link for a feed's entry (its path is the feed's URL)."""
    if article.url and article.path.startswith(("http://", "https://")):
        return article.url
    return article.path


def shown_path(path: str) -> str:
    """A hit's path for the human line: short where a shorter one is unambiguous.

    Relative to the current directory when under it, ``seeds/NAME`` for a bundled seed
    article (it lies deep in site-packages), else as stored. The index keeps absolute
    paths; ``--json``, ``-l`` and the TUI's copy key keep them too.
    """
    if os.path.basename(os.path.dirname(path)) in ("_seeds", "seeds"):
        from .ingest import bundled_seeds  # imported for these only, not on every search

        seeds = str(bundled_seeds())
        if path.startswith(seeds + os.sep):
            return "seeds/" + path[len(seeds) + 1 :]
    try:
        here = os.getcwd()
    except OSError:  # the current directory was removed
        return path
    if path.startswith(here.rstrip(os.sep) + os.sep):
        return path[len(here.rstrip(os.sep)) + 1 :]
    return path


def hit_lines(hit: Hit, style: Style) -> Iterator[str]:
    """Human lines for one hit: rank and title, then date/path/score, then the snippet."""
    title = style.marked(hit.title, hit.title_spans, "1;31", base="1") if hit.title else "(untitled)"
    yield f"{style.wrap(f'{hit.rank:>3}.', '2')} {title}"
    date = iso_day(hit.date) if hit.date else "undated"
    meta = f"{date} · {neutralise(shown_path(location(hit)))}"
    if hit.score:
        meta += f" · score {hit.score:.2f}"
    if hit.copies:
        meta += f" · +{len(hit.copies)} {'copy' if len(hit.copies) == 1 else 'copies'}"
    yield "     " + style.wrap(meta, "2;36")
    if hit.snippet:
        yield "     " + style.marked(hit.snippet, hit.snippet_spans)


def matches_text(results: SearchResults) -> str:
    """``5 matches``, ``1 match``, or ``1,000+ matches`` when the total is only a lower bound."""
    if results.total_is_lower_bound:
        return f"{results.total:,}+ matches"
    return f"{results.total} {'match' if results.total == 1 else 'matches'}"


def summary_line(results: SearchResults) -> str:
    """The closing human line: how many, which were shown, how fast, why none, any suggestion.

    ``5 matches, showing 1-5 (3.1 ms)``; ``1,000+ matches, showing 1-10 (4.2 ms)``
    when the total is a lower bound; ``1 match (0.4 ms)`` when none was
    asked for (``-n 0``); ``no matches for 'x' (0.4 ms); no article names a
    person "x"``.
    """
    shown, total, offset = len(results.hits), results.total, results.offset
    if total == 0:
        line = f"no matches for '{neutralise(results.query)}'"
    else:
        line = matches_text(results)
        if shown:
            first, last = offset + 1, offset + shown
            line += f", showing {first}" + (f"-{last}" if last > first else "")
        elif offset >= total:
            line += f", none after {total} (--offset {offset})"
    line += f" ({results.elapsed_ms:.1f} ms)"
    for note in results.notes:
        line += f"; {neutralise(note)}"
    if results.suggestion:
        line += f"; did you mean: {neutralise(results.suggestion)}"
    return line


def json_line(kind: str, data: Any) -> str:
    r"""One JSON Lines record in ripgrep's ``{"type", "data"}`` envelope.

    Lossless (``json.loads`` gives every string back) yet inert: C0, DEL, C1,
    bidi controls, U+2028/U+2029 and lone surrogates are ``\u`` escapes, so the
    line prints safely and always encodes.
    """
    text = json.dumps({"type": kind, "data": data}, ensure_ascii=False)
    return _JSON_RAW_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def results_lines(results: SearchResults, facets: Facets | None, style: Style) -> Iterator[str]:
    """Human stdout of ``search``: each hit's lines and a blank line, then any facets.

    The summary line is separate (:func:`summary_line`): it goes to stderr.
    """
    for hit in results.hits:
        yield from hit_lines(hit, style)
        yield ""
    if facets is not None:
        yield from facet_lines(facets, style)


def results_json(results: SearchResults, facets: Facets | None = None) -> Iterator[str]:
    """A ``hit`` record per hit, a ``facets`` record if given, and a closing ``summary`` record."""
    for hit in results.hits:
        yield json_line("hit", hit.to_dict())
    if facets is not None:
        yield json_line("facets", facets.to_dict())
    yield json_line(
        "summary",
        {
            "query": results.query,
            "total": results.total,
            "total_is_lower_bound": results.total_is_lower_bound,
            "offset": results.offset,
            "returned": len(results.hits),
            "elapsed_ms": round(results.elapsed_ms, 3),
            "suggestion": results.suggestion,
            "notes": list(results.notes),
        },
    )


def null_separated(paths: Iterable[str]) -> bytes:
    """Paths byte for byte as the file system spells them, each ended by NUL (``find -print0``).

    A name that is not valid UTF-8 round-trips (``os.fsencode``); a string no
    file system could have produced is written with backslash escapes.
    """

    def raw(path: str) -> bytes:
        try:
            return os.fsencode(path)
        except UnicodeEncodeError:
            return path.encode("utf-8", "backslashreplace")

    return b"".join(raw(path) + b"\0" for path in paths)


def entity_lines(facets: Facets, kind: str = "all", *, as_json: bool = False) -> Iterator[str]:
    """``searchidx entities`` output: ``COUNT  TYPE  NAME`` lines, or ``entity`` records.

    Args:
        facets: The facets of the query.
        kind: ``person``, ``place``, ``org``, or ``all`` of them (in that order).
        as_json: JSON Lines instead of aligned text.
    """
    for label, values in (("person", facets.people), ("place", facets.places), ("org", facets.orgs)):
        for v in values if kind in ("all", label) else ():
            if as_json:
                yield json_line("entity", {"type": label, "name": v.name, "key": v.key, "count": v.count})
            else:
                yield f"{v.count:>6}  {label:<6}  {neutralise(v.name)}"


def report_line(index: str, report: IndexReport, *, as_json: bool = False) -> str:
    """``searchidx index`` output: ``INDEX: 5 added, ...``, or an ``index`` record."""
    return json_line("index", report.to_dict()) if as_json else f"{neutralise(index)}: {report.summary()}"


def facet_lines(facets: Facets, style: Style) -> Iterator[str]:
    """Human lines for facets: top entities per type and a month histogram."""
    for title, values in (("people", facets.people), ("places", facets.places), ("orgs", facets.orgs)):
        if values:
            listed = ", ".join(f"{neutralise(v.name)} ({v.count})" for v in values)
            yield f"{style.wrap(title + ':', '1')} {listed}"
    if facets.months:
        peak = max(count for _, count in facets.months)
        yield style.wrap("months:", "1")
        for month, count in facets.months:
            yield f"  {month} {'█' * max(1, round(20 * count / peak))} {count}"
    if facets.undated:
        yield f"  undated {facets.undated}"


def stats_lines(stats: IndexStats) -> Iterator[str]:
    """Human lines for ``searchidx stats``."""

    def day(value: dt.datetime | None) -> str:
        return iso_day(value) if value else "-"

    yield f"index:      {neutralise(stats.path)}"
    yield f"documents:  {stats.documents} ({stats.stories} stories)"
    yield f"dates:      {day(stats.first_date)} .. {day(stats.last_date)} ({stats.undated} undated)"
    yield f"size:       {stats.size_bytes / 1e6:.2f} MB"
    yield "versions:   " + neutralise(", ".join(f"{k} {v}" for k, v in sorted(stats.versions.items())))
    for root in stats.roots:
        yield f"root:       {neutralise(root)}"
