"""Rules that read the words around a mention: the head noun of a place, a name's full extent.

The tagger sees one sentence at a time and stops a name where its features
fade: "Syrian Observatory" of "the Syrian Observatory for Human Rights",
"National Agreement" of "the government of the National Agreement (GNA)", and
"Wagner" and "Brown" as two people where an article only ever writes the firm
"Wagner and Brown". These rules look at the text around each mention (one
article's body at a time) and fix the extent or the type; ``cleanup.py`` calls
them and ``tests/test_entity_rules.py`` holds them to examples.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import Final

from ..models import Entity
from .decode import PERSON_TITLES
from .tokens import fold

__all__ = [
    "PORTFOLIOS",
    "and_co",
    "complete_by_acronym",
    "grow_right",
    "partner_firms",
    "place_heads",
    "qualify_bodies",
]

#: A minister's portfolio ("Energy Subroto": the Energy Minister's name; "Finance Ministry").
PORTFOLIOS: Final = frozenset(
    "energy mines finance oil trade foreign agriculture economy economic industry interior justice "
    "labour labor commerce petroleum defence defense health transport planning".split()
)

# "the city of Maarat al-Numan", "the villages of Binnish, Taftanaz and Maaret Musreen".
_PLACE_HEAD_RE: Final = re.compile(
    r"\b(?:city|town|village|province|region|district|suburb|port|island|cities|towns|villages|"
    r"provinces|regions|districts|suburbs|ports|islands)\s+of\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# "flee Maarat al-Numan city": a place noun right after the name.
_PLACE_TAIL_RE: Final = re.compile(r"\s+(?:city|town|village|province|district)\b(?!\s+(?:of|council)\b)")
_LIST_SEP_RE: Final = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def place_heads(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """A person-tagged name after "the city of" / "villages of", or before "city", is a place.

    So is every name listed after such a head ("villages of A, B and C"): the head
    noun governs the whole list.
    """
    out: list[Entity] = []
    listed = False  # the previous mention was a place under a head noun
    for i, entity in enumerate(entities):
        if entity.label == "org":  # neither retyped nor a listed place: nothing to look at
            listed = False
            out.append(entity)
            continue
        prev = entities[i - 1] if i else None
        before = max(0, entity.start - 40)
        head = (  # most names have no "of" before them: the search is skipped
            "of" in text[before : entity.start].lower()
            and _PLACE_HEAD_RE.search(text, before, entity.start) is not None
        )
        in_list = (
            listed and prev is not None and _LIST_SEP_RE.fullmatch(text, prev.end, entity.start) is not None
        )
        if entity.label == "person" and (head or in_list or _PLACE_TAIL_RE.match(text, entity.end)):
            entity = Entity(entity.text, "place", entity.start, entity.end)
        listed = (head or in_list) and entity.label == "place"
        out.append(entity)
    return out


# Last words of a body whose name goes on with "of"/"for" ("Bank of England",
# "Syrian Observatory for Human Rights", "Ministry of Defence").
_OF_ENDS: Final = frozenset(
    "bank ministry department commission agency office council committee institute foundation "
    "observatory organisation organization association federation society union league movement "
    "front board authority court party fund school university".split()
)
# " of the Capitalised Words": capitalised words joined by of/for/the/&, at most six.
_OF_TAIL_RE: Final = re.compile(
    r" (?:of|for) (?:the )?[A-Z][\w'’-]*(?: (?:(?:of|for|the|&) )?[A-Z][\w'’-]*){0,5}"
)
_CAP_RE: Final = re.compile(r"[A-Z]")


def grow_right(text: str, entity: Entity, stops: Collection[int] = frozenset()) -> Entity:
    """Grow an organisation ending in a body word over "of/for Name" after it.

    "Syrian Observatory" + " for Human Rights" -> "Syrian Observatory for Human
    Rights". The growth stops at a title word and at ``stops`` (where people's
    names start): "Bank of Japan Governor Satoshi Sumita".
    """
    if entity.label != "org" or fold(entity.text.split()[-1]) not in _OF_ENDS:
        return entity
    match = _OF_TAIL_RE.match(text, entity.end)
    if match is None:
        return entity
    words: list[str] = []
    at = entity.end
    for word in match.group().split():
        at = text.index(word, at)
        if at in stops or fold(word).rstrip(".") in PERSON_TITLES:
            break  # "Bank of Japan Governor Satoshi Sumita": the name ends before the title
        words.append(word)
        at += len(word)
    while words and not _CAP_RE.match(words[-1]):
        words.pop()  # never ends on a joiner ("Bank of the")
    if len(words) < 2:
        return entity
    end = entity.end + len(" ".join(["", *words]))
    return Entity(text[entity.start : end], "org", entity.start, end)


# "and Co" after a name, and a legal form after that: "Touche Ross and Co", "Merrill Lynch and Co Inc".
_AND_CO_RE: Final = re.compile(
    r",?[ \t]+(?:and|&)[ \t]+Co(?![\w-])\.?(?:,?[ \t]+(?:Inc|Ltd|Plc|LP)(?![\w-])\.?)?"
)


def and_co(text: str, entity: Entity) -> Entity:
    """A name followed by "and Co" is a firm's: "Touche Ross" + " and Co" -> the org "Touche Ross and Co".

    The tagger reads "Touche Ross" and "Arthur Andersen" as people, and "Peabody" of
    "Kidder, Peabody and Co" as a place, and leaves "and Co" out; no person's or place's
    name goes on "and Co" ("and Co-operation" is not "and Co").
    """
    match = _AND_CO_RE.match(text, entity.end)
    if match is None:
        return entity
    return Entity(text[entity.start : match.end()], "org", entity.start, match.end())


_ACRONYM_AFTER_RE: Final = re.compile(r"\s*\(([A-Z]{2,6})\)")
_SKIP: Final = frozenset("of for the and & de du la".split())
_WORD_BEFORE_RE: Final = re.compile(r"([\w'’&-]+)[ \t]+$")


def _initials(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w not in _SKIP and w[:1].isalnum())


def complete_by_acronym(text: str, entity: Entity) -> Entity:
    """Complete an organisation from its acronym in brackets after it.

    "the government of the National Agreement (GNA)": the tagger found "National
    Agreement"; the acronym says two of three initials are there and the words
    before give the third, so the name is "Government of the National Agreement".
    """
    if entity.label != "org":
        return entity
    match = _ACRONYM_AFTER_RE.match(text, entity.end)
    if match is None:
        return entity
    acronym = match.group(1).lower()
    have = _initials([fold(w) for w in entity.text.split()])
    if not have or acronym == have or not acronym.endswith(have):
        return entity
    need, start, cursor = acronym[: -len(have)], entity.start, entity.start
    for _ in range(6):
        before = _WORD_BEFORE_RE.search(text, max(0, cursor - 40), cursor)
        if before is None or not need:
            break
        word, cursor = fold(before.group(1)), before.start()
        if word in _SKIP:
            continue
        if word[:1] != need[-1]:
            break
        need, start = need[:-1], cursor
    if need:
        return entity
    whole = " ".join(text[start : entity.end].split())
    return Entity(whole[:1].upper() + whole[1:], "org", start, entity.end)


def partner_firms(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """Two one-word "people" written only as "X and Y", twice or more, are one firm.

    "Wagner and Brown", "Duff and Phelps", "Harper and Row": an article that
    names people by surname alone names them apart too ("Reagan and Nakasone
    met ... Reagan said"). Needs two such pairs in the article, so one
    "Reagan and Nakasone" stays two people.
    """
    pairs: dict[tuple[str, str], int] = {}
    for i, entity in enumerate(entities):
        nxt = entities[i + 1] if i + 1 < len(entities) else None
        if _pair(text, entity, nxt):
            assert nxt is not None
            key = (fold(entity.text), fold(nxt.text))
            pairs[key] = pairs.get(key, 0) + 1
    if all(n < 2 for n in pairs.values()):  # most articles: no pair twice, nothing more to count
        return list(entities)
    alone: dict[str, int] = {}
    for entity in entities:
        if entity.label == "person":
            word = fold(entity.text.split()[-1])
            alone[word] = alone.get(word, 0) + 1
    firms = {
        pair
        for pair, n in pairs.items()
        if n >= 2 and alone.get(pair[0], 0) == alone.get(pair[1], 0) == n and len(set(pair)) == 2
    }
    if not firms:
        return list(entities)
    out: list[Entity] = []
    skip = False
    for i, entity in enumerate(entities):
        if skip:
            skip = False
            continue
        nxt = entities[i + 1] if i + 1 < len(entities) else None
        if nxt is not None and _pair(text, entity, nxt) and (fold(entity.text), fold(nxt.text)) in firms:
            out.append(Entity(text[entity.start : nxt.end], "org", entity.start, nxt.end))
            skip = True
        else:
            out.append(entity)
    return out


def _pair(text: str, first: Entity, second: Entity | None) -> bool:
    return (
        second is not None
        and first.label == second.label == "person"
        and " " not in first.text
        and " " not in second.text
        and text[first.end : second.start].split() in (["and"], ["&"])
        and text[first.end : second.start].startswith((" ", "\n"))
    )


# Words of a body that every country has ("Finance Ministry", "Central Bank"): no name alone.
_BODY_WORDS: Final = PORTFOLIOS | frozenset(
    "ministry department bank office agency commission council committee central cabinet government".split()
)
# "Syria's " or "Brazilian " right before a body: the country it belongs to.
_QUALIFIER_RE: Final = re.compile(
    r"(?:\b[A-Z][\w.-]*(?: [A-Z][\w.-]*)?['’]s|\b[A-Z][a-z]+(?:an|ish|ese|i|ch))[ \t]+$"
)


def _body_only(name: str, words: Sequence[str], named: Callable[[str], bool]) -> bool:
    """An organisation's name of body words only ("Central Bank"); ``words``: its folded words."""
    return len(words) > 1 and all(w in _BODY_WORDS for w in words) and not named(name)


def qualify_bodies(
    text: str, entities: Sequence[Entity], named: Callable[[str], bool] = lambda _name: False
) -> list[Entity]:
    """Give "Finance Ministry" its country, or drop it: each country has one.

    A body written with its country ("Syria's Foreign Ministry", "Brazilian
    Central Bank") grows over it; a bare one takes the qualified name the
    article gives it elsewhere ("Brazil's Central Bank ... the Central Bank
    said"), and is dropped when the article gives none: the collection would
    otherwise count every country's finance ministry as one organisation.
    ``named`` says which names are one body wherever they are written (the alias
    table's "Agriculture Department").
    """
    grown: list[Entity | None] = []
    qualified: dict[str, Entity] = {}  # "central bank" -> "Brazil's Central Bank"
    for entity in entities:
        if entity.label != "org":  # only an organisation is a body, or qualifies one
            grown.append(entity)
            continue
        words = [fold(w) for w in entity.text.split()]
        if _body_only(entity.text, words, named):
            before = _QUALIFIER_RE.search(text, max(0, entity.start - 40), entity.start)
            if before is None:
                grown.append(None)  # bare: decided below
                continue
            entity = Entity(text[before.start() : entity.end], "org", before.start(), entity.end)
            words = [fold(w) for w in entity.text.split()]
        grown.append(entity)
        for n in range(2, len(words)):
            if all(w in _BODY_WORDS for w in words[-n:]):
                qualified.setdefault(" ".join(words[-n:]), entity)
    out = []
    for entity, kept in zip(entities, grown, strict=True):
        if kept is None:
            known = qualified.get(" ".join(fold(w) for w in entity.text.split()))
            if known is None:
                continue
            kept = Entity(known.text, "org", entity.start, entity.end)
        out.append(kept)
    return out
