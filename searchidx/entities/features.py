"""Token features for the CRF tagger: a sentence's features from its words' memo entries and cues.

Training writes every token's features as strings (:func:`sentence_features`); tagging takes
the same features in two parts, each word's memoised weights and the sentence's cues by
attribute id (:func:`tagging_parts`, summed in :mod:`.scorer`). Both read the same per-word
memo entries (:mod:`.word_entries`: shape, affixes, casing, cue words) and cue functions here
(capitalised runs, gazetteer marks, neighbours), and a test checks that their weights agree.
No part-of-speech tags: NLTK's tagger needs data packages we cannot download.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from .gazetteer import Gazetteer, place_mark_list, place_marks
from .word_entries import (
    AT_AFTER1,
    AT_AFTER2,
    AT_BEFORE1,
    AT_BEFORE2,
    AT_CAP,
    AT_CUE_AFTER,
    AT_CUE_BEFORE,
    AT_FIRST,
    AT_FOLDED,
    AT_LOW,
    AT_ORGCUE,
    AT_OWN,
    AT_PAIR_NEXT,
    AT_PAIR_PREV,
    AT_PAIRS,
    AT_PERCUE,
    AT_PLACE_START,
    AT_PLACEPREP,
    CAP,
    COMMA,
    FIRST,
    ORGCUE,
    PERCUE,
    PLACEPREP,
    sentence_entries,
)

if TYPE_CHECKING:
    from .scorer import CrfModel

__all__ = ["batch_parts", "neighbour_cues", "sentence_features", "tagging_parts"]


# Company suffixes and government/agency words: within a capitalised run they mark an organisation.
_COMPANY: Final = frozenset(
    "inc corp corporation co cos ltd plc ag sa nv llc lp group bank bancorp holdings industries "
    "motors airlines airways partners securities capital trust insurance petroleum oil energy "
    "international systems technologies communications".split()
)
_AGENCY: Final = frozenset(
    "ministry department commission agency party union council committee office bureau board "
    "authority administration association federation organisation organization institute "
    "university court parliament congress senate assembly army navy police service exchange "
    "fund league club team news times post journal".split()
)
# Lower-case words that may sit inside a name ("Bank of England", "Standard & Poor's").
_RUN_JOINERS: Final = frozenset("of & for de la 's".split())
_RUN_MAX: Final = 8
_NONE: Final[list[str]] = []  # shared, never appended to


class _Names:
    """The fixed feature names as training writes them (``str``) or as a model's attribute ids."""

    def __init__(self, model: CrfModel | None) -> None:
        def name(text: str) -> Any:
            return text if model is None else model.ids.get(text, model.unknown)

        self.cap0, self.bos, self.eos, self.first = name("cap0"), name("BOS"), name("EOS"), name("-1first")
        self.percue1, self.percue2, self.placeprep = name("-1percue"), name("-2percue"), name("-1placeprep")
        self.orgcue, self.percue_after = name("+1orgcue"), name("+2percue")
        self.gaz = {mark: name(f"gaz={mark}") for mark in "BI"}
        self.gaz_before = {mark: name(f"-1gaz={mark}") for mark in "BI"}
        self.gaz_after = {mark: name(f"+1gaz={mark}") for mark in "BI"}
        names = ("run=B", "run=I", "run=E", "runco", "runag", "acro")
        self.run = {text: name(text) for text in names}


_STR_NAMES: Final = _Names(None)
_MODEL_NAMES: Final[dict[CrfModel, _Names]] = {}


def sentence_features(words: Sequence[str], gazetteer: Gazetteer) -> list[list[str]]:
    """Return the CRF feature strings of every token in one sentence (training: every feature)."""
    entries, caps_line = sentence_entries(words, gazetteer)
    return _features(words, entries, caps_line, gazetteer)


def tagging_parts(
    words: Sequence[str],
    entries: list[tuple[Any, ...]],
    caps_line: bool,
    gazetteer: Gazetteer,
    model: CrfModel,
) -> tuple[list[int], list[int], list[int]]:
    """What :func:`sentence_features` gives ``model``, in parts (:mod:`.scorer` adds them up).

    The same features as training's token loop (:func:`_features`; a test compares their
    weights), found from the few words that can add one: capitalised runs, gazetteer names and
    words that start a known word pair. The cues a word lends its neighbours (a title, a
    preposition, a company word, a comma) are found for a whole batch at once by
    :func:`neighbour_cues`, from the memo's word flags.

    Args:
        words: The sentence.
        entries: Its words' memo entries (:func:`~.word_entries.batch_entries`).
        caps_line: Whether it is a capitals line.
        gazetteer: The name lists.
        model: The model whose attribute ids are returned.

    Returns:
        Each word's row in the model's :class:`~.scorer.TagMemo` (its own features' summed
        weights, then those it lends the words one and two before and after it), and the
        sentence's other features as parallel lists of token positions and attribute ids.
    """
    names = _MODEL_NAMES.get(model) or _MODEL_NAMES.setdefault(model, _Names(model))
    n = len(entries)
    tokens = [0, n - 1]
    ids = [names.bos, names.eos]
    own: list[int] = []
    lows: list[str] = []
    capital: list[bool] = []
    starts: list[bool] = []
    pairs: list[int] = []  # words that start a known word pair (not the last)
    for k, entry in enumerate(entries):  # one pass over the entries for what the cues read
        own.append(entry[AT_OWN])
        lows.append(entry[AT_LOW])
        capital.append(entry[AT_CAP])
        starts.append(entry[AT_PLACE_START])
        if entry[AT_PAIRS] and k < n - 1:
            pairs.append(k)
    if capital[0] and not caps_line:
        tokens.append(0)
        ids.append(names.cap0)
    if not caps_line:
        for i, cues in _run_cue_map(words, lows, capital).items():
            for cue in cues:
                tokens.append(i)
                ids.append(names.run[cue])
    if any(starts):
        for i, mark in place_mark_list(
            words, [entry[AT_FOLDED] for entry in entries], gazetteer.places, starts
        ):
            tokens.append(i)
            ids.append(names.gaz[mark])
            if i + 1 < n:
                tokens.append(i + 1)
                ids.append(names.gaz_before[mark])
            if i:
                tokens.append(i - 1)
                ids.append(names.gaz_after[mark])
    known = model.ids
    for k in pairs:
        entry, after = entries[k], entries[k + 1]
        if entry[AT_PAIR_PREV] is not None and after[AT_LOW] in entry[AT_PAIR_PREV]:
            tokens.append(k + 1)
            ids.append(known[f"-1w|w={entry[AT_LOW]}|{after[AT_LOW]}"])
        if entry[AT_PAIR_NEXT] is not None and after[AT_LOW] in entry[AT_PAIR_NEXT]:
            tokens.append(k)
            ids.append(known[f"w|+1w={entry[AT_LOW]}|{after[AT_LOW]}"])
    return own, tokens, ids


def batch_parts(
    sentences: Sequence[Sequence[str]],
    looked_up: Sequence[tuple[list[tuple[Any, ...]], bool]],
    gazetteer: Gazetteer,
    model: CrfModel,
) -> tuple[list[int], list[int], list[int]]:
    """:func:`tagging_parts` of a batch of sentences laid end to end (token positions run on).

    ``looked_up``: each sentence's memo entries and capitals-line flag
    (:func:`~.word_entries.batch_entries`).
    """
    rows: list[int] = []
    tokens: list[int] = []
    ids: list[int] = []
    for words, (entries, caps_line) in zip(sentences, looked_up, strict=True):
        own, at, found = tagging_parts(words, entries, caps_line, gazetteer, model)
        offset = len(rows)
        rows += own
        tokens += [offset + i for i in at]
        ids += found
    return rows, tokens, ids


def neighbour_cues(flags: Any, position: Any, left: Any, model: CrfModel) -> list[tuple[Any, Any]]:
    """The cues words lend their neighbours, for a batch of sentences laid end to end.

    Args:
        flags: Each token's word flags (:data:`~.word_entries.CAP` ...), a NumPy int array.
        position: Each token's index in its sentence (a NumPy array).
        left: How many tokens follow it in its sentence.
        model: The model whose attribute ids are returned.

    Returns:
        ``(tokens, attribute id)`` pairs: the tokens (a NumPy index array, none twice) that
        get the attribute, as training's token loop (:func:`_features`) gives them.
    """
    import numpy as np

    names = _MODEL_NAMES.get(model) or _MODEL_NAMES.setdefault(model, _Names(model))

    def has(bit: int) -> Any:
        return (flags & bit) != 0

    cap, percue = has(CAP), has(PERCUE)
    after_cap = np.zeros_like(cap)
    after_cap[:-1] = cap[1:]
    after_percue = np.zeros_like(percue)
    after_percue[:-1] = percue[1:]
    before = left >= 1  # a word follows it in its sentence
    behind = position >= 1  # a word precedes it
    found = [
        # after a first name, a title, a place preposition: the next word
        (np.flatnonzero(before & has(FIRST) & cap & after_cap) + 1, names.first),
        (np.flatnonzero(before & percue) + 1, names.percue1),
        (np.flatnonzero(before & has(PLACEPREP) & after_cap) + 1, names.placeprep),
        # "President Vladimir Putin": two words after the title
        (np.flatnonzero((left >= 2) & percue & after_cap & ~after_percue) + 2, names.percue2),
        # before a company word; before a comma that a title follows
        (np.flatnonzero(behind & has(ORGCUE)) - 1, names.orgcue),
        (np.flatnonzero(behind & before & has(COMMA) & after_percue) - 1, names.percue_after),
    ]
    return [(tokens, attribute) for tokens, attribute in found if len(tokens)]


def _features(
    words: Sequence[str], entries: list[Any], caps_line: bool, gazetteer: Gazetteer
) -> list[list[Any]]:
    """Training's features of every token, in one fixed order.

    For each token: its word's memoised ones, then the cues of this sentence (gazetteer,
    capitalised run, titles, prepositions), then its neighbours' memoised ones (CRFsuite adds
    the weights in the order given, so a retrained model is the same file).
    """
    n = len(words)
    if not n:
        return []
    names = _STR_NAMES
    marks = None
    starts = [entry[AT_PLACE_START] for entry in entries]
    if any(starts):
        marks = place_marks(words, [entry[AT_FOLDED] for entry in entries], gazetteer.places, starts)
    runs = None if caps_line else _run_cues(words, [entry[AT_LOW] for entry in entries])
    first, percue1, percue2, placeprep = names.first, names.percue1, names.percue2, names.placeprep
    orgcue, percue_after = names.orgcue, names.percue_after
    out: list[list[Any]] = []
    last = n - 1
    before2: Any = None
    before: Any = None
    entry = entries[0]
    for i in range(n):
        after = entries[i + 1] if i < last else None
        feats = list(entry[AT_OWN])
        cap = entry[AT_CAP]
        if before is None and cap and not caps_line:
            feats.append(names.cap0)
        if runs and runs[i]:
            feats += runs[i]
        if marks and marks[i]:
            feats.append(names.gaz[marks[i]])
        if before is None:
            feats.append(names.bos)
        else:
            cue = before[AT_CUE_BEFORE]
            if cue and cap and before[AT_FIRST] and before[AT_CAP]:
                feats.append(first)
            feats += before[AT_BEFORE1]
            feats.append(f"-1w|w={before[AT_LOW]}|{entry[AT_LOW]}")
            if cue and before[AT_PERCUE]:
                feats.append(percue1)
            elif before2 is not None and before2[AT_PERCUE] and before[AT_CAP]:
                feats.append(percue2)
            if cue and cap and before[AT_PLACEPREP]:
                feats.append(placeprep)
            if marks and marks[i - 1]:
                feats.append(names.gaz_before[marks[i - 1]])
            if before2 is not None:
                feats += before2[AT_BEFORE2]
        if after is None:
            feats.append(names.eos)
        else:
            feats += after[AT_AFTER1]
            feats.append(f"w|+1w={entry[AT_LOW]}|{after[AT_LOW]}")
            after2 = entries[i + 2] if i < last - 1 else None
            if after[AT_CUE_AFTER]:
                if after[AT_ORGCUE]:
                    feats.append(orgcue)
                if after[AT_LOW] == "," and after2 is not None and after2[AT_PERCUE]:
                    feats.append(percue_after)
            if marks and marks[i + 1]:
                feats.append(names.gaz_after[marks[i + 1]])
            if after2 is not None:
                feats += after2[AT_AFTER2]
        out.append(feats)
        before2, before, entry = before, entry, after
    return out


def _run_cues(words: Sequence[str], lows: Sequence[str]) -> list[list[str]]:
    """Features from the capitalised run around each token ("Bank of England", "Apple Inc").

    A run is capitalised words, joined by ``of``/``&``/``and``...; it carries whether it holds a
    company suffix or an agency word, and the token's position in it.
    """
    out: list[list[str]] = [_NONE] * len(words)
    for i, feats in _run_cue_map(words, lows).items():
        out[i] = feats
    return out


def _run_cue_map(
    words: Sequence[str], lows: Sequence[str], capital: Sequence[bool] | None = None
) -> dict[int, list[str]]:
    """:func:`_run_cues` of the tokens that have any (few: it looks only at the capitalised words).

    ``capital``: whether each word starts with a capital letter, when known (its memo entry's).
    """
    n = len(words)
    out: dict[int, list[str]] = {}
    if capital is None:
        capital = [word[:1].isupper() for word in words]
    after = 0  # a run found ends here
    for i in [i for i, cap in enumerate(capital) if cap]:
        if i < after:
            continue
        end = i + 1
        while end < n and end - i < _RUN_MAX:
            if capital[end]:
                end += 1
            elif lows[end] in _RUN_JOINERS and end + 1 < n and capital[end + 1]:
                end += 2
            else:
                break
        after = end
        if end == i + 1:  # a single capitalised word: only an agency word says anything
            if lows[i].rstrip(".") in _AGENCY:
                out[i] = ["runag"]
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
    # "... Cooperation in Europe ( OSCE )": an acronym in brackets after a name, with its cues
    for i in range(2, n - 1) if "(" in words else ():
        if (
            words[i - 1] == "("
            and words[i + 1] == ")"
            and len(words[i]) > 1
            and words[i].isupper()
            and words[i - 2][:1].isupper()
        ):
            out[i] = ["acro", *(f for f in out.get(i - 2, _NONE) if f in ("runco", "runag"))]
    return out
