"""Token features for the CRF tagger: word shape, affixes, context, cue words, gazetteer.

The same function serves training and tagging, so they cannot drift apart.
No part-of-speech tags: NLTK's tagger needs data packages we cannot download.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis import fold

__all__ = [
    "GAZETTEER_MAX_WORDS",
    "Gazetteer",
    "gazetteer_marks",
    "read_casing",
    "read_clusters",
    "read_gazetteer",
    "sentence_features",
    "shape",
]


@dataclass(frozen=True)
class Gazetteer:
    """Name lists used as features: places (multi-word), first and last names (folded).

    ``casing`` says how each lower-cased word is usually written inside a sentence of news
    text: ``C`` capitalised, ``l`` lower case, ``M`` mixed.
    """

    places: frozenset[str] = frozenset()
    first_names: frozenset[str] = frozenset()
    last_names: frozenset[str] = frozenset()
    casing: Mapping[str, str] = field(default_factory=dict)
    #: Word -> cluster id (``clusters.txt``, learned from unlabelled open text).
    clusters: Mapping[str, str] = field(default_factory=dict)
    #: Memo of each word's own features (they do not depend on its neighbours).
    memo: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )


def read_casing(data_dir: Path) -> dict[str, str]:
    """Read ``casing.txt`` (``C word`` / ``M word`` / ``l word`` lines) into word -> class."""
    path = data_dir / "casing.txt"
    if not path.is_file():
        return {}
    pairs = (line.split(" ", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {word: case for case, word in pairs}


def read_clusters(data_dir: Path) -> dict[str, str]:
    """Read ``clusters.txt`` (``word<TAB>cluster`` lines) into word -> cluster id."""
    path = data_dir / "clusters.txt"
    if not path.is_file():
        return {}
    pairs = (line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {word: cluster for word, cluster in pairs}


def read_gazetteer(data_dir: Path) -> Gazetteer:
    """Read the shipped lists (places, first and last names, casing, clusters) in ``data_dir``."""

    def read(name: str) -> frozenset[str]:
        return frozenset(line for line in (data_dir / name).read_text(encoding="utf-8").splitlines() if line)

    return Gazetteer(
        read("places.txt"),
        read("first.txt"),
        read("last.txt"),
        read_casing(data_dir),
        read_clusters(data_dir),
    )


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
# Company suffixes and government/agency words: within a capitalised run they mark an organisation.
_COMPANY = frozenset(
    "inc corp corporation co cos ltd plc ag sa nv llc lp group bank bancorp holdings industries "
    "motors airlines airways partners securities capital trust insurance petroleum oil energy "
    "international systems technologies communications".split()
)
_AGENCY = frozenset(
    "ministry department commission agency party union council committee office bureau board "
    "authority administration association federation organisation organization institute "
    "university court parliament congress senate assembly army navy police service exchange "
    "fund league club team news times post journal".split()
)
_PLACE_PREPS = frozenset("in at from near to into across outside inside via towards toward".split())
# Lower-case words that may sit inside a name ("Bank of England", "Standard & Poor's").
_RUN_JOINERS = frozenset("of & for de la 's".split())
_RUN_MAX = 8
_NONE: list[str] = []  # shared, never appended to


_SHAPES: dict[str, str] = {}
#: Memo sizes (words): about 12 MB of feature strings, enough for the frequent words.
_MEMO_MAX = 10_000


def shape(word: str) -> str:
    """Compressed word shape: ``Erdogan`` -> ``Xx``, ``U.S.`` -> ``X.X.``, ``1987`` -> ``d``."""
    known = _SHAPES.get(word)
    if known is not None:
        return known
    code = _shape(word)
    if len(_SHAPES) < _MEMO_MAX:  # full: the words seen first (the frequent ones) stay
        _SHAPES[word] = code
    return code


def _shape(word: str) -> str:
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
    return _marks(words, [fold(w) for w in words], gazetteer)


def _marks(words: Sequence[str], low: Sequence[str], gazetteer: Collection[str]) -> list[str]:
    marks = [""] * len(words)
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
    lows = [w.lower() for w in words]
    folds = [w if w.isascii() else fold(w) for w in lows]
    marks = _marks(words, folds, gazetteer.places)
    n = len(words)
    caps_line = _all_caps(words)
    shapes = [("C" + shape(w.title())) if caps_line else shape(w) for w in words]
    runs = None if caps_line else _run_cues(words, lows)
    memo = gazetteer.memo
    room = len(memo) < _MEMO_MAX  # full: the words seen first (the frequent ones) stay
    entries = []
    for i, word in enumerate(words):
        key = "\0" + word if caps_line else word
        entry = memo.get(key)
        if entry is None:
            entry = _word_features(word, lows[i], folds[i], shapes[i], caps_line, gazetteer)
            if room:
                memo[key] = entry
        entries.append(entry)
    out: list[list[str]] = []
    for i, word in enumerate(words):
        low = lows[i]
        feats = list(entries[i][0])
        if i == 0 and not caps_line and word[:1].isupper():
            feats.append("cap0")
        if runs and runs[i]:
            feats += runs[i]
        if marks[i]:
            feats.append(f"gaz={marks[i]}")
        if (
            i > 0
            and word[:1].isupper()
            and folds[i - 1] in gazetteer.first_names
            and words[i - 1][:1].isupper()
        ):
            feats.append("-1first")
        if i == 0:
            feats.append("BOS")
        else:
            prev = lows[i - 1]
            feats += entries[i - 1][1][0:3]
            feats.append(f"-1w|w={prev}|{low}")
            if prev.rstrip(".") in _PERSON_CUES:
                feats.append("-1percue")
            elif i > 1 and lows[i - 2].rstrip(".") in _PERSON_CUES and words[i - 1][:1].isupper():
                feats.append("-2percue")
            if prev in _PLACE_PREPS and word[:1].isupper():
                feats.append("-1placeprep")
            if marks[i - 1]:
                feats.append(f"-1gaz={marks[i - 1]}")
            if i > 1:
                feats += entries[i - 2][1][3:5]
        if i == n - 1:
            feats.append("EOS")
        else:
            nxt = lows[i + 1]
            feats += entries[i + 1][1][5:8]
            feats.append(f"w|+1w={low}|{nxt}")
            if nxt.rstrip(".") in _ORG_CUES:
                feats.append("+1orgcue")
            if nxt == "," and i < n - 2 and lows[i + 2].rstrip(".") in _PERSON_CUES:
                feats.append("+2percue")
            if marks[i + 1]:
                feats.append(f"+1gaz={marks[i + 1]}")
            if i < n - 2:
                feats += entries[i + 2][1][8:10]
        out.append(feats)
    return out


def _word_features(
    word: str, low: str, folded: str, word_shape: str, caps_line: bool, gazetteer: Gazetteer
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A word's own features, and its features as a neighbour (memoised in ``Gazetteer.memo``)."""
    feats = [
        "b",
        f"w={low}",
        f"s={word_shape}",
        f"p3={low[:3]}",
        f"x2={low[-2:]}",
        f"x3={low[-3:]}",
        f"x4={low[-4:]}",
        f"len={min(len(word), 8)}",
    ]
    capital = word[:1].isupper()
    if caps_line:
        feats.append("capsline")
    elif capital:
        feats.append("cap")
        if word.isupper() and len(word) > 1:
            feats.append("upper")
    if word[:1].isalpha():
        case = gazetteer.casing.get(low, "?")
        feats.append(f"tc={case}")
        if caps_line:
            feats.append(f"ctc={case}")
    if "-" in word:
        feats.append("hyph")
        feats.append(f"hx={low.rsplit('-', 1)[-1][-3:]}")
    if capital:
        if folded in gazetteer.first_names:
            feats.append("first")
        if folded in gazetteer.last_names:
            feats.append("last")
    if low in _ORG_CUES:
        feats.append("orgcue")
    clusters = gazetteer.clusters
    cluster = clusters.get(word)
    if cluster is None and caps_line:
        cluster = clusters.get(word.title()) or clusters.get(low)
    cluster = cluster or "?-?"
    coarse, _, fine = cluster.partition("-")
    feats.append(f"c={fine}")
    feats.append(f"cc={coarse}")
    around = (
        f"-1w={low}",
        f"-1s={word_shape}",
        f"-1c={coarse}",
        f"-2w={low}",
        f"-2s={word_shape}",
        f"+1w={low}",
        f"+1s={word_shape}",
        f"+1c={coarse}",
        f"+2w={low}",
        f"+2s={word_shape}",
    )
    return tuple(feats), around


def _all_caps(words: Sequence[str]) -> bool:
    """True for a headline or table line in capitals (at least 3 letters-words, none lower-case)."""
    if any(len(w) > 1 and w.islower() for w in words):
        return False  # the common case, decided without looking at every character
    letters = [w for w in words if any(c.isalpha() for c in w)]
    return len(letters) >= 3 and all(w.isupper() for w in letters if len(w) > 1)


def _run_cues(words: Sequence[str], lows: Sequence[str]) -> list[list[str]]:
    """Features from the capitalised run around each token ("Bank of England", "Apple Inc").

    A run is capitalised words, joined by ``of``/``&``/``and``...; it carries whether it holds a
    company suffix or an agency word, and the token's position in it.
    """
    n = len(words)
    out: list[list[str]] = [_NONE] * n
    i = 0
    while i < n:
        if not words[i][:1].isupper():
            i += 1
            continue
        end = i + 1
        while end < n and end - i < _RUN_MAX:
            if words[end][:1].isupper():
                end += 1
            elif lows[end] in _RUN_JOINERS and end + 1 < n and words[end + 1][:1].isupper():
                end += 2
            else:
                break
        if end == i + 1:  # a single capitalised word: only an agency word says anything
            if lows[i].rstrip(".") in _AGENCY:
                out[i] = ["runag"]
            i = end
            continue
        bare = [w.rstrip(".") for w in lows[i:end]]
        company = any(w in _COMPANY for w in bare[1:])
        agency = any(w in _AGENCY for w in bare)
        for j in range(i, end):
            feats = ["run=" + ("B" if j == i else "E" if j == end - 1 else "I")]
            if company:
                feats.append("runco")
            if agency:
                feats.append("runag")
            out[j] = feats
        i = end
    # "... Cooperation in Europe ( OSCE )": an acronym in brackets after a name, with its cues
    for i in range(2, n - 1) if "(" in words else ():
        if (
            words[i - 1] == "("
            and words[i + 1] == ")"
            and len(words[i]) > 1
            and words[i].isupper()
            and words[i - 2][:1].isupper()
        ):
            out[i] = ["acro", *(f for f in out[i - 2] if f in ("runco", "runag"))]
    return out
