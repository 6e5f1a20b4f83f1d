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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from whoosh import query as wq

from .analysis import analyze
from .cost import MAX_COMPOUND_PARTS, MAX_FUZZY_WORDS, MAX_PHRASE_WORDS, MAX_PREFIXES, fold
from .dates import DateRange, parse_date_bound
from .errors import QueryError
from .schema import ENTITY_FIELDS, TEXT_FIELDS

__all__ = ["DateRange", "ParsedQuery", "entity_query", "parse", "parse_date_bound"]

Mode = Literal["all", "any"]
#: Query fields that filter by entity; ``entity:`` means any of them.
ENTITY_QUERY_FIELDS = frozenset(ENTITY_FIELDS) | {"entity"}
FIELDS = frozenset(TEXT_FIELDS) | {"date"} | ENTITY_QUERY_FIELDS
MIN_PREFIX = 3
MIN_FUZZY = 3
MAX_FUZZY = 2
# Bounds that keep any query well under a second (and the parser off the recursion limit).
MAX_QUERY_CHARS = 4096
MAX_TERMS = 256
MAX_DEPTH = 32
ANY_COORDINATION = 0.9

_WORD_END = set(' \t\n\r\f\v()"')


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


# ---- lexer --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # WORD, PHRASE, FIELD, LPAREN, RPAREN, AND, OR, NOT, EOF
    text: str
    pos: int


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok("LPAREN" if ch == "(" else "RPAREN", ch, i))
            i += 1
        elif ch == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise QueryError('unclosed quote: add the closing "', text, i)
            toks.append(_Tok("PHRASE", text[i + 1 : close], i))
            i = close + 1
        elif ch == "-" and i + 1 < n and not text[i + 1].isspace() and (not toks or _boundary(text, i)):
            toks.append(_Tok("NOT", "-", i))
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
                toks.append(_Tok("FIELD", name.lower(), i))
                if value:
                    toks.append(_Tok("WORD", value, i + len(name) + 1))
            elif word in ("AND", "OR", "NOT"):
                toks.append(_Tok(word, word, i))
            else:
                toks.append(_Tok("WORD", word, i))
            i = j
    toks.append(_Tok("EOF", "", n))
    return toks


def _boundary(text: str, i: int) -> bool:
    return i == 0 or text[i - 1].isspace() or text[i - 1] == "("


# ---- parser -------------------------------------------------------------------------------


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
        self.toks = _lex(text)
        self.i = 0
        self.mode = mode
        self.expand = expand
        self.expand_fuzzy = fuzzy
        self.fuzzy_words: set[tuple[str, int, str | None]] = set()
        self.prefixes: set[tuple[str, str | None]] = set()
        self.words: list[tuple[int, int]] = []
        self.field: str | None = None  # set inside title:( ... )
        self.depth = 0
        terms = sum(1 for t in self.toks if t.kind in ("WORD", "PHRASE"))
        if terms > MAX_TERMS:
            raise self.error(f"too many terms ({terms}; at most {MAX_TERMS}): shorten the query", 0)

    def error(self, problem: str, pos: int) -> QueryError:
        return QueryError(problem, self.text, pos)

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
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
        return ParsedQuery(fold(self.combine(scored)), dates, self.words, filters)

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
        if tok.kind == "PHRASE":
            return _placed(self.phrase(tok, fieldname), tok.pos, tok.pos + len(tok.text) + 2)
        if tok.kind == "WORD":
            return _placed(self.word(tok, fieldname), tok.pos, tok.pos + len(tok.text))
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

    def date_range(self, tok: _Tok) -> _Date:
        return _Date(self.date_bounds(tok), tok.pos - len("date:"))

    def date_bounds(self, tok: _Tok) -> DateRange:
        low, sep, high = tok.text.partition("..")
        if not sep:
            return DateRange(
                parse_date_bound(low, end=False, where=tok.pos, query=self.text),
                parse_date_bound(low, end=True, where=tok.pos, query=self.text),
            )
        if not low and not high:
            raise self.error("date: range needs at least one end, as in 2020.. or ..2020-06", tok.pos)
        high_pos = tok.pos + len(low) + 2
        rng = DateRange(
            parse_date_bound(low, end=False, where=tok.pos, query=self.text) if low else None,
            parse_date_bound(high, end=True, where=high_pos, query=self.text) if high else None,
        )
        if rng.empty:
            raise self.error(f"date range {tok.text} is empty: its start is after its end", tok.pos)
        return rng

    def fields(self, fieldname: str | None) -> tuple[str, ...]:
        chosen = fieldname or self.field
        if chosen == "entity":
            return ENTITY_FIELDS
        return (chosen,) if chosen else TEXT_FIELDS

    def stemming(self, fieldname: str | None) -> bool:
        """Names in entity fields are folded but not stemmed."""
        return (fieldname or self.field) not in ENTITY_QUERY_FIELDS

    def each_field(self, fieldname: str | None, build: Callable[[str], wq.Query]) -> wq.Query:
        queries = [build(f) for f in self.fields(fieldname)]
        return queries[0] if len(queries) == 1 else wq.Or(queries)

    def phrase(self, tok: _Tok, fieldname: str | None) -> wq.Query | None:
        parts = [t.text for t in analyze(tok.text, stemming=self.stemming(fieldname)) if not t.joined]
        if not tok.text.strip():
            raise self.error("empty phrase", tok.pos)
        if not parts:
            return None
        if len(parts) > MAX_PHRASE_WORDS:
            raise self.error(
                f"phrase too long ({len(parts)} words; at most {MAX_PHRASE_WORDS}): shorten it", tok.pos
            )
        if len(parts) == 1:
            return self.each_field(fieldname, lambda f: wq.Term(f, parts[0]))
        return self.each_field(fieldname, lambda f: wq.Phrase(f, parts))

    def word(self, tok: _Tok, fieldname: str | None) -> wq.Query | None:
        text = tok.text
        if text == "*":
            return wq.Every()  # everything (cheap: no term expansion)
        star = text.find("*")
        if star >= 0 or "?" in text:
            if star != len(text) - 1 or "?" in text:
                raise self.error("wildcards are only allowed at the end of a word (word*)", tok.pos)
            return self.prefix(tok, fieldname)
        fuzzy = re.search(r"~(\d*)$", text)
        if fuzzy:
            return self.fuzzy(tok, fieldname, text[: fuzzy.start()], fuzzy.group(1))
        if "~" in text:
            raise self.error("'~' goes at the end of a word, optionally with 1 or 2", tok.pos)
        tokens = list(analyze(text, stemming=self.stemming(fieldname)))
        if not tokens:
            return None
        if self.stemming(fieldname):
            self.words.append((tok.pos, tok.pos + len(text)))
        if len(tokens) == 1:
            return self.each_field(fieldname, lambda f: wq.Term(f, tokens[0].text))
        parts = [t.text for t in tokens if not t.joined]
        closed = [t.text for t in tokens if t.joined]
        if len(parts) > MAX_COMPOUND_PARTS:
            raise self.error(
                f"too many parts in one word ({len(parts)}; at most {MAX_COMPOUND_PARTS}): "
                "split it with spaces, or quote it as a phrase",
                tok.pos,
            )

        def compound(f: str) -> wq.Query:
            alternatives: list[wq.Query] = [wq.Term(f, c) for c in closed]
            if len(parts) > 1:
                alternatives.append(wq.Phrase(f, parts))
            elif parts:
                alternatives.append(wq.Term(f, parts[0]))
            return alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)

        return self.each_field(fieldname, compound)

    def prefix(self, tok: _Tok, fieldname: str | None) -> wq.Query:
        body = tok.text[:-1]
        folded = [t.text for t in analyze(body, stemming=False)] if body else []
        if len(folded) != 1 or len(folded[0]) < MIN_PREFIX:
            raise self.error(
                f"a prefix needs at least {MIN_PREFIX} letters before '*' (short prefixes are too slow)",
                tok.pos,
            )
        base = folded[0]
        self.prefixes.add((base, fieldname or self.field))
        if len(self.prefixes) > MAX_PREFIXES:
            raise self.error(
                f"too many prefixes: at most {MAX_PREFIXES}; use fewer * or whole words", tok.pos
            )
        if not self.stemming(fieldname):
            return self.each_field(fieldname, lambda f: wq.Prefix(f, base))
        # The index holds stems, so "programmi*" must become the stems of the known
        # words it starts ("programming" -> "program"); the expander keeps the most
        # frequent few, which bounds the cost of short prefixes.
        stems = list(dict.fromkeys(self.expand(base)))
        if not stems:
            return self.each_field(fieldname, lambda f: wq.Prefix(f, base))
        return self.each_field(fieldname, lambda f: wq.Or([wq.Term(f, s) for s in stems]))

    def fuzzy(self, tok: _Tok, fieldname: str | None, word: str, dist: str) -> wq.Query | None:
        maxdist = int(dist) if dist else 1
        if not 1 <= maxdist <= MAX_FUZZY:
            raise self.error(f"fuzzy distance must be 1 or {MAX_FUZZY} (word~ or word~2)", tok.pos)
        if not word or any(c in word for c in "~*"):
            raise self.error("'~' needs a word before it", tok.pos)
        if len(word) < MIN_FUZZY:
            raise self.error(
                f"fuzzy matching needs at least {MIN_FUZZY} letters (short words match too much)", tok.pos
            )
        tokens = [t for t in analyze(word, stemming=self.stemming(fieldname)) if not t.joined]
        if len(tokens) != 1:
            raise self.error("fuzzy matching takes a single word", tok.pos)
        term = tokens[0].text
        self.fuzzy_words.add((term, maxdist, fieldname or self.field))
        if len(self.fuzzy_words) > MAX_FUZZY_WORDS:
            raise self.error(
                f"too many fuzzy words: at most {MAX_FUZZY_WORDS}; use fewer ~, or ~1 instead of ~2", tok.pos
            )
        if self.expand_fuzzy is not None and self.stemming(fieldname):
            # Expanded here, the closest and most frequent words first (a bounded rewrite
            # the planner can price and the term-at-a-time scorer can run).
            folded = [t.text for t in analyze(word, stemming=False) if not t.joined]
            stems = list(dict.fromkeys(self.expand_fuzzy(folded[0], maxdist))) if len(folded) == 1 else []
            if not stems:
                return self.each_field(fieldname, lambda f: wq.Term(f, term))
            return self.each_field(fieldname, lambda f: _any_of(f, stems))
        return self.each_field(fieldname, lambda f: wq.FuzzyTerm(f, term, maxdist=maxdist, prefixlength=1))


def _any_of(fieldname: str, terms: list[str]) -> wq.Query:
    return wq.Term(fieldname, terms[0]) if len(terms) == 1 else wq.Or([wq.Term(fieldname, t) for t in terms])


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
    """
    if mode not in ("all", "any"):
        raise QueryError(f"unknown mode {mode!r}: use 'all' or 'any'", text)
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query too long ({len(text)} characters; at most {MAX_QUERY_CHARS})", text[:80] + "…"
        )
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        pos = next(i for i, c in enumerate(text) if ord(c) < 32 and c not in "\t\n\r")
        raise QueryError("control character in query: remove it", text, pos)
    return _Parser(text, mode, expand or (lambda _prefix: ()), fuzzy).parse()


def entity_query(fieldname: str, name: str) -> wq.Query:
    """A filter matching articles whose ``fieldname`` entities include ``name``.

    ``fieldname`` is ``person``, ``place``, ``org`` or ``entity`` (any); a
    surname, a full name, or a name without diacritics all match.

    Raises:
        QueryError: Unknown field, or a name with nothing searchable in it.
    """
    if fieldname not in ENTITY_QUERY_FIELDS:
        raise QueryError(f"unknown entity type {fieldname!r}: use person, place, org or entity", name)
    parts = [t.text for t in analyze(name, stemming=False) if not t.joined]
    if not parts:
        raise QueryError(f"{fieldname} name {name!r} has no searchable words", name)
    fields = ENTITY_FIELDS if fieldname == "entity" else (fieldname,)
    queries = [wq.Term(f, parts[0]) if len(parts) == 1 else wq.Phrase(f, parts) for f in fields]
    return queries[0] if len(queries) == 1 else wq.Or(queries)
