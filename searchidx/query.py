"""Strict query parsing: text -> Whoosh query + structured date filter.

Grammar (keywords are upper case)::

    query   := or ( "OR" or )*          -- here "or" means an AND group
    and     := unary ( ["AND"] unary )*
    unary   := ("NOT" | "-") unary | primary
    primary := "(" query ")" | FIELD ":" value | value
    value   := WORD | WORD* | WORD~[1|2] | "phrase" | *     -- a lone * matches everything

A query that cannot be understood raises :class:`~searchidx.errors.QueryError`
naming the position; Whoosh's own parser would silently return nothing.
Dates (``date:2019-12``, ``date:2019-12-01..2020-01-31``, ``date:2020..``)
are pulled out as a filter, never scored.

This module holds the grammar; :mod:`searchidx.query_lexer` splits the text
into tokens and :mod:`searchidx.query_clauses` turns each value into terms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from whoosh import query as wq

from .cost import fold
from .dates import DateRange, parse_date_bound
from .errors import QueryError, SearchOptionError
from .query_clauses import MAX_FUZZY as MAX_FUZZY
from .query_clauses import MIN_FUZZY as MIN_FUZZY
from .query_clauses import MIN_PREFIX as MIN_PREFIX
from .query_clauses import Clauses, entity_query
from .query_lexer import ENTITY_QUERY_FIELDS, Token, lex
from .query_lexer import FIELDS as FIELDS

__all__ = ["DateRange", "ParsedQuery", "entity_query", "parse", "parse_date_bound"]

Mode = Literal["all", "any"]
# Bounds that keep any query well under a second (and the parser off the recursion limit).
MAX_QUERY_CHARS = 4096
MAX_TERMS = 256
MAX_DEPTH = 32
ANY_COORDINATION = 0.9


@dataclass(slots=True)
class ParsedQuery:
    """A parsed query.

    Attributes:
        query: The Whoosh query to score (``Every`` when only filters were given).
        dates: The date filter, or ``None``.
        words: ``(start, end)`` of each plain word in the text, for suggestions.
        filters: Entity filters (unscored queries every hit must match).
    """

    query: wq.Query
    dates: DateRange | None = None
    words: list[tuple[int, int]] = field(default_factory=list)
    filters: list[wq.Query] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Date:
    range: DateRange
    pos: int


@dataclass(frozen=True, slots=True)
class _Filter:
    query: wq.Query
    pos: int
    name: str  # the field, for messages


# A parsed node: a Whoosh query, a date or entity filter, or None (only stop words).
_Node: TypeAlias = "wq.Query | _Date | _Filter | None"


class _Parser:
    def __init__(
        self,
        text: str,
        mode: Mode,
        expand: Callable[[str], Iterable[str]],
        fuzzy: Callable[[str, int], Iterable[str]] | None,
    ) -> None:
        self.text = text
        self.toks = lex(text)
        self.i = 0
        self.mode = mode
        self.clauses = Clauses(text, expand, fuzzy)
        self.field: str | None = None  # set inside title:( ... )
        self.depth = 0
        terms = sum(1 for t in self.toks if t.kind in ("WORD", "PHRASE"))
        if terms > MAX_TERMS:
            raise self.error(f"too many terms ({terms}; at most {MAX_TERMS}): shorten the query", 0)

    def error(self, problem: str, pos: int) -> QueryError:
        return QueryError(problem, self.text, pos)

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> ParsedQuery:
        if self.tok.kind == "EOF":
            raise self.error("empty query: type a word to search for", 0)
        items = self.parse_or()
        if self.tok.kind == "RPAREN":
            raise self.error("unmatched ')': remove it or add a '(' before", self.tok.pos)
        dates: DateRange | None = None
        scored: list[wq.Query] = []
        filters: list[wq.Query] = []
        for node in items:
            if isinstance(node, _Date):
                both = node.range if dates is None else dates.intersect(node.range)
                if both.empty and dates is not None:
                    raise self.error(
                        f"date filters {dates.label()} and {node.range.label()} have no day in common",
                        node.pos,
                    )
                dates = both
            elif isinstance(node, _Filter):
                filters.append(node.query)
            elif node is not None:
                scored.append(node)
        if not scored:
            if dates is None and not filters:
                raise self.error("nothing to search for: the query holds only stop words or punctuation", 0)
            scored.append(wq.Every())
        return ParsedQuery(fold(self.combine(scored)), dates, self.clauses.words, filters)

    def combine(self, items: list[wq.Query]) -> wq.Query:
        positive = [q for q in items if not isinstance(q, wq.Not)]
        if not positive:
            items = [wq.Every(), *items]
        if len(items) == 1:
            return items[0]
        if self.mode == "any" and len(positive) > 1:
            negative = [q for q in items if isinstance(q, wq.Not)]
            anyq: wq.Query = wq.Or(positive, scale=ANY_COORDINATION)
            return wq.And([anyq, *negative]) if negative else anyq
        return wq.And(items)

    def parse_or(self) -> list[_Node]:
        """Return the top-level AND items when there is no OR (dates stay visible)."""
        groups = [self.parse_and()]
        while self.tok.kind == "OR":
            op = self.take()
            if self.tok.kind in ("EOF", "RPAREN", "OR", "AND"):
                raise self.error("OR needs a term after it", op.pos)
            groups.append(self.parse_and())
        if len(groups) == 1:
            return groups[0]
        alternatives: list[wq.Query] = []
        for group in groups:
            self.no_filters(group, "filters cannot be inside OR: put them beside the rest")
            kept = [n for n in group if isinstance(n, wq.Query)]
            if kept:
                alternatives.append(self.combine(kept))
        return [wq.Or(alternatives)] if alternatives else [None]

    def parse_and(self) -> list[_Node]:
        items: list[_Node] = []
        while self.tok.kind not in ("EOF", "RPAREN", "OR"):
            if self.tok.kind == "AND":
                op = self.take()
                if not items or self.tok.kind in ("EOF", "RPAREN", "OR", "AND"):
                    raise self.error("AND needs a term on both sides", op.pos)
                continue
            items.append(self.parse_unary())
        if not items:
            raise self.error("expected a search term here", self.tok.pos)
        return items

    def parse_unary(self) -> _Node:
        self.depth += 1
        try:
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> _Node:
        if self.depth > MAX_DEPTH:
            raise self.error(f"nesting deeper than {MAX_DEPTH} levels: simplify the query", self.tok.pos)
        if self.tok.kind == "NOT":
            op = self.take()
            if self.tok.kind in ("EOF", "RPAREN", "OR", "AND"):
                raise self.error(f"{op.text!r} needs a term after it", op.pos)
            inner = self.parse_unary()
            if isinstance(inner, _Filter):
                return _Filter(wq.Not(inner.query), inner.pos, inner.name)
            if isinstance(inner, _Date):
                raise self.error("date: filters cannot be negated: use date:..YYYY or date:YYYY..", inner.pos)
            return wq.Not(inner) if inner is not None else None
        return self.parse_primary(None)

    def parse_primary(self, fieldname: str | None) -> _Node:
        tok = self.take()
        if tok.kind == "LPAREN":
            if self.tok.kind == "RPAREN":
                raise self.error("empty parentheses", tok.pos)
            outer, self.field = self.field, fieldname or self.field
            items = self.parse_or()
            self.field = outer
            if self.take().kind != "RPAREN":
                raise self.error("missing ')' to close this '('", tok.pos)
            self.no_filters(items, "filters cannot be inside parentheses")
            kept = [n for n in items if isinstance(n, wq.Query)]
            return self.combine(kept) if kept else None
        if tok.kind == "FIELD":
            if fieldname is not None or self.field is not None:
                raise self.error("a field cannot hold another field", tok.pos)
            if (
                self.tok.kind in ("EOF", "RPAREN", "OR", "AND", "NOT")
                or self.tok.pos != tok.pos + len(tok.text) + 1
            ):
                raise self.error(f"{tok.text}: needs a value right after the colon", tok.pos)
            if tok.text == "date":
                value = self.take()
                if value.kind != "WORD":
                    raise self.error("date: takes YYYY[-MM[-DD]] or a range FROM..TO", value.pos)
                return self.date_range(value)
            if tok.text in ENTITY_QUERY_FIELDS:
                inner = self.parse_primary(tok.text)
                if not isinstance(inner, wq.Query):
                    raise self.error(f"{tok.text}: needs a name", tok.pos)
                return _Filter(inner, tok.pos, tok.text)
            return self.parse_primary(tok.text)
        scope = fieldname or self.field
        if tok.kind == "PHRASE":
            return _placed(self.clauses.phrase(tok, scope), tok.pos, tok.pos + len(tok.text) + 2)
        if tok.kind == "WORD":
            return _placed(self.clauses.word(tok, scope), tok.pos, tok.pos + len(tok.text))
        if tok.kind == "RPAREN":
            raise self.error("unmatched ')': remove it or add a '(' before", tok.pos)
        if tok.kind == "EOF":
            raise self.error("the query ends too early: a term is missing", tok.pos)
        raise self.error(f"{tok.text} needs a term before it", tok.pos)

    def no_filters(self, nodes: list[_Node], problem: str) -> None:
        for node in nodes:
            if isinstance(node, _Date):
                raise self.error(f"date: {problem}", node.pos)
            if isinstance(node, _Filter):
                raise self.error(f"{node.name}: {problem}", node.pos)

    def date_range(self, tok: Token) -> _Date:
        return _Date(self.clauses.dates(tok), tok.pos - len("date:"))


def _placed(query: _Node, start: int, end: int) -> _Node:
    """Mark where in the text a query part came from (for the planner's messages)."""
    if isinstance(query, wq.Query):
        query.startchar, query.endchar = start, end
    return query


def parse(
    text: str,
    *,
    mode: Mode = "all",
    expand: Callable[[str], Iterable[str]] | None = None,
    fuzzy: Callable[[str, int], Iterable[str]] | None = None,
) -> ParsedQuery:
    """Parse a query strictly.

    Repeated clauses are folded (:func:`searchidx.cost.fold`).

    Args:
        text: The query.
        mode: ``"all"``: every term must match; ``"any"``: ranked OR with a
            coordination bonus, for long natural-language queries.
        expand: Maps a prefix to stems of known words starting with it.
        fuzzy: Maps a word and a distance (1 or 2) to the stems of indexed words
            that close; without it, ``word~`` stays a Whoosh ``FuzzyTerm``.

    Raises:
        QueryError: With the position and a fix when the query is malformed.
        SearchOptionError: ``mode`` is neither ``"all"`` nor ``"any"``.
    """
    if mode not in ("all", "any"):
        raise SearchOptionError(f"unknown mode {mode!r}: use all or any")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query too long ({len(text)} characters; at most {MAX_QUERY_CHARS})", text[:80] + "…"
        )
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        pos = next(i for i, c in enumerate(text) if ord(c) < 32 and c not in "\t\n\r")
        raise QueryError("control character in query: remove it", text, pos)
    return _Parser(text, mode, expand or (lambda _prefix: ()), fuzzy).parse()
