"""Organisation names across a collection: short names, legal forms, cuts and acronyms.

:func:`searchidx.entities.collection.resolve_collection` asks these for each org key's
target: the longer company name it begins (:func:`prefix_targets`), the name it was cut
from at "and" or a comma (:func:`cut_targets`), the expansion its initials spell
(:func:`acronym_targets`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final

from .aliases import ALIASES
from .canonical import legal_variant, name_key, without_legal_form
from .cleanup import company_roots
from .name_words import COMPANY_ENDS, LEGAL_WORDS

__all__ = [
    "ALIAS_KEYS",
    "DOMINANT",
    "acronym_targets",
    "company_names",
    "cut_targets",
    "dominant",
    "initials",
    "prefix_targets",
]

#: Share of the candidates' articles one candidate needs to take a short name.
DOMINANT: Final = 0.8
#: Keys of the alias table's names (never resolved further).
ALIAS_KEYS: Final = frozenset(name_key(display) for _label, display in ALIASES.values())
_INITIAL_SKIP: Final = frozenset("and of for the on & de du la".split())


def initials(key: str) -> str:
    """Initials of a name's content words ("organisation for economic co-operation ..." -> "oecd")."""
    words = [w for w in key.split() if w not in _INITIAL_SKIP]
    return "".join(w[0] for w in words if w[0].isalnum())


def dominant(candidates: Iterable[str], weight: Mapping[str, int]) -> str | None:
    """The single candidate, or the one holding :data:`DOMINANT` of the candidates' weight."""
    if not candidates:
        return None
    # A key with a digit is a tagging slip ("Prime 2. Moody"), no one's full name.
    ranked = sorted(
        {c for c in candidates if not any(ch.isdigit() for ch in c)}, key=lambda k: (-weight.get(k, 0), k)
    )
    if not ranked:
        return None
    total = sum(weight.get(k, 0) for k in ranked)
    if len(ranked) == 1 or weight.get(ranked[0], 0) >= DOMINANT * total:
        return ranked[0]
    return None


def company_names(org_keys: Iterable[str]) -> set[str]:
    """Words naming a company inside longer org keys: roots, and what precedes the suffix.

    "moody's investors service inc" gives "moody's" and "moody"; "rivkin james capel
    ltd" gives "james capel" and "capel" as well ("X Ltd", "X and Co" name X's firm).
    """
    keys = list(org_keys)
    names = company_roots(keys)
    names |= {n[: -len("'s")] for n in names if n.endswith("'s")}
    names |= {n.replace(".", "") for n in names}  # "alex. brown" of "Alex. Brown Inc" is "alex brown"
    for root in company_roots(keys):
        words = root.split()
        while words and words[-1] in ("and", "&"):
            words.pop()
        names.update(" ".join(words[i:]) for i in range(1, len(words)))
    return names


def _legal_form(root: str, rest: Sequence[str]) -> bool:
    """The rest of a longer name only gives a legal form ("Corp", "and Co").

    After a possessive root the firm's own words may come too ("Moody's" ->
    "Moody's Investors Service Inc"); anything else names a subsidiary
    ("Citicorp Industrial Credit Inc", "General Motors Acceptance Corp").
    """
    if not rest or rest[-1] not in LEGAL_WORDS:
        return False
    if root.endswith("'s"):
        return not any(w in COMPANY_ENDS - LEGAL_WORDS or w == "international" for w in rest)
    # "Brothers" too: "Shearson Lehman" is Shearson Lehman Brothers Inc.
    return all(w in LEGAL_WORDS or w in ("and", "&", "brothers") for w in rest)


def prefix_targets(
    org_keys: Collection[str], weight: Mapping[str, int], places: Collection[str] = frozenset()
) -> dict[str, str]:
    """Org key -> the one (or dominant) longer company name it begins.

    The rest of the longer name must be a legal form, not another organisation
    ("International Monetary Fund and World Bank" is two) nor a subsidiary
    ("Merrill Lynch Capital Markets"). A one-word org that begins firms' names
    goes to the one (or dominant) firm if that firm is in twice as many articles
    ("Ford" -> "Ford Motor Co"; not "Citicorp" -> its finance subsidiary), and is no place.
    """
    longer: dict[str, list[str]] = defaultdict(list)
    for key in org_keys:
        for root in company_roots([key]):
            rest = key[len(root) :].split()
            while rest and rest[0] in ("and", "&"):
                rest.pop(0)
            # "... and World Bank": another organisation, not a legal form
            other = " ".join(rest) in org_keys and not all(w in LEGAL_WORDS for w in rest)
            if other or len(rest) > 3 or not _legal_form(root, rest):
                continue
            longer[root].append(key)
            if root.endswith("'s"):
                longer[root[:-2]].append(key)
    # "Newmont Gold Co" and "Newmont Gold Corp" are one firm: its best-known legal form.
    target = _legal_variants(org_keys, weight)
    combined: Counter[str] = Counter()
    for key in org_keys:
        combined[target.get(key, key)] += weight.get(key, 0)
    for key in org_keys:
        if key.split()[-1] in COMPANY_ENDS:
            continue  # a whole company name already: "General Electric Co" is not GEC Plc
        found = dominant({target.get(c, c) for c in longer.get(key, ())}, combined)
        if found is not None and found != key:
            target[key] = found
    firms: dict[str, set[str]] = defaultdict(set)  # first word -> firms' names it begins
    for key in org_keys:
        words = key.split()
        if len(words) > 1 and words[-1] in COMPANY_ENDS:
            firms[words[0]].add(target.get(key, key))
    for key in org_keys:
        own = target.get(key)  # "Ford" -> "Ford Co" (a legal variant in one article), taken as none
        if " " in key or key in places or key not in firms:
            continue
        if own is not None and not (legal_variant(key, own) and weight.get(own, 0) < weight.get(key, 0)):
            continue
        # The candidates' articles; the word's own are not its variant's.
        counts = {c: combined[c] - (weight.get(key, 0) if c == own else 0) for c in firms[key]}
        found = dominant(firms[key], counts)
        if found is not None and counts[found] >= 2 * weight.get(key, 0):
            target[key] = found
    return target


def _legal_variants(org_keys: Collection[str], weight: Mapping[str, int]) -> dict[str, str]:
    """Company key -> the most used key naming the same firm with another legal form.

    Keys that differ only in their last legal words ("co", "corp", "and co inc") are
    one firm; the others go to the one in the most articles (ties: the first in order),
    and so does the firm's name without any ("Salomon Brothers" of "Salomon Brothers
    Inc", which :func:`prefix_targets` leaves, as it ends in a company word).
    """
    firms: dict[str, list[str]] = defaultdict(list)
    for key in org_keys:
        words = key.split()
        kept = without_legal_form(words)
        if len(kept) < len(words):
            firms[" ".join(kept)].append(key)
    target = {}
    for bare, keys in firms.items():
        best = min(keys, key=lambda k: (-weight.get(k, 0), k))
        target.update({k: best for k in keys if k != best})
        if bare in org_keys:
            target[bare] = best
    return target


def cut_targets(
    org_keys: Collection[str], weight: Mapping[str, int], displays: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Org key -> the one (or dominant) more used org name it was cut from at "and" or a comma.

    The tagger cuts names at "and": "Exchange Commission" and "U.S. Securities" of
    "U.S. Securities and Exchange Commission". Only names of two words or more, and only
    into a name more articles use ("World Bank" never goes to a stray "International
    Monetary Fund and World Bank"). With ``displays`` (key -> name as written), a name that
    follows a comma in a longer one is a cut too: "Sachs and Co" of "Goldman, Sachs and Co",
    where a line broke after the comma (one word before it, a firm's word at the end: a
    list of firms, "Merrill Lynch, Salomon Brothers, Shearson Lehman", is none).
    """
    around: dict[str, list[str]] = defaultdict(list)
    for key in org_keys:
        words = key.split()
        for i, word in enumerate(words):
            if word == "and" and i >= 2:
                around[" ".join(words[:i])].append(key)
            if word == "and" and len(words) - i > 2:
                around[" ".join(words[i + 1 :])].append(key)
        parts = (displays or {}).get(key, "").split(", ", 1)
        if len(parts) == 2 and " " not in parts[0]:  # "Goldman, Sachs and Co", not a list of firms
            tail = name_key(parts[1])
            if " " in tail and tail.rsplit(" ", 1)[-1] in COMPANY_ENDS | LEGAL_WORDS:
                around[tail].append(key)
    target = {}
    for key in org_keys:
        found = dominant(around.get(key, ()), weight)
        if found is not None and weight.get(found, 0) > weight.get(key, 0):
            target[key] = found
    return target


def acronym_targets(
    org_keys: Collection[str], displays: Mapping[str, str], rows: Iterable[Sequence[tuple[str, str, str]]]
) -> dict[str, str]:
    """All-capitals org -> the org sharing its articles whose initials it spells.

    With several such orgs, the one in :data:`DOMINANT` of the articles they share with it
    ("FDIC": Federal Deposit Insurance Corp in 17 of 20, Federal Deposit Insurance
    Corporation in 3); none when no one is ("UAW": United Auto Workers 8, United
    Automobile Workers 6).
    """
    by_initials: dict[str, list[str]] = defaultdict(list)
    for key in org_keys:
        if " " in key:
            by_initials[initials(key)].append(key)
    candidates = {
        key: set(by_initials[key.replace(".", "")])
        for key in org_keys
        if " " not in key
        and 2 <= len(key) <= 6
        and displays.get(key, "").isupper()
        and key.replace(".", "") in by_initials
    }
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        keys = {key for label, key, _ in row}
        for key in keys & candidates.keys():
            seen[key].update(candidates[key] & keys)
    targets = {}
    for key, found in seen.items():
        for best, n in found.most_common(1):  # none: no expansion shares an article with it
            if n >= DOMINANT * found.total():
                targets[key] = best
    return targets
