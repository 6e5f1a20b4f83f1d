"""Rules applied to tagged mentions before they are merged: what wire copy makes the tagger get wrong.

The CRF sees every capitalised word as a candidate name, so wire boilerplate
("NOTE:", "Reuter", "QTR NET", "U.S. Dlrs"), generic capitalised words
("Bank", "House", "Standard") and company names it reads as people
("Motors Corp") come out as entities. These rules drop or relabel them;
``tests/test_entity_rules.py`` holds them to Reuters-like fixtures. The
tables are written for this package (no third-party data).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from itertools import pairwise
from typing import Final

from ..models import Entity
from .aliases import ALIASES, alias
from .context import PORTFOLIOS as _PORTFOLIOS
from .context import and_co, complete_by_acronym, grow_right, partner_firms, place_heads, qualify_bodies
from .gazetteer import shipped_gazetteer
from .name_words import (
    BODY_ENDS,
    BOILERPLATE,
    COMPANY_ENDS,
    FIRM_HEADS,
    GENERIC,
    GRADES,
    GROUP_ENDS,
    GROWN_ENDS,
    NATIONALITIES,
    PARTICLES,
    PLACE_WORDS,
    TRAILING,
)
from .titles import SPLIT_TITLES, TITLE_NOUNS, office_word, title_like, trailing_title
from .tokens import fold

__all__ = [
    "ALIASES",
    "COMPANY_ENDS",
    "RULES_VERSION",
    "alias",
    "clean_mentions",
    "company_roots",
]

#: Bump when a rule or table here or in :mod:`.collection` changes what is extracted or how
#: names resolve (indexes then ask for a rebuild, which also redoes the collection's resolution).
RULES_VERSION: Final = "33"

_PARTY_STATE_RE: Final = re.compile(r"^[DR]-[A-Z][a-z]+\.?$")  # "D-Conn": a senator's party and state
_MONTHS: Final = frozenset(
    "january february march april may june july august september october november december".split()
)
_WORD_RE: Final = re.compile(r"[\w.&']+")
_INITIALISM_RE: Final = re.compile(r"[A-Z]{2,4}")
_ATTRIBUTIVE_RE: Final = re.compile(r"-(?:based|backed|led|born|owned|run|controlled)$", re.IGNORECASE)
# "told RIA Novosti news agency": a name before "(news) agency" is the agency.
_AGENCY_AFTER_RE: Final = re.compile(r"\s+(?:news\s+|press\s+)?agency\b", re.IGNORECASE)


def _nationality(words: Sequence[str]) -> bool:
    """A nationality word ("Kuwaiti", "Kuwaitis"), maybe after a region word ("Latin American")."""
    last = words[-1][:-1] if words[-1].endswith("s") and words[-1][:-1] in NATIONALITIES else words[-1]
    lead = set(words[:-1]) <= {"latin", "north", "south", "east", "west", "central", "western", "eastern"}
    return last in NATIONALITIES and lead


def _no_surname(words: Sequence[str]) -> bool:
    """Not "FW de Klerk" or "GH Miller": a particle or a surname of the name list after the first word."""
    return len(words) > 1 and words[1] not in PARTICLES and words[-1] not in shipped_gazetteer().last_names


#: Mentions' folded words (:func:`_words`): the rules ask for a mention's words again and again,
#: and a collection names the same people and firms in article after article (~5 MB when full).
_WORDS: Final[dict[str, list[str]]] = {}
_WORDS_MAX: Final = 50_000


def _words(text: str) -> list[str]:
    """The folded words of a mention's text (a new list: callers may shorten it)."""
    found = _WORDS.get(text)
    if found is None:
        found = [fold(w).strip(".'") for w in _WORD_RE.findall(text)]
        if len(_WORDS) < _WORDS_MAX:
            _WORDS[text] = found
    return list(found)


#: Names already fixed (:func:`_fix` depends on a mention's text and label only): about 5 MB at most.
_FIXED: Final[dict[tuple[str, str], tuple[str, str, int]]] = {}
_FIXED_MAX: Final = 50_000
_DROPPED: Final = ("", "", -2)  # in _FIXED: the name is dropped


def _fix(entity: Entity) -> Entity | None:
    """One mention after the rules: dropped (None), trimmed, relabelled, or as it was."""
    key = (entity.text, entity.label)
    fixed = _FIXED.get(key)
    if fixed is None:
        fixed = _fix_name(entity.text, entity.label) or _DROPPED
        if len(_FIXED) < _FIXED_MAX:  # full: the names seen first (the frequent ones) stay
            _FIXED[key] = fixed
    text, label, at = fixed
    if at == _DROPPED[2]:
        return None
    if at == 0 and label == entity.label and len(text) == len(entity.text):
        return entity  # as it was (most are): no new object
    start, end = (entity.start + at, entity.start + at + len(text)) if at >= 0 else (entity.start, entity.end)
    return Entity(text, label, start, end)


def _fix_name(name: str, label: str) -> tuple[str, str, int] | None:
    """:func:`_fix` on a text: None, or the name, its label and its start in ``name`` (-1: renamed)."""
    text = name.split("<", 1)[0].rstrip()  # "Citicorp <CCI>": a ticker
    words = _words(text)
    if not words or all(w in BOILERPLATE or w.isdigit() or len(w) == 1 for w in words):
        return None
    if _PARTY_STATE_RE.match(text) or (label == "person" and words[0] in _MONTHS):
        return None  # "D-Conn"; "May One", "April One"
    if len(words) > 1 and (
        words[-1] in _PARTY_MEMBER or (words[0] in _CHAMBERS and words[-1] in _PARTY_WORDS)
    ):
        return None  # "Texas Democrat", "Senate Republican", "Senate Democratic": who a person is
    raw = text.split()  # whitespace tokens: what is cut below
    plain = [fold(t).strip(".,'’") for t in raw]
    if label == "person":
        titled = [i for i, w in enumerate(plain) if title_like(w)]
        if titled and titled[-1] == len(raw) - 1:
            return None  # a title without a name ("U.K. Chancellor")
        if titled and (len(raw) > 2 or plain[titled[-1]] in TITLE_NOUNS):
            raw = raw[titled[-1] + 1 :]  # "Federal Chairman Paul Volcker"
    while label == "person" and len(raw) > 1 and fold(raw[0]).strip(".,") in _PORTFOLIOS:
        raw = raw[1:]  # "Energy Subroto": the Energy Minister's name
    while label != "person" and len(raw) > 1 and trailing_title(raw):
        raw.pop()  # "Federal Reserve Board Vice", "CBS Inc Chairman": a title after the organisation
    if label != "person" and len(raw) < len(text.split()) and all(office_word(w) for w in raw):
        return None  # "Treasury Secretary", "Soviet Foreign Minister": a title, no organisation
    while len(raw) > 1 and _ATTRIBUTIVE_RE.search(raw[0]):
        raw = raw[1:]  # "Britain-based Syrian Observatory", "Russia-backed forces"
    if len(raw) == 1 and (attributive := _ATTRIBUTIVE_RE.search(raw[0])):
        raw = [raw[0][: attributive.start()]]  # "London-based": London
    plain = [fold(t).strip(".,'’") for t in raw]
    if label == "person" and "of" in plain[1:-1]:
        raw = raw[: plain.index("of", 1)]  # "Philip Fricke of Goldman Sachs"
    if len(raw) > 1 and fold(raw[0]) == "the":
        raw = raw[1:]  # "The Bank of England"
    while len(raw) > 1 and fold(raw[-1]).strip(".,") in TRAILING:  # "U.S. Dlrs" -> "U.S."
        raw.pop()  # and "Hamas Thursday": a day glued to the name before it
    text = " ".join(raw)
    words = _words(text)
    if not words or " ".join(words) in GRADES:
        return None  # "Libor", "West Texas Intermediate": what is traded, not who
    if len(words) == 1 and (words[0] in GENERIC or (text.isupper() and len(text) > 4 and not alias(text))):
        return None  # "Bank", "House"; an all-caps word that is no known acronym ("NOTE", "REUTER")
    known = alias(text)
    if known is None and _nationality(words):
        return None  # "Kuwaiti", "Latin Americans"
    if known is not None:
        label, text = known  # one name per entity: "U.S." is the place United States
    elif (words[-1] in COMPANY_ENDS or words[0] in FIRM_HEADS) and len(words) > 1:
        label = "org"  # "Motors Corp", "Merrill Lynch Capital Markets", "Societe Generale"
    elif label == "place" and len(words) > 1 and words[-1] in ("market", "markets"):
        return None  # "U.S. Market", "Japanese Markets": where trading happens, no place's name
    elif label == "person" and words[-1] in PLACE_WORDS:
        label = "place"
    elif label == "person" and _INITIALISM_RE.fullmatch(raw[0]) and not text.isupper() and _no_surname(words):
        label = "org"  # "LM Ericsson", "IG Metall": initials without dots, and no surname after them
    elif label == "org" and len(words) > 1 and (words[-1] == "republic" or words[:2] == ["republic", "of"]):
        label = "place"  # "Czech Republic", "Republic of Korea" (not "Republic Airways")
    elif label == "place" and len(words) > 1 and (words[-1] in BODY_ENDS or words[-1] in GROUP_ENDS):
        label = "org"  # "U.S. Treasury", "Brazilian Finance Ministry", "Syrian Observatory"
    return text, label, name.find(text)  # trimmed in place, or renamed by the alias table (-1: offsets kept)


_LEGAL_ONLY: Final = frozenset("sons son brothers partners co company inc corp ltd plc".split())
# The end of a firm's name, never inside it.
_LEGAL_FORMS: Final = frozenset("co inc corp ltd plc llc".split())
# Not across a line break: wire copy's lists and tables put one name per line.
_LEFT_WORD_RE: Final = re.compile(r"(?:([A-Z][\w.'’-]*|&|and)(,?)[ \t]+)$")
_PARTNERS_RE: Final = re.compile(r" and | ?& ?")
_NOT_LEFT: Final = frozenset("The A An In On At For From By With To Of And Its Their His Her".split())


def _generic_firm(name: str) -> bool:
    """A name that is one lower-case word and organisation words: "Telephone Corp", "Loan Association".

    No firm goes by such a name alone: after "and" it is the end of a longer one
    ("Nippon Telegraph and Telephone Corp", "Savings and Loan Association"). Words
    also common in names ("World Bank", "Trust Co", "Electric Co") are not taken as
    lower-case ones.
    """
    words = _words(name)
    while len(words) > 1 and words[-1] in GROWN_ENDS:
        words.pop()
    return len(words) == 1 and shipped_gazetteer().casing.get(words[0]) == "l"


def _whole_company(text: str, entity: Entity, ends: Collection[int] = frozenset()) -> Entity:
    """Grow "Motors Corp" to "American Motors Corp", "Sachs and Co" to "Goldman, Sachs and Co".

    Growth stops at a word that ends another mention before "and" ("Chrysler and
    Ford Motor Co" are two) unless what follows "and" names no firm alone ("Telephone
    Corp"), and crosses a comma only inside an "X, Y and Co" firm name.
    """
    start = entity.start
    if all(w in _LEGAL_ONLY for w in _words(entity.text)):
        ends = frozenset()  # "Alex Brown" + "and Sons Inc": "Sons Inc" names no firm alone
    # "Nippon Telegraph" + "and Telephone Corp": the mention before this "and" is the name's start.
    generic = _generic_firm(entity.text)
    while True:
        match = _LEFT_WORD_RE.search(text, max(0, start - 40), start)
        word = match.group(1) if match else None
        if match is None or word is None or word in _NOT_LEFT or _ATTRIBUTIVE_RE.search(word):
            break  # "London-based Reed International Plc": the firm is Reed International Plc
        if match.group(2) and (
            not _PARTNERS_RE.search(text, start, entity.end) or word.lower().rstrip(".") in _LEGAL_FORMS
        ):
            break  # "In Tokyo, Sony Corp": a comma ends the name unless partners follow, and after "Inc,"
        if word in ("&", "and"):
            before = _LEFT_WORD_RE.search(text, max(0, match.start() - 40), match.start())
            if (
                before is None
                or before.group(1) in (None, "&", "and")
                or before.group(1) in _NOT_LEFT
                or before.group(1).lower().rstrip(".") in _LEGAL_FORMS  # "... and Co and Salomon Brothers"
                or before.group(2)
                or (
                    not (generic and start == entity.start)
                    and (match.start() - 1 in ends or match.start() in ends)
                )
            ):
                break
        start = match.start()
    return entity if start == entity.start else Entity(text[start : entity.end], "org", start, entity.end)


def _split_partners(entity: Entity) -> list[Entity]:
    """Split "International Monetary Fund and World Bank" into the two organisations it names.

    A name splits at " and " only where both halves are names on their own (a
    known name, or two words or more ending in an organisation word such as Fund,
    Bank, Corp): "Food and Drug Administration" and "First Federal Savings and
    Loan Association" stay whole.
    """
    if entity.label == "person" or " and " not in entity.text:
        return [entity]
    head, _, tail = entity.text.partition(" and ")
    whole = [
        alias(part) is not None
        or (
            len(part.split()) > 1
            and _words(part)[-1] in GROWN_ENDS
            and not (part is tail and _generic_firm(part))
        )
        for part in (head, tail)
    ]
    if not all(whole) or tail.split()[0][0].islower():
        return [entity]
    start = entity.start + len(head) + len(" and ")
    right = _fix(Entity(tail, entity.label, start, entity.end))
    left = _fix(Entity(head, entity.label, entity.start, entity.start + len(head)))
    return [e for part in (left, right) if part is not None for e in _split_partners(part)]


_NONSPACE_RE: Final = re.compile(r"\S+")


def _split_title(entity: Entity) -> list[Entity]:
    """Split "Bank of Japan Governor Satoshi Sumita" into the organisation and the person.

    An organisation or place run into a title and a name: the words before the
    title keep their type, the capitalised words after it are a person.
    """
    if entity.label == "person" or len(entity.text.split()) < 4:  # a word, the title, two words at least
        return [entity]
    tokens = list(_NONSPACE_RE.finditer(entity.text))
    raw = [t.group() for t in tokens]
    for i in range(1, len(raw) - 1):
        if fold(raw[i]).strip(".,") not in SPLIT_TITLES:  # most words: the rest is not looked at
            continue
        tail_words = [fold(w).strip(".,") for w in raw[i + 1 :]]
        if (
            2 <= len(tail_words) <= 3
            and all(w[:1].isupper() for w in raw[i + 1 :])
            and not any(w in COMPANY_ENDS or w in BOILERPLATE or title_like(w) for w in tail_words)
        ):
            head_end, tail_at = tokens[i - 1].end(), tokens[i + 1].start()
            parts = [
                _fix(Entity(entity.text[:head_end], entity.label, entity.start, entity.start + head_end)),
                _fix(Entity(entity.text[tail_at:], "person", entity.start + tail_at, entity.end)),
            ]
            return [p for p in parts if p is not None]
    return [entity]


def _named(entity: Entity) -> Entity:
    known = alias(entity.text)
    return entity if known is None else Entity(known[1], known[0], entity.start, entity.end)


_DEMONYM_ENDS: Final = ("an", "ish", "ese", "i")  # Russian, Korean, German, Turkish, Chinese, Iraqi


def _known_place(entity: Entity, places: Collection[str]) -> Entity:
    """An organisation of two words or more that the place lists know is a place ("Sri Lanka").

    Not one word, not a name holding an organisation's word, and not a person's name
    (cities are named after people: "Lazaro Cardenas"); the alias table's names are
    already what it says.
    """
    if entity.label != "org" or " " not in entity.text or alias(entity.text) is not None:
        return entity
    words = _words(entity.text)
    if any(w in GROWN_ENDS or w in FIRM_HEADS for w in words) or " ".join(words) not in places:
        return entity
    return Entity(entity.text, "place", entity.start, entity.end)


def _demonym(entity: Entity, places: Collection[str]) -> bool:
    """A nationality word tagged as a place ("Russian", "Kuwaiti"): not in the place lists.

    Only places: surnames end the same way ("Erdogan", "Rouhani").
    """
    word = fold(entity.text)
    return entity.label == "place" and " " not in word and word not in places and word.endswith(_DEMONYM_ENDS)


def _join_people(text: str, entities: list[Entity]) -> list[Entity]:
    """Join a first name and a surname tagged apart ("Vladimir" + "Putin" -> "Vladimir Putin").

    And a committee named for two subjects, which the tagger splits at its "and"
    ("House Ways" + "Means Committee" -> "House Ways and Means Committee").
    """
    joined: list[Entity] = []
    for entity in entities:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.label == entity.label == "person"
            and text[last.end : entity.start] == " "
            and len(last.text.split()) == 1
        ):
            joined[-1] = Entity(text[last.start : entity.end], "person", last.start, entity.end)
        elif (
            last is not None
            and last.label == entity.label == "org"
            and text[last.end : entity.start] == " and "
            and (_words(entity.text) or [""])[-1] in _COMMITTEES
        ):
            joined[-1] = Entity(text[last.start : entity.end], "org", last.start, entity.end)
        else:
            joined.append(entity)
    return joined


# A party member described by where they sit ("Texas Democrat Jim Wright"): no entity of its own.
_PARTY_MEMBER: Final = frozenset(("democrat", "republican"))
_PARTY_WORDS: Final = frozenset(("democrat", "democratic", "republican"))
_CHAMBERS: Final = frozenset(("senate", "house"))

# The last word of a body named for two subjects ("Senate Banking and Urban Affairs Committee").
_COMMITTEES: Final = frozenset("committee committees subcommittee commission".split())


def clean_mentions(
    entities: Iterable[Entity], text: str | None = None, places: Collection[str] = frozenset()
) -> list[Entity]:
    """Apply the rules to every mention of one text.

    Args:
        entities: Mentions as tagged, in text order.
        text: The text they come from (grows company names, joins split names).
        places: Folded place names (a nationality word that is none is no place).
    """
    fixed = [
        _known_place(part, places)
        for e in entities
        if (f := _fix(e)) is not None and not _demonym(f, places)
        for whole in _split_title(f)
        for part in _split_partners(whole)
    ]
    if text is None:
        return fixed
    fixed = partner_firms(text, place_heads(text, _join_people(text, fixed)))
    fixed = [
        Entity(e.text, "org", e.start, e.end) if _AGENCY_AFTER_RE.match(text, e.end) else e for e in fixed
    ]
    people = {e.start for e in fixed if e.label == "person"}
    fixed = [grow_right(text, complete_by_acronym(text, and_co(text, e)), people) for e in fixed]
    fixed = qualify_bodies(text, fixed, lambda name: alias(name) is not None)
    ends = {e.end for e in fixed}
    grown = [
        part
        for e in fixed
        for part in (
            _split_partners(_named(_whole_company(text, e, ends)))
            if e.label == "org" and _words(e.text)[-1] in GROWN_ENDS
            else [e]
        )
    ]
    # A mention swallowed by a grown company name ("American" in "American Motors Corp") goes.
    if all(a.end <= b.start for a, b in pairwise(grown)):
        return grown  # in text order without overlaps (most articles): nothing is swallowed
    return [e for e in grown if not any(o is not e and o.start <= e.start and e.end <= o.end for o in grown)]


def company_roots(org_keys: Iterable[str]) -> set[str]:
    """Keys that begin a company's name: "merrill lynch" of "merrill lynch capital markets".

    Every leading run of words of each key ending in a company word (linear in the keys).
    """
    roots: set[str] = set()
    for key in org_keys:
        words = key.split()
        if len(words) > 1 and words[-1] in COMPANY_ENDS:
            roots.update(" ".join(words[:n]) for n in range(1, len(words)))
    return roots
