"""Canonical names: merge an article's mentions and key them across the collection.

Within one article a shorter person mention resolves to a fuller name already
seen ("Erdogan" -> "Recep Tayyip Erdogan", "Assad" -> "Bashar al-Assad").
A company named with and without its legal form ("Newmont Gold", "Newmont
Gold Co") is the longer name, and so is a first word standing for the one name of
the article it begins ("Merrill" for "Merrill Lynch"). Keys fold case and
diacritics and drop name particles, so "Çavuşoğlu" and "Cavusoglu", or "Bashar
Assad" and "Bashar al-Assad", are one facet value.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Final

from ..models import CanonicalEntity, Entity
from .name_words import BODY_ENDS, LEGAL_WORDS
from .tokens import fold

__all__ = [
    "best_display",
    "canonicalize",
    "legal_variant",
    "name_key",
    "resolve_people",
    "without_legal_form",
]

# Last words of a name that is a body or a firm's other part, not a name its first word stands for.
_BODY_WORDS: Final = BODY_ENDS | frozenset(
    "party board union fund bank group house exchange association institute".split()
)

# Articles and particles that vary within one name ("al-Assad" / "Assad").
_PARTICLES: Final = frozenset("al el bin ibn abu de da di du van von der den le la the".split())
_SPLIT_RE: Final = re.compile(r"[\s,\-‐‑]+")  # "Sears, Roebuck and Co" is "sears roebuck and co"
# Abbreviations firms' names are written with: one key for both ("Shearson Lehman Bros Inc").
_KEY_WORDS: Final = {
    "bros": "brothers",
    "bros.": "brothers",
    "intl": "international",
    "intl.": "international",
}
_POSSESSIVE_RE: Final = re.compile(r"['’´]s$")
_EDGE_RE: Final = re.compile(r"^[\W_]+|[\W_]+$")


@lru_cache(maxsize=1 << 16)  # names repeat across articles; pure functions of the text
def clean(text: str) -> str:
    """Normalise a mention for display: one space, no possessive or edge punctuation."""
    text = " ".join(text.split())
    text = _POSSESSIVE_RE.sub("", text)
    return _EDGE_RE.sub("", text)


@lru_cache(maxsize=1 << 16)
def name_key(text: str) -> str:
    """Folded key of a name: ``"Bashar al-Assad"`` -> ``"bashar assad"`` (no commas, hyphens or particles)."""
    tokens = [_KEY_WORDS.get(t, t) for t in _SPLIT_RE.split(fold(clean(text))) if t]
    kept = [t for t in tokens if t not in _PARTICLES]
    return " ".join(kept or tokens)


def best_display(counts: Mapping[str, int]) -> str:
    """Pick the most frequent spelling; on a tie prefer diacritics, then the longer."""
    return max(counts, key=lambda name: (counts[name], not name.isascii(), len(name), name))


def resolve_people(people: Iterable[str]) -> dict[str, str]:
    """Map each person key to the fuller key it abbreviates (itself when none or ambiguous).

    "erdogan" and "tayyip erdogan" both go to "recep tayyip erdogan" when that is
    the only fuller name ending with them. Linear in the number of words.
    """
    keys = set(people)
    fuller: dict[str, list[str]] = defaultdict(list)  # "erdogan" -> names ending with it
    for key in keys:
        words = key.split()
        for i in range(1, len(words)):
            fuller[" ".join(words[i:])].append(key)
    target: dict[str, str] = {}
    for key in sorted(keys, key=lambda k: -len(k.split())):  # fuller names first
        roots = {target.get(f, f) for f in fuller.get(key, ())}
        target[key] = roots.pop() if len(roots) == 1 else key
    return target


def _person_root(key: str, people: Sequence[tuple[list[str], str]]) -> str | None:
    """The unique fuller person name that ``key`` ends ("erdogan" -> "recep tayyip erdogan").

    ``people``: each person key's words and its root (:func:`resolve_people`), split once per article.
    """
    words = key.split()
    roots = {root for other, root in people if len(other) > len(words) and other[-len(words) :] == words}
    return roots.pop() if len(roots) == 1 else None


def legal_variant(short: str, longer: str) -> bool:
    """Whether ``longer`` is ``short`` and a legal form ("newmont gold" / "newmont gold and co inc")."""
    return longer != short and " ".join(without_legal_form(longer.split())) == short


def without_legal_form(words: list[str]) -> list[str]:
    """A name's words before its legal form ("merrill lynch and co inc" -> "merrill lynch")."""
    n = len(words)
    while n > 1 and (words[n - 1] in LEGAL_WORDS or words[n - 1] in ("and", "&")):
        n -= 1
    return words[:n] if n < len(words) and words[-1] in LEGAL_WORDS else words


def _firm_targets(orgs: Collection[str]) -> dict[str, str]:
    """Key -> the one longer key of the same article that only adds a legal form (an org's).

    :func:`legal_variant` of every pair, found by stripping each key's legal form once.
    """
    longer: dict[str, list[str]] = defaultdict(list)  # a name -> the keys that add a legal form to it
    for other in orgs:
        short = " ".join(without_legal_form(other.split()))
        if short != other:
            longer[short].append(other)
    return {key: longer[key][0] for key in orgs if len(longer.get(key, ())) == 1}


def _head_targets(
    mentions: Sequence[tuple[str, str, str]], places: Collection[str], firms: dict[str, str]
) -> dict[str, str]:
    """One-word key -> the one longer name of the article it begins ("merrill" -> "merrill lynch").

    Wire copy shortens a firm to its first word ("Merrill's earnings"); places never join
    a name they begin ("Texas" and "Texas Instruments Inc" are two).
    """
    longer: dict[str, set[str]] = defaultdict(set)
    for label, key, _ in mentions:
        words = key.split()
        if len(words) > 1 and label != "place":
            # Only a two-word name (and its legal form) is the first word's own ("Merrill Lynch
            # and Co", "Bashar Assad"); a longer one or one ending in a body's word is another
            # entity ("Citicorp Industrial Credit Inc", "Reagan Administration", "Labour Party").
            stem = without_legal_form(words)
            own = len(stem) == 2 and stem[1] not in _BODY_WORDS
            longer[words[0]].add(firms.get(key, key) if own else "")  # not "burma" of "burma's shan"
    found = {}
    for label, key, _ in mentions:
        names = longer.get(key)
        one_word = " " not in key and label != "place" and key not in places
        if one_word and names and len(names) == 1 and "" not in names:
            found[key] = next(iter(names))
    return found


def _split_pairs(mentions: list[tuple[str, str, str]], people: set[str]) -> list[tuple[str, str, str]]:
    """Split "Erdogan and Putin" into two people when both halves name known people."""
    out: list[tuple[str, str, str]] = []
    for label, key, display in mentions:
        halves = display.split(" and ")
        keys = [name_key(h) for h in halves]
        if len(halves) == 2 and all(k in people or any(p.endswith(" " + k) for p in people) for k in keys):
            out.extend(("person", k, h) for k, h in zip(keys, halves, strict=True))
        else:
            out.append((label, key, display))
    return out


def _tie_rank(label: str, key: str) -> int:
    if label == "person" and " " in key:
        return 2
    return 1 if label == "place" else 0


def canonicalize(entities: Sequence[Entity], places: Collection[str] = frozenset()) -> list[CanonicalEntity]:
    """Merge one article's mentions into canonical entities, most mentioned first.

    Args:
        entities: Mentions as extracted.
        places: Folded place names; a mention that is one is never relabelled a person.

    One key gets one label per article: a surname tagged as an organisation
    where the article names that person ("Erdogan said") joins the person,
    and otherwise the majority label wins.
    """
    cleaned = [(e.label, clean(e.text)) for e in entities]
    mentions = [(label, name_key(text), text) for label, text in cleaned]
    mentions = [m for m in mentions if m[1]]
    mentions = _split_pairs(mentions, {k for label, k, _ in mentions if label == "person"})
    target = resolve_people(k for label, k, _ in mentions if label == "person")
    firms = _firm_targets({k for label, k, _ in mentions if label != "place"})
    heads = _head_targets(mentions, places, firms)
    votes: dict[str, dict[str, int]] = defaultdict(dict)  # root -> label -> mentions
    resolved: list[tuple[str, str, str, bool]] = []  # label, root, display, is_root_spelling
    people: list[tuple[list[str], str]] | None = None  # the person keys' words, when first needed
    for label, key, display in mentions:
        root = target[key] if label == "person" and key in target else None
        if root is None and key not in places:
            if people is None:
                people = [(person.split(), its_root) for person, its_root in target.items()]
            root = _person_root(key, people)
        if root in (None, key) and key in firms:  # "Merrill Lynch" of "Merrill Lynch and Co Inc"
            root = firms[key]
            label = "org"
            exact = False
        elif root in (None, key) and key in heads:
            # "Merrill" of "Merrill Lynch and Co Inc": a firm's name, however "Merrill" is tagged.
            label = "org" if heads[key].rsplit(" ", 1)[-1] in LEGAL_WORDS else label
            root = heads[key]
            exact = False
        elif root is not None and root != key:
            label = "person"
            exact = False
        else:
            root = key
            exact = True
        labels = votes[root]
        labels[label] = labels.get(label, 0) + 1
        resolved.append((label, root, display, exact))
    groups: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)  # spellings of each name
    sizes: dict[tuple[str, str], int] = {}
    for _label, root, display, exact in resolved:
        # One label per name: the majority; a tie goes to a full name's person, else a place
        # ("Taftanaz" once a person, once a place, in one list of villages).
        label = max(votes[root], key=lambda lab: (votes[root][lab], _tie_rank(lab, root)))
        sizes[label, root] = sizes.get((label, root), 0) + 1
        if exact:
            spellings = groups[label, root]
            spellings[display] = spellings.get(display, 0) + 1
    merged = [
        CanonicalEntity(label, root, best_display(groups.get((label, root)) or {root: 1}), count)
        for (label, root), count in sizes.items()
    ]
    merged.sort(key=lambda e: (-e.mentions, e.label, e.key))
    return merged
