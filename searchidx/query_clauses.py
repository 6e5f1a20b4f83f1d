"""Query clauses: the Whoosh query for one value of a parsed query.

A value is a word, a ``"phrase"``, a ``prefix*``, a fuzzy ``word~``, a
``date:`` range or an entity name. The grammar (:mod:`searchidx.query`) decides
which field a value is in; here it becomes terms of that field, or of every text
field when it names none (every entity field for ``entity:``). Words are
analysed as at indexing time: stemmed in text fields, only folded in entity
fields. The per-query limits on prefixes and fuzzy words are counted here, the
shape limits of :mod:`searchidx.cost` checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from whoosh import query as wq

from .analysis import analyze, stem
from .cost import MAX_COMPOUND_PARTS, MAX_FUZZY_WORDS, MAX_PHRASE_WORDS, MAX_PREFIXES
from .dates import DateRange, parse_date_bound
from .errors import QueryError
from .query_lexer import ENTITY_QUERY_FIELDS, Token
from .schema import ENTITY_FIELDS, TEXT_FIELDS

__all__ = ["MAX_FUZZY", "MIN_FUZZY", "MIN_PREFIX", "Clauses", "entity_query"]

MIN_PREFIX = 3
#: Weight of a prefix's completions beside the word itself: small enough never to reorder its hits.
COMPLETION_WEIGHT = 1e-6
MIN_FUZZY = 3
MAX_FUZZY = 2


class Clauses:
    """Builds the clauses of one query, and counts its prefixes and fuzzy words.

    Each builder takes the value's token and the field it is in (``None``: no
    field named, so every text field).

    Attributes:
        words: ``(start, end)`` of each plain word in the text, for suggestions.
    """

    def __init__(
        self,
        text: str,
        expand: Callable[[str], Iterable[str]],
        fuzzy: Callable[[str, int], Iterable[str]] | None,
    ) -> None:
        self.text = text
        self.expand = expand
        self.expand_fuzzy = fuzzy
        self.fuzzy_words: set[tuple[str, int, str | None]] = set()
        self.prefixes: set[tuple[str, str | None]] = set()
        self.words: list[tuple[int, int]] = []

    def error(self, problem: str, pos: int) -> QueryError:
        """A :class:`QueryError` for this query at ``pos``."""
        return QueryError(problem, self.text, pos)

    def dates(self, tok: Token) -> DateRange:
        """The days of a ``date:`` value: ``YYYY[-MM[-DD]]`` or a range ``FROM..TO``."""
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

    def phrase(self, tok: Token, field: str | None) -> wq.Query | None:
        """A ``"phrase"`` (``None`` when it holds only stop words)."""
        parts = [
            t.text for t in analyze(_aliased(tok.text, field), stemming=_stemming(field)) if not t.joined
        ]
        if not tok.text.strip():
            raise self.error("empty phrase", tok.pos)
        if not parts:
            return None
        if len(parts) > MAX_PHRASE_WORDS:
            raise self.error(
                f"phrase too long ({len(parts)} words; at most {MAX_PHRASE_WORDS}): shorten it", tok.pos
            )
        if len(parts) == 1:
            return _each_field(field, lambda f: wq.Term(f, parts[0]))
        return _each_field(field, lambda f: wq.Phrase(f, parts))

    def word(self, tok: Token, field: str | None) -> wq.Query | None:
        """A word, ``*``, ``prefix*`` or ``word~`` (``None`` for a stop word)."""
        text = tok.text
        if text == "*":
            return wq.Every()  # everything (cheap: no term expansion)
        star = text.find("*")
        if star >= 0 or "?" in text:
            if star != len(text) - 1 or "?" in text:
                raise self.error("wildcards are only allowed at the end of a word (word*)", tok.pos)
            return self.prefix(tok, field)
        fuzzy = re.search(r"~(\d*)$", text)
        if fuzzy:
            return self.fuzzy(tok, field, text[: fuzzy.start()], fuzzy.group(1))
        if "~" in text:
            raise self.error("'~' goes at the end of a word, optionally with 1 or 2", tok.pos)
        tokens = list(analyze(_aliased(text, field), stemming=_stemming(field)))
        if not tokens:
            return None
        if _stemming(field):
            self.words.append((tok.pos, tok.pos + len(text)))
        if len(tokens) == 1:
            return _each_field(field, lambda f: wq.Term(f, tokens[0].text))
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

        return _each_field(field, compound)

    def prefix(self, tok: Token, field: str | None) -> wq.Query:
        """A ``prefix*``: the stems of the known words it starts, or a Whoosh ``Prefix``."""
        body = tok.text[:-1]
        folded = [t.text for t in analyze(body, stemming=False)] if body else []
        if len(folded) != 1 or len(folded[0]) < MIN_PREFIX:
            raise self.error(
                f"a prefix needs at least {MIN_PREFIX} letters before '*' (short prefixes are too slow)",
                tok.pos,
            )
        base = folded[0]
        self.prefixes.add((base, field))
        if len(self.prefixes) > MAX_PREFIXES:
            raise self.error(
                f"too many prefixes: at most {MAX_PREFIXES}; use fewer * or whole words", tok.pos
            )
        if not _stemming(field):
            return _each_field(field, lambda f: wq.Prefix(f, base))
        # The index holds stems, so "programmi*" must become the stems of the known
        # words it starts ("programming" -> "program"); the expander keeps the most
        # frequent few, which bounds the cost of short prefixes.
        stems = list(dict.fromkeys(self.expand(base)))
        if not stems:
            return _each_field(field, lambda f: wq.Prefix(f, base))
        exact = stem(base)
        if exact not in stems or len(stems) == 1:
            return _each_field(field, lambda f: wq.Or([wq.Term(f, s) for s in stems]))
        # The word itself first ("oil*": the OIL stories as "oil" ranks them, then OILMAN's):
        # typing on never reorders what Enter gives; the completions follow, in their own order.
        others = [s for s in stems if s != exact]
        return _each_field(
            field,
            lambda f: wq.Or(
                [wq.Term(f, exact), wq.Or([wq.Term(f, s) for s in others], boost=COMPLETION_WEIGHT)]
            ),
        )

    def fuzzy(self, tok: Token, field: str | None, word: str, dist: str) -> wq.Query | None:
        """A fuzzy ``word~`` or ``word~2`` (``dist`` is the digit after ``~``, if any)."""
        maxdist = int(dist) if dist else 1
        if not 1 <= maxdist <= MAX_FUZZY:
            raise self.error(f"fuzzy distance must be 1 or {MAX_FUZZY} (word~ or word~2)", tok.pos)
        if not word or any(c in word for c in "~*"):
            raise self.error("'~' needs a word before it", tok.pos)
        if len(word) < MIN_FUZZY:
            raise self.error(
                f"fuzzy matching needs at least {MIN_FUZZY} letters (short words match too much)", tok.pos
            )
        tokens = [t for t in analyze(word, stemming=_stemming(field)) if not t.joined]
        if len(tokens) != 1:
            raise self.error("fuzzy matching takes a single word", tok.pos)
        term = tokens[0].text
        self.fuzzy_words.add((term, maxdist, field))
        if len(self.fuzzy_words) > MAX_FUZZY_WORDS:
            raise self.error(
                f"too many fuzzy words: at most {MAX_FUZZY_WORDS}; use fewer ~, or ~1 instead of ~2", tok.pos
            )
        if self.expand_fuzzy is not None and _stemming(field):
            # Expanded here, the closest and most frequent words first (a bounded rewrite
            # the planner can price and the term-at-a-time scorer can run).
            folded = [t.text for t in analyze(word, stemming=False) if not t.joined]
            stems = list(dict.fromkeys(self.expand_fuzzy(folded[0], maxdist))) if len(folded) == 1 else []
            if not stems:
                return _each_field(field, lambda f: wq.Term(f, term))
            return _each_field(field, lambda f: _any_of(f, stems))
        return _each_field(field, lambda f: wq.FuzzyTerm(f, term, maxdist=maxdist, prefixlength=1))


def entity_query(fieldname: str, name: str) -> wq.Query:
    """A filter matching articles whose ``fieldname`` entities include ``name``.

    ``fieldname`` is ``person``, ``place``, ``org`` or ``entity`` (any); a
    surname, a full name, or a name without diacritics all match.

    Raises:
        QueryError: Unknown field, or a name with nothing searchable in it.
    """
    if fieldname not in ENTITY_QUERY_FIELDS:
        raise QueryError(f"unknown entity type {fieldname!r}: use person, place, org or entity", name)
    parts = [t.text for t in analyze(_aliased(name, fieldname), stemming=False) if not t.joined]
    if not parts:
        raise QueryError(f"{fieldname} name {name!r} has no searchable words", name)
    fields = ENTITY_FIELDS if fieldname == "entity" else (fieldname,)
    queries = [wq.Term(f, parts[0]) if len(parts) == 1 else wq.Phrase(f, parts) for f in fields]
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _aliased(name: str, field: str | None) -> str:
    """The canonical name of an alias in an entity filter (``place:us`` -> United States).

    Entities are stored under their canonical name (see entities.cleanup), so a
    filter must use it too; in text fields a word is left as typed.
    """
    if field not in ENTITY_QUERY_FIELDS:
        return name
    from .entities.aliases import alias

    known = alias(name)
    return known[1] if known is not None and field in (known[0], "entity") else name


def _fields(field: str | None) -> tuple[str, ...]:
    if field == "entity":
        return ENTITY_FIELDS
    return (field,) if field else TEXT_FIELDS


def _stemming(field: str | None) -> bool:
    """Names in entity fields are folded but not stemmed."""
    return field not in ENTITY_QUERY_FIELDS


def _each_field(field: str | None, build: Callable[[str], wq.Query]) -> wq.Query:
    queries = [build(f) for f in _fields(field)]
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _any_of(fieldname: str, terms: list[str]) -> wq.Query:
    return wq.Term(fieldname, terms[0]) if len(terms) == 1 else wq.Or([wq.Term(fieldname, t) for t in terms])
