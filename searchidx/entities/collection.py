"""One name per entity across a collection, resolved from the entities stored per article.

Each article stores its entities as ``(label, key, name)`` (:mod:`.canonical`);
one article cannot know that "Reagan" is the "Ronald Reagan" of others, that
"Moody" is the company "Moody's Investors Service Inc", or that most articles
call Bonn a place. This module decides that once per searcher, from the whole
collection, so facets count one entity once and a filter finds every alias:

* **Type by vote:** a key takes the label most articles give it; a person's name
  that is a company's name ("Merrill Lynch", "Moody's", "James Capel") is an
  organisation, and a single word the place lists know that names no person of
  the collection ("Bonn said") is a place.
* **Surnames:** a person key resolves to the one fuller name ending with it, or to
  the dominant one (at least :data:`DOMINANT` of the articles that use any fuller
  name); otherwise it stays itself. A lone first name that no fuller name ends
  with resolves the same way to the names it begins ("Bashar" -> "Bashar Assad").
* **Acronyms:** an all-capitals organisation ("IMF") resolves to the one longer
  organisation name whose initials it is and that shares an article with it, or to the
  one in :data:`DOMINANT` of the articles such names share with it.
* **Short company names:** an organisation key that begins exactly one longer
  company name resolves to it ("Moody" -> "Moody's Investors Service Inc"), or to
  the dominant one; names differing only in their legal form ("Newmont Gold Co",
  "Newmont Gold Corp") are one, under the most used; a one-word name goes to the firm
  it begins when that firm is in twice its articles ("Ford" -> "Ford Motor Co").
  :mod:`.org_names` holds these rules.
* **Spelling:** every spelling of an entity is shown as the collection writes it most.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from itertools import chain
from operator import itemgetter
from typing import Final

from ..resolution import Pair, Resolution
from .canonical import legal_variant, without_legal_form
from .name_words import GEO_WORDS
from .org_names import (
    ALIAS_KEYS,
    DOMINANT,
    acronym_targets,
    company_names,
    cut_targets,
    dominant,
    initials,
    prefix_targets,
)
from .titles import title_like

__all__ = ["DOMINANT", "NO_ENTITY", "common_words", "initials", "resolve_collection"]

#: A one-word name tagged in under this share of the articles holding the word is a common word.
COMMON_SHARE: Final = 0.05
COMMON_MIN_ARTICLES: Final = 20
#: The label of a name the collection shows is no entity (a common word).
NO_ENTITY: Final = ""
#: Share of its articles that tag a person-voted name a place for it to be one (no first name).
PLACE_SHARE: Final = 0.2


def _suffix_targets(keys: Collection[str], weight: Mapping[str, int]) -> dict[str, str]:
    """Person key -> the fuller person name it abbreviates ("reagan" -> "ronald reagan").

    A single word that ends no fuller name but begins one resolves to it too
    ("bashar" -> "bashar assad"): the first name of the collection's only Bashar.
    """
    fuller: dict[str, list[str]] = defaultdict(list)
    starts: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        words = key.split()
        for i in range(1, len(words)):
            if any(title_like(w) for w in words[:i]):
                break  # "bundesbank vice-president helmut schlesinger" is no fuller name
            fuller[" ".join(words[i:])].append(key)
        if len(words) > 1:
            starts[words[0]].append(key)
    target: dict[str, str] = {}
    for key in sorted(keys, key=lambda k: -len(k.split())):  # fuller names first
        found = dominant(fuller.get(key) or (starts.get(key, []) if " " not in key else []), weight)
        if found is not None:
            target[key] = target.get(found, found)
    return target


class _Votes(dict[str, int]):
    """Articles per label of one key; 0 for a label none gave it (a Counter, without its costly set-up)."""

    def __missing__(self, label: str) -> int:
        return 0


def _beside_their_person(
    rows: Sequence[Sequence[tuple[str, str, str]]], votes: Mapping[str, _Votes]
) -> set[str]:
    """One-word places whose place-tagged articles nearly all name a person ending in them.

    "Lawson said" tagged a place (a town of the place list) in 23 articles, each
    naming "Nigel Lawson": the surname. "Washington" beside "Harold Washington" in
    a few of its hundreds of articles stays the place.
    """
    beside: Counter[str] = Counter()
    for row in rows:
        lasts = {key.rsplit(" ", 1)[-1] for label, key, _ in row if label == "person" and " " in key}
        if lasts:
            beside.update({key for label, key, _ in row if label == "place" and key in lasts})
    return {k for k, n in beside.items() if n >= 2 and n >= DOMINANT * votes[k]["place"]}


def _place_like(
    key: str, votes: Mapping[str, int], places: Collection[str], first_names: Collection[str]
) -> bool:
    """A person-voted name that is a place: on the place list, or often tagged a place and no first name.

    The tagger reads "Bonn said" and "Latin America said" as people: the
    subject of "said" is a person more often than not in its training text.
    """
    if key in places:
        return True
    return key.split()[0] not in first_names and votes["place"] >= PLACE_SHARE * sum(votes.values())


def common_words(
    rows: Iterable[Sequence[tuple[str, str, str]]], articles_with: Callable[[str], int | None]
) -> set[str]:
    """One-word names the collection writes as common words: a collection-learned stop list.

    A one-word name whose word is part of any name in under :data:`COMMON_SHARE`
    of the articles that hold the word (and held by at least
    :data:`COMMON_MIN_ARTICLES`) is a capitalised common word ("Times",
    "Association"), not a name. "Commerzbank" stays: most articles holding it
    name it, as "Commerzbank AG" if not alone.
    """
    keys = [{key for _label, key, _name in row} for row in rows]
    single = {key for held in keys for key in held if " " not in key}
    # word -> articles where it is part of a name
    named = Counter(chain.from_iterable({word for key in held for word in key.split()} for held in keys))
    found = set()
    for key in single:
        held = articles_with(key)
        if held is not None and held >= COMMON_MIN_ARTICLES and named[key] < COMMON_SHARE * held:
            found.add(key)
    return found


def resolve_collection(
    rows: Iterable[Sequence[tuple[str, str, str]]],
    places: Collection[str] = frozenset(),
    first_names: Collection[str] = frozenset(),
    articles_with: Callable[[str], int | None] | None = None,
) -> Resolution:
    """Decide the type and the best key of every entity of a collection.

    Args:
        rows: Each article's stored ``(label, key, name)`` entities.
        places: Folded place names from the shipped place list.
        first_names: Folded first names from the shipped name list.
        articles_with: How many articles hold a word in any case (None: not known);
            a one-word name tagged in few of them is a common word (:func:`common_words`).
    """
    rows = list(rows)
    mentions = list(chain.from_iterable(map(set, rows)))  # each article's once (C-level loops: 19k rows)
    pairs: Counter[Pair] = Counter(map(itemgetter(0, 1), mentions))
    shown: Counter[tuple[str, str]] = Counter(map(itemgetter(1, 2), mentions))  # spellings of every key
    votes: dict[str, _Votes] = defaultdict(_Votes)  # key -> articles per label
    for (label, key), n in pairs.items():
        votes[key][label] = n
    displays = {key: name for (key, name), _n in sorted(shown.items(), key=lambda kv: (kv[1], kv[0][1]))}
    weight = {key: sum(v.values()) for key, v in votes.items()}
    common = common_words(rows, articles_with) if articles_with is not None else set()
    label_of = {key: max(v, key=lambda lab: (v[lab], lab)) for key, v in votes.items()}
    companies = company_names(k for k, v in votes.items() if v["org"])
    people = {k for k, lab in label_of.items() if lab == "person"}
    surnames = _suffix_targets(people, weight)
    for key in people:
        if key in companies and surnames.get(key, key) in companies:
            label_of[key] = "org"  # "Merrill Lynch", "Moody": however articles tag it (not "Baker"
            # of James Baker, a surname standing for the one full name it ends, in most articles)
        elif (
            key not in surnames and votes[key]["place"] and _place_like(key, votes[key], places, first_names)
        ):
            label_of[key] = "place"  # "Bonn said", "Latin America"
    # "Ford" of "Ford Motor Co", tagged a place in most of its articles (a one-word name no
    # place list knows, that some articles tag otherwise). So is "Goodyear Tire" of "Goodyear
    # Tire and Rubber Co", a name of several words, if a quarter of its articles tag it otherwise
    # (not "New England" of "New England Telephone Co", once an org in 20) and no region's word
    # is in it ("East Asia").
    for key in [k for k, lab in label_of.items() if lab == "place" and k in companies]:
        other = votes[key]["org"] + votes[key]["person"]
        if (
            key not in places
            and other
            and (" " not in key or (4 * other >= votes[key]["place"] and GEO_WORDS.isdisjoint(key.split())))
        ):
            label_of[key] = "org"
    # "Northern Telecom", tagged a place where "Ltd" is left out: a longer name of several words
    # that other articles give with its legal form, and no place list knows.
    stems = {
        " ".join(stem)
        for k, v in votes.items()
        if v["org"] and len(stem := without_legal_form(words := k.split())) < len(words)
    }
    for key in [k for k, lab in label_of.items() if lab == "place" and " " in k and k in stems]:
        if key not in places:
            label_of[key] = "org"
    # A surname tagged a place or an org in most articles is still the person ("Lawson said").
    strays = {
        k
        for k, lab in label_of.items()
        if lab != "person" and " " not in k and votes[k]["person"] and k not in places and k not in companies
    }
    strays |= {k for k in _beside_their_person(rows, votes) if label_of[k] == "place"}
    people = {k for k, lab in label_of.items() if lab == "person"}
    for key in strays & _suffix_targets(people | strays, weight).keys():
        label_of[key] = "person"
    people = {k for k, lab in label_of.items() if lab == "person"}
    surnames = _suffix_targets(people, weight)
    orgs = {k for k, lab in label_of.items() if lab == "org"}
    acronyms = acronym_targets(orgs, displays, rows)
    # A name from the alias table is the one it gives ("International Business Machines"), no prefix.
    prefixes = prefix_targets(orgs - ALIAS_KEYS, weight, places)
    cuts = cut_targets(orgs, weight, displays)
    roots: dict[Pair, Pair] = {}
    # A firm is shown as most of its articles name it: "Merrill Lynch" (120 articles), not
    # the "Merrill Lynch Co Inc" of one that its short name resolves to (the short name
    # without a legal form only: "Moody" stays "Moody's Investors Service Inc").
    firm_name: dict[str, str] = {}
    for key, v in votes.items():
        label = label_of[key]
        if label == "person":
            target = surnames.get(key, key)
        elif label == "org":
            target = acronyms.get(key) or prefixes.get(key) or cuts.get(key, key)
            target = prefixes.get(target, target)
            if key in prefixes and key not in acronyms and legal_variant(key, target):
                known = firm_name.get(target, target)
                if weight[key] > weight.get(known, 0):
                    firm_name[target] = key
        else:
            target = key
        if target == key and key in common:
            label = NO_ENTITY  # "Times", "Association": written in lower case far more often
        for stored in v:
            roots[stored, key] = (label, target)
    changed = {pair: root for pair, root in roots.items() if pair != root}
    renames = {}
    for (key, name), _n in shown.items():
        for label in votes[key]:
            root = changed.get((label, key))
            if root is not None:
                shown_as = firm_name.get(root[1], root[1])
                renames[label, name] = (root[0], name if root[1] == key else displays.get(shown_as, shown_as))
            elif name != displays[key]:
                # One spelling per entity on every screen: "Bashar Assad" is shown as the
                # collection writes him most ("Bashar al-Assad"), in hit lines as in facets.
                renames[label, name] = (label, displays[key])
    return Resolution(changed, renames)
