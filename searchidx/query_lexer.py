"""Query lexing: the text of a query as tokens, and the field names it may use.

Words end at white space, parentheses and quotes; ``"..."`` is one phrase
token; ``name:value`` is a ``FIELD`` token followed by the value's ``WORD``;
``AND``, ``OR`` and ``NOT`` (upper case) are operators, as is ``-`` at the start
of a term. :mod:`searchidx.query` parses the tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import QueryError
from .schema import ENTITY_FIELDS, TEXT_FIELDS

__all__ = ["ENTITY_QUERY_FIELDS", "FIELDS", "Token", "lex"]

#: Query fields that filter by entity; ``entity:`` means any of them.
ENTITY_QUERY_FIELDS = frozenset(ENTITY_FIELDS) | {"entity"}
FIELDS = frozenset(TEXT_FIELDS) | {"date"} | ENTITY_QUERY_FIELDS

_WORD_END = set(' \t\n\r\f\v()"')


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a query.

    Attributes:
        kind: ``WORD``, ``PHRASE``, ``FIELD``, ``LPAREN``, ``RPAREN``, ``AND``,
            ``OR``, ``NOT`` or ``EOF``.
        text: The token's text (a phrase without its quotes, a field name in
            lower case).
        pos: Where the token starts in the query (0-based).
    """

    kind: str
    text: str
    pos: int


def lex(text: str) -> list[Token]:
    """Split a query into tokens, ending with an ``EOF`` token.

    Raises:
        QueryError: An unclosed quote, or an unknown field name.
    """
    toks: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(Token("LPAREN" if ch == "(" else "RPAREN", ch, i))
            i += 1
        elif ch == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise QueryError('unclosed quote: add the closing "', text, i)
            toks.append(Token("PHRASE", text[i + 1 : close], i))
            i = close + 1
        elif ch == "-" and i + 1 < n and not text[i + 1].isspace() and (not toks or _boundary(text, i)):
            toks.append(Token("NOT", "-", i))
            i += 1
        else:
            j = i
            while j < n and text[j] not in _WORD_END:
                j += 1
            word = text[i:j]
            name, colon, value = word.partition(":")
            if colon and name.isalpha():
                if name.lower() not in FIELDS:
                    raise QueryError(
                        f"unknown field {name!r}: use one of {', '.join(sorted(FIELDS))}, "
                        "or quote the text to search it literally",
                        text,
                        i,
                    )
                toks.append(Token("FIELD", name.lower(), i))
                if value:
                    toks.append(Token("WORD", value, i + len(name) + 1))
            elif word in ("AND", "OR", "NOT"):
                toks.append(Token(word, word, i))
            else:
                toks.append(Token("WORD", word, i))
            i = j
    toks.append(Token("EOF", "", n))
    return toks


def _boundary(text: str, i: int) -> bool:
    return i == 0 or text[i - 1].isspace() or text[i - 1] == "("
