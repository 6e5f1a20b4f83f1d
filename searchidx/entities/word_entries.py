"""A word's memo entry for the CRF tagger: its features as itself and as a neighbour, and its facts.

Every token of a sentence is looked up here (:func:`batch_entries`): the word's own
features (shape, affixes, casing, clusters, name lists), those it lends the words one and
two before and after it, and facts the sentence's cues read (a title, a place preposition,
a company word, a first name, the word pairs it starts). Training keeps the feature strings
(``Gazetteer.memo``); tagging keeps their weights summed into one row of the model's
:class:`~.scorer.TagMemo` and the facts as bit flags (:data:`CAP` ...), made for a batch's
new words at once (:func:`batch_entries`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from .feature_ids import ORG_CUES, feature_ids, word_cluster
from .gazetteer import Gazetteer
from .tokens import fold

if TYPE_CHECKING:
    from .scorer import CrfModel, TagMemo

__all__ = [
    "CAP",
    "COMMA",
    "FIRST",
    "ORGCUE",
    "PERCUE",
    "PLACEPREP",
    "all_caps",
    "batch_entries",
    "sentence_entries",
    "shape",
    "tag_memo",
    "word_entries",
    "word_entry",
]

_PERSON_CUES: Final = frozenset(
    "mr mrs ms miss dr prof sir lady lord president minister premier chancellor senator sen rep "
    "governor gov king queen prince princess pope sheikh general gen colonel col captain capt "
    "secretary spokesman spokeswoman chairman chairwoman chief ambassador judge mayor leader "
    "coach striker midfielder defender goalkeeper analyst economist dealer trader director".split()
)

_PLACE_PREPS: Final = frozenset("in at from near to into across outside inside via towards toward".split())


_SHAPES: Final[dict[str, str]] = {}
#: Memo sizes (words): about 17 MB of feature strings (training), enough for the frequent words.
_MEMO_MAX: Final = 10_000
#: Tagging keeps more words, about 1 KB each (one weight vector, shared strings): a word past
#: the limit is recomputed at every use, at 8 times a memoised word's cost. Half of Reuters
#: (one of two workers) has 43,000 distinct words; a limit of 25,000 left 88,000 of the
#: 114,000 computations of the whole collection to be redone, 21% of tagging's CPU.
_TAG_MEMO_MAX = 100_000


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


# (Final, these and the flags below: compiled, each use is the number, not a look-up in this
# module's globals for every word.)
# A memo entry (one word, in running text or in an all-capitals line), by position:
# its features, as itself and as the neighbour one and two before and after a word:
AT_OWN: Final = 0
AT_BEFORE1: Final = 1
AT_BEFORE2: Final = 2
AT_AFTER1: Final = 3
AT_AFTER2: Final = 4
# facts about it:
AT_LOW: Final = 5
AT_FOLDED: Final = 6
AT_CAP: Final = 7
AT_PERCUE: Final = 8
AT_ORGCUE: Final = 9
AT_PLACEPREP: Final = 10
AT_FIRST: Final = 11
AT_PAIR_PREV: Final = 12  # the known word pairs it starts (tagging), else None
AT_PAIR_NEXT: Final = 13
AT_CUE_BEFORE: Final = 14  # AT_PERCUE or AT_PLACEPREP or AT_FIRST: it may add a feature to the next word
AT_CUE_AFTER: Final = 15  # AT_ORGCUE or a comma: it may add a feature to the word before
AT_PLACE_START: Final = 16  # a place name may start with it (else no gazetteer mark starts here)
AT_PAIRS: Final = 17  # it starts a known word pair (tagging)

#: Word flags (:class:`~.scorer.TagMemo`), for the cues :func:`~.features.neighbour_cues` finds per batch.
CAP: Final = 1
PERCUE: Final = 2
ORGCUE: Final = 4
PLACEPREP: Final = 8
FIRST: Final = 16
COMMA: Final = 32


def sentence_entries(words: Sequence[str], gazetteer: Gazetteer) -> tuple[list[Any], bool]:
    """Each word's memo entry with its feature strings (training), and whether the line is in capitals.

    Tagging finds a batch's entries at once (:func:`batch_entries`).
    """
    caps_line = all_caps(words)
    memo = gazetteer.memo
    entries: list[Any] = [memo.get("\0" + word if caps_line else word) for word in words]
    if None in entries:
        room = len(memo) < _MEMO_MAX  # full: the words seen first (the frequent ones) stay
        for i in [i for i, entry in enumerate(entries) if entry is None]:
            entries[i] = found = word_entry(words[i], caps_line, gazetteer, None)
            if room:
                memo["\0" + words[i] if caps_line else words[i]] = found
    return entries, caps_line


def word_entry(word: str, caps_line: bool, gazetteer: Gazetteer, model: CrfModel | None) -> tuple[Any, ...]:
    """What the token loop needs of one word (memoised in ``Gazetteer.memo``/``tag_memos``)."""
    return word_entries([(word, caps_line)], gazetteer, model, keep=False)[0]


def word_entries(
    words: Sequence[tuple[str, bool]], gazetteer: Gazetteer, model: CrfModel | None, *, keep: bool = True
) -> list[tuple[Any, ...]]:
    """:func:`word_entry` of many ``(word, caps_line)``.

    With a model, a word's features are summed into one row of weights (its own, then
    those it lends the words one and two before and after it) in the model's
    :class:`~.scorer.TagMemo`, all rows at once; the entry holds the row's number, and the
    memo's ``flags`` the facts the scorer's batch cues read (:data:`CAP` ...). ``keep``:
    the rows stay with the memo (else they last until the next batch is scored).
    """
    named = None if model is None else feature_ids(model)
    found: list[tuple[str, str, str, tuple[Any, ...]]] = []
    for word, caps_line in words:
        low = word.lower()
        folded = fold(low)
        word_shape = ("C" + shape(word.title())) if caps_line else shape(word)
        if named is not None:  # tagging: the features' attribute ids, not their names
            found.append(
                (word, low, folded, named.groups(word, low, folded, word_shape, caps_line, gazetteer))
            )
            continue
        own, around = _word_features(word, low, folded, word_shape, caps_line, gazetteer)
        found.append((word, low, folded, (own, around[0:3], around[3:5], around[5:8], around[8:10])))
    entries = []
    flags = []
    for word, low, folded, groups in found:
        pair_prev = pair_next = None
        if model is not None:
            pair_prev = model.pairs["-1w|w="].get(low)
            pair_next = model.pairs["w|+1w="].get(low)
        bare = low.rstrip(".")
        capital = word[:1].isupper()
        percue = bare in _PERSON_CUES
        orgcue = bare in ORG_CUES
        placeprep = low in _PLACE_PREPS
        first = folded in gazetteer.first_names
        flags.append(
            (CAP if capital else 0)
            | (PERCUE if percue else 0)
            | (ORGCUE if orgcue else 0)
            | (PLACEPREP if placeprep else 0)
            | (FIRST if first else 0)
            | (COMMA if low == "," else 0)
        )
        entries.append(
            [
                *groups,
                low,
                folded,
                capital,
                percue,
                orgcue,
                placeprep,
                first,
                pair_prev,
                pair_next,
                percue or placeprep or first,
                orgcue or low == ",",
                capital and folded in gazetteer.place_starts,
                pair_prev is not None or pair_next is not None,
            ]
        )
    if model is not None:
        memo = tag_memo(gazetteer, model)
        ids: list[int] = []
        starts: list[int] = []
        for entry in entries:  # each word's five groups of attribute ids (none empty)
            for group in entry[:5]:
                starts.append(len(ids))
                ids += group
        rows = memo.add(model.summed(ids, starts, len(entries)), flags, keep=keep)
        for entry, row in zip(entries, rows, strict=True):
            entry[AT_OWN : AT_AFTER2 + 1] = [row, None, None, None, None]
    return [tuple(entry) for entry in entries]


def tag_memo(gazetteer: Gazetteer, model: CrfModel) -> TagMemo:
    """The model's tagging memo in this gazetteer (made on first use)."""
    memo = gazetteer.tag_memos.get(model)
    if memo is None:
        memo = gazetteer.tag_memos[model] = model.new_memo()
    return memo


def batch_entries(
    sentences: Sequence[Sequence[str]], gazetteer: Gazetteer, model: CrfModel
) -> list[tuple[list[tuple[Any, ...]], bool]]:
    """Each sentence's words' memo entries and whether it is a capitals line, for tagging a batch.

    One pass looks every word up; the words not memoised are made all at once (a word's
    weight row is a handful of NumPy calls: their overhead is paid once per batch, a cold
    memo's cost in each indexing worker). Words past the memo's limit get rows that last
    until the next batch.
    """
    memo = tag_memo(gazetteer, model)
    memo.forget_batch()
    words = memo.words
    found: list[tuple[list[Any], bool]] = []
    todo: dict[str, tuple[str, bool]] = {}  # key -> (word, in a capitals line), of the words not memoised
    for sentence in sentences:
        caps_line = all_caps(sentence)
        keys = ["\0" + word for word in sentence] if caps_line else sentence
        entries = [words.get(key) for key in keys]
        if None in entries:
            for key, word, entry in zip(keys, sentence, entries, strict=True):
                if entry is None and key not in todo:
                    todo[key] = (word, caps_line)
        found.append((entries, caps_line))
    if not todo:
        return found
    keys = list(todo)
    room = max(_TAG_MEMO_MAX - len(words), 0)
    kept, rest = keys[:room], keys[room:]
    made = dict(zip(kept, word_entries([todo[key] for key in kept], gazetteer, model), strict=True))
    words.update(made)
    if rest:  # past the memo's limit: this batch only
        made.update(
            zip(rest, word_entries([todo[k] for k in rest], gazetteer, model, keep=False), strict=True)
        )
    for sentence, (entries, caps_line) in zip(sentences, found, strict=True):
        if None in entries:
            for i, entry in enumerate(entries):
                if entry is None:
                    entries[i] = made["\0" + sentence[i] if caps_line else sentence[i]]
    return found


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
    if low in ORG_CUES:
        feats.append("orgcue")
    coarse, fine = word_cluster(word, low, caps_line, gazetteer.clusters)
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


def all_caps(words: Sequence[str]) -> bool:
    """True for a headline or table line in capitals (at least 3 letters-words, none lower-case)."""
    if any(len(w) > 1 and w.islower() for w in words):
        return False  # the common case, decided without looking at every character
    letters = [w for w in words if any(c.isalpha() for c in w)]
    return len(letters) >= 3 and all(w.isupper() for w in letters if len(w) > 1)
