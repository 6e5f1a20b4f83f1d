"""Rich ``Text`` from untrusted article text: literal (no markup), controls neutralised."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.text import Text

from ..models import Span
from ..render import neutralise

__all__ = ["MATCH_STYLE", "live_query", "marked"]

MATCH_STYLE = "bold black on yellow"
_LAST_WORD_RE = re.compile(r"(?:^|[\s(])-?([^\W\d_][\w'’-]*)$")  # the word being typed


def marked(text: str, spans: Iterable[Span], style: str = MATCH_STYLE, base: str = "") -> Text:
    """Build ``Text`` showing ``text`` literally with ``spans`` styled.

    ``neutralise`` maps each control character to a longer escape, so
    span offsets are moved along with it.
    """
    out = Text(style=base)
    last = 0
    for span in spans:
        out.append(neutralise(text[last : span.start]))
        out.append(neutralise(text[span.start : span.end]), style=style)
        last = span.end
    out.append(neutralise(text[last:]))
    return out


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
