"""Token features for the CRF tagger: word shape, affixes, context, cue words, gazetteer.

The same function serves training and tagging, so they cannot drift apart.
No part-of-speech tags: NLTK's tagger needs data packages we cannot download.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ..analysis import fold

__all__ = ["GAZETTEER_MAX_WORDS", "Gazetteer", "gazetteer_marks", "sentence_features", "shape"]


@dataclass(frozen=True)
class Gazetteer:
    """Folded name lists used as features: places (multi-word), first and last names."""

    places: frozenset[str] = frozenset()
    first_names: frozenset[str] = frozenset()
    last_names: frozenset[str] = frozenset()


GAZETTEER_MAX_WORDS = 4

_PERSON_CUES = frozenset(
    "mr mrs ms miss dr prof sir lady lord president minister premier chancellor senator sen rep "
    "governor gov king queen prince princess pope sheikh general gen colonel col captain capt "
    "secretary spokesman spokeswoman chairman chairwoman chief ambassador judge mayor leader "
    "coach striker midfielder defender goalkeeper analyst economist dealer trader director".split()
)
_ORG_CUES = frozenset(
    "inc corp corporation co ltd plc ag sa nv llc group bank bancorp party council ministry "
    "agency university association union committee commission army navy airlines airways "
    "exchange fund institute organisation organization federation club united city rovers "
    "police court parliament assembly board authority company holdings industries motors".split()
)


def shape(word: str) -> str:
    """Compressed word shape: ``Erdogan`` -> ``Xx``, ``U.S.`` -> ``X.X.``, ``1987`` -> ``d``."""
    out: list[str] = []
    for ch in word:
        if ch.isupper():
            code = "X"
        elif ch.islower():
            code = "x"
        elif ch.isdigit():
            code = "d"
        else:
            code = ch
        if not out or out[-1] != code:
            out.append(code)
    return "".join(out)


def gazetteer_marks(words: Sequence[str], gazetteer: Collection[str]) -> list[str]:
    """Mark capitalised runs found in ``gazetteer`` (folded, space-joined) as B/I, else ''."""
    marks = [""] * len(words)
    low = [fold(w) for w in words]
    i = 0
    while i < len(words):
        found = 0
        if words[i][:1].isupper():
            for size in range(min(GAZETTEER_MAX_WORDS, len(words) - i), 0, -1):
                if " ".join(low[i : i + size]) in gazetteer:
                    found = size
                    break
        if found:
            marks[i] = "B"
            for j in range(i + 1, i + found):
                marks[j] = "I"
            i += found
        else:
            i += 1
    return marks


def sentence_features(words: Sequence[str], gazetteer: Gazetteer) -> list[list[str]]:
    """Return the CRF feature strings of every token in one sentence."""
    marks = gazetteer_marks(words, gazetteer.places)
    lows = [w.lower() for w in words]
    shapes = [shape(w) for w in words]
    n = len(words)
    out: list[list[str]] = []
    for i, word in enumerate(words):
        low = lows[i]
        feats = [
            "b",
            f"w={low}",
            f"s={shapes[i]}",
            f"p3={low[:3]}",
            f"x2={low[-2:]}",
            f"x3={low[-3:]}",
            f"x4={low[-4:]}",
            f"len={min(len(word), 8)}",
        ]
        if word[:1].isupper():
            feats.append("cap")
            if i == 0:
                feats.append("cap0")
        if word.isupper() and len(word) > 1:
            feats.append("upper")
        if "-" in word:
            feats.append("hyph")
            feats.append(f"hx={low.rsplit('-', 1)[-1][-3:]}")
        if marks[i]:
            feats.append(f"gaz={marks[i]}")
        if word[:1].isupper():
            folded = fold(low)
            if folded in gazetteer.first_names:
                feats.append("first")
            if folded in gazetteer.last_names:
                feats.append("last")
            if i > 0 and fold(lows[i - 1]) in gazetteer.first_names and words[i - 1][:1].isupper():
                feats.append("-1first")
        if low in _ORG_CUES:
            feats.append("orgcue")
        if i == 0:
            feats.append("BOS")
        else:
            prev = lows[i - 1]
            feats += [f"-1w={prev}", f"-1s={shapes[i - 1]}", f"-1w|w={prev}|{low}"]
            if prev.rstrip(".") in _PERSON_CUES:
                feats.append("-1percue")
            if marks[i - 1]:
                feats.append(f"-1gaz={marks[i - 1]}")
            if i > 1:
                feats += [f"-2w={lows[i - 2]}", f"-2s={shapes[i - 2]}"]
        if i == n - 1:
            feats.append("EOS")
        else:
            nxt = lows[i + 1]
            feats += [f"+1w={nxt}", f"+1s={shapes[i + 1]}", f"w|+1w={low}|{nxt}"]
            if nxt.rstrip(".") in _ORG_CUES:
                feats.append("+1orgcue")
            if marks[i + 1]:
                feats.append(f"+1gaz={marks[i + 1]}")
            if i < n - 2:
                feats += [f"+2w={lows[i + 2]}", f"+2s={shapes[i + 2]}"]
        out.append(feats)
    return out
