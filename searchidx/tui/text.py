"""Rich ``Text`` from untrusted article text: literal (no markup), controls neutralised."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.text import Text

from ..models import Document, Hit, Span
from ..render import iso_day, neutralise, pieces

__all__ = ["MATCH_STYLE", "about", "live_query", "marked"]

MATCH_STYLE = "bold black on yellow"
_LAST_WORD_RE = re.compile(r"(?:^|[\s(])-?([^\W\d_][\w'’-]*)$")  # the word being typed


def marked(text: str, spans: Iterable[Span], style: str = MATCH_STYLE, base: str = "") -> Text:
    """Build ``Text`` showing ``text`` literally (controls neutralised) with ``spans`` styled."""
    out = Text(style=base)
    for piece, span in pieces(text, spans):
        out.append(piece, style=None if span is None else style)
    return out


def about(article: Hit | Document) -> list[str]:
    """What goes on the dim line under a title: date, source (or the file's name) and id, shown literally."""
    file = article.path.rsplit("/", 1)[-1]
    meta = [iso_day(article.date) if article.date else "undated", neutralise(article.source or file)]
    if article.id not in meta:
        meta.append(neutralise(article.id))
    return meta


def live_query(text: str) -> str:
    """Turn what is being typed into a query: close open quotes/parentheses, prefix-match the last word.

    The word being typed is matched as a prefix once it has 3 letters
    (``"cease"`` -> ``"cease*"``), unless a space ends the text.
    """
    query = text
    if query.count('"') % 2:
        return query + '"'
    depth = query.count("(") - query.count(")")
    match = _LAST_WORD_RE.search(query)
    word = match.group(1) if match else ""
    if len(word) >= 3 and "-" not in word and word not in ("AND", "NOT"):
        query += "*"
    return query + ")" * max(depth, 0)
