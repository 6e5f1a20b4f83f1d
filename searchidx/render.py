"""Turning results into text for people (ANSI) or programs (JSON Lines).

Pure functions over the frozen models; the CLI picks one. Article text is
untrusted: control characters and escape sequences are neutralised before
they reach a terminal.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from .models import Facets, Hit, IndexStats, SearchResults, Span

__all__ = [
    "Style",
    "color_enabled",
    "facet_lines",
    "hit_lines",
    "json_line",
    "neutralise",
    "results_json",
    "stats_lines",
    "summary_line",
]

# C0 and C1 controls except tab/newline, DEL (ESC starts CSI/OSC sequences), and bidi
# overrides that can make text read differently from what it is.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def neutralise(text: str) -> str:
    r"""Replace control characters with visible escapes (``\\x1b`` stays inert)."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


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
        """Wrap ``text`` in one ANSI style (no-op when colour is off)."""
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text

    def marked(self, text: str, spans: Iterable[Span], code: str = "1;31", base: str = "") -> str:
        """Neutralise ``text`` and emphasise ``spans`` (bold red on a TTY, as grep does).

        ``base`` styles the text between matches (a match's reset would end it).
        """
        out: list[str] = []
        last = 0
        for span in spans:
            out.append(
                self.wrap(neutralise(text[last : span.start]), base)
                if base
                else neutralise(text[last : span.start])
            )
            out.append(self.wrap(neutralise(text[span.start : span.end]), code))
            last = span.end
        tail = neutralise(text[last:])
        out.append(self.wrap(tail, base) if base else tail)
        return "".join(out)


def hit_lines(hit: Hit, style: Style) -> Iterator[str]:
    """Human lines for one hit: rank and title, then date/path/score, then the snippet."""
    title = style.marked(hit.title, hit.title_spans, "1;31", base="1") if hit.title else "(untitled)"
    yield f"{style.wrap(f'{hit.rank:>3}.', '2')} {title}"
    date = hit.date.strftime("%Y-%m-%d") if hit.date else "undated"
    meta = f"{date} · {neutralise(hit.path)}"
    if hit.score:
        meta += f" · score {hit.score:.2f}"
    yield "     " + style.wrap(meta, "2;36")
    if hit.snippet:
        yield "     " + style.marked(hit.snippet, hit.snippet_spans)


def summary_line(results: SearchResults) -> str:
    """The closing human line: how many, which were shown, how fast, why none, any suggestion.

    ``5 matches, showing 1-5 (3.1 ms)``; ``1 match (0.4 ms)`` when none was
    asked for (``-n 0``); ``no matches for 'x' (0.4 ms); no article names a
    person "x"``.
    """
    shown, total, offset = len(results.hits), results.total, results.offset
    if total == 0:
        line = f"no matches for {neutralise(results.query)!r}"
    else:
        line = f"{total} {'match' if total == 1 else 'matches'}"
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
    """One JSON Lines record in ripgrep's ``{"type", "data"}`` envelope."""
    return json.dumps({"type": kind, "data": data}, ensure_ascii=False)


def results_json(results: SearchResults) -> Iterator[str]:
    """A ``hit`` record per hit and a closing ``summary`` record."""
    for hit in results.hits:
        yield json_line("hit", hit.to_dict())
    yield json_line(
        "summary",
        {
            "query": results.query,
            "total": results.total,
            "offset": results.offset,
            "returned": len(results.hits),
            "elapsed_ms": round(results.elapsed_ms, 3),
            "suggestion": results.suggestion,
            "notes": list(results.notes),
        },
    )


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

    def day(value: Any) -> str:
        return value.strftime("%Y-%m-%d") if value else "-"

    yield f"index:      {stats.path}"
    yield f"documents:  {stats.documents}"
    yield f"dates:      {day(stats.first_date)} .. {day(stats.last_date)} ({stats.undated} undated)"
    yield f"size:       {stats.size_bytes / 1e6:.2f} MB"
    yield "versions:   " + ", ".join(f"{k} {v}" for k, v in sorted(stats.versions.items()))
    for root in stats.roots:
        yield f"root:       {root}"
