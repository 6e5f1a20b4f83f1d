"""Token features for the CRF tagger: word shape, affixes, context, cue words, gazetteer marks.

Training writes every token's features as strings (:func:`sentence_features`); tagging takes
the same features in two parts, each word's memoised weights and the sentence's cues by
attribute id (:func:`tagging_parts`, summed in :mod:`.scorer`). Both read the same per-word
memo entries and cue functions, and a test checks that their weights agree.
No part-of-speech tags: NLTK's tagger needs data packages we cannot download.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..analysis import fold
from .gazetteer import Gazetteer, place_mark_list, place_marks

if TYPE_CHECKING:
    from .scorer import CrfModel, TagMemo

__all__ = [
    "CAP",
    "COMMA",
    "FIRST",
    "ORGCUE",
    "PERCUE",
    "PLACEPREP",
    "neighbour_cues",
    "sentence_features",
    "shape",
    "tagging_parts",
]


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
#: Memo sizes (words): about 17 MB of feature strings (training), enough for the frequent words.
_MEMO_MAX = 10_000
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


_STR_NAMES = _Names(None)
_MODEL_NAMES: dict[CrfModel, _Names] = {}

# A memo entry (one word, in running text or in an all-capitals line), by position:
_OWN, _BEFORE1, _BEFORE2, _AFTER1, _AFTER2 = 0, 1, 2, 3, 4  # its features, as itself and as neighbour
_LOW, _FOLDED, _CAP, _PERCUE, _ORGCUE, _PLACEPREP, _FIRST = 5, 6, 7, 8, 9, 10, 11  # facts about it
_PAIR_PREV, _PAIR_NEXT = 12, 13  # the known word pairs it starts (tagging), else None
_CUE_BEFORE = 14  # _PERCUE or _PLACEPREP or _FIRST: it may add a feature to the next word
_CUE_AFTER = 15  # _ORGCUE or a comma: it may add a feature to the word before
_PLACE_START = 16  # a place name may start with it (else no gazetteer mark starts here)
_PAIRS = 17  # it starts a known word pair (tagging)

#: Word flags (:class:`~.scorer.TagMemo`), for the cues :func:`neighbour_cues` finds per batch.
CAP, PERCUE, ORGCUE, PLACEPREP, FIRST, COMMA = 1, 2, 4, 8, 16, 32


def sentence_features(words: Sequence[str], gazetteer: Gazetteer) -> list[list[str]]:
    """Return the CRF feature strings of every token in one sentence (training: every feature)."""
    entries, caps_line = _entries(words, gazetteer, None)
    return _features(words, entries, caps_line, gazetteer)


def tagging_parts(
    words: Sequence[str], gazetteer: Gazetteer, model: CrfModel
) -> tuple[list[int], list[int], list[int]]:
    """What :func:`sentence_features` gives ``model``, in parts (:mod:`.scorer` adds them up).

    The same features as training's token loop (:func:`_features`; a test compares their
    weights), found from the few words that can add one: capitalised runs, gazetteer names and
    words that start a known word pair. The cues a word lends its neighbours (a title, a
    preposition, a company word, a comma) are found for a whole batch at once by
    :func:`neighbour_cues`, from the memo's word flags.

    Returns:
        Each word's row in the model's :class:`~.scorer.TagMemo` (its own features' summed
        weights, then those it lends the words one and two before and after it), and the
        sentence's other features as parallel lists of token positions and attribute ids.
    """
    entries, caps_line = _entries(words, gazetteer, model)
    names = _MODEL_NAMES.get(model) or _MODEL_NAMES.setdefault(model, _Names(model))
    n = len(entries)
    tokens = [0, n - 1]
    ids = [names.bos, names.eos]
    if entries[0][_CAP] and not caps_line:
        tokens.append(0)
        ids.append(names.cap0)
    if not caps_line:
        for i, cues in _run_cue_map(words, [entry[_LOW] for entry in entries]).items():
            for cue in cues:
                tokens.append(i)
                ids.append(names.run[cue])
    if any(starts := [entry[_PLACE_START] for entry in entries]):
        for i, mark in place_mark_list(
            words, [entry[_FOLDED] for entry in entries], gazetteer.places, starts
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
    for k in [k for k, entry in enumerate(entries[:-1]) if entry[_PAIRS]]:
        entry, after = entries[k], entries[k + 1]
        if entry[_PAIR_PREV] is not None and after[_LOW] in entry[_PAIR_PREV]:
            tokens.append(k + 1)
            ids.append(known[f"-1w|w={entry[_LOW]}|{after[_LOW]}"])
        if entry[_PAIR_NEXT] is not None and after[_LOW] in entry[_PAIR_NEXT]:
            tokens.append(k)
            ids.append(known[f"w|+1w={entry[_LOW]}|{after[_LOW]}"])
    return [entry[_OWN] for entry in entries], tokens, ids


def neighbour_cues(flags: Any, position: Any, left: Any, model: CrfModel) -> list[tuple[Any, Any]]:
    """The cues words lend their neighbours, for a batch of sentences laid end to end.

    Args:
        flags: Each token's word flags (:data:`CAP`, :data:`PERCUE`, ...), a NumPy int array.
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


def _entries(words: Sequence[str], gazetteer: Gazetteer, model: CrfModel | None) -> tuple[list[Any], bool]:
    """Each word's memo entry (:func:`_word_entry`), and whether the line is in capitals."""
    caps_line = _all_caps(words)
    memo = gazetteer.memo if model is None else _tag_memo(gazetteer, model).words
    entries: list[Any] = [memo.get("\0" + word if caps_line else word) for word in words]
    if None in entries:
        missing = [i for i, entry in enumerate(entries) if entry is None]
        if model is not None:  # past the memo's limit (prefill memoised what fit): this batch only
            made = _word_entries([(words[i], caps_line) for i in missing], gazetteer, model, keep=False)
            for i, found in zip(missing, made, strict=True):
                entries[i] = found
        else:
            room = len(memo) < _MEMO_MAX  # full: the words seen first (the frequent ones) stay
            for i in missing:
                entries[i] = found = _word_entry(words[i], caps_line, gazetteer, None)
                if room:
                    memo["\0" + words[i] if caps_line else words[i]] = found
    return entries, caps_line


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
    starts = [entry[_PLACE_START] for entry in entries]
    if any(starts):
        marks = place_marks(words, [entry[_FOLDED] for entry in entries], gazetteer.places, starts)
    runs = None if caps_line else _run_cues(words, [entry[_LOW] for entry in entries])
    first, percue1, percue2, placeprep = names.first, names.percue1, names.percue2, names.placeprep
    orgcue, percue_after = names.orgcue, names.percue_after
    out: list[list[Any]] = []
    last = n - 1
    before2: Any = None
    before: Any = None
    entry = entries[0]
    for i in range(n):
        after = entries[i + 1] if i < last else None
        feats = list(entry[_OWN])
        cap = entry[_CAP]
        if before is None and cap and not caps_line:
            feats.append(names.cap0)
        if runs and runs[i]:
            feats += runs[i]
        if marks and marks[i]:
            feats.append(names.gaz[marks[i]])
        if before is None:
            feats.append(names.bos)
        else:
            cue = before[_CUE_BEFORE]
            if cue and cap and before[_FIRST] and before[_CAP]:
                feats.append(first)
            feats += before[_BEFORE1]
            feats.append(f"-1w|w={before[_LOW]}|{entry[_LOW]}")
            if cue and before[_PERCUE]:
                feats.append(percue1)
            elif before2 is not None and before2[_PERCUE] and before[_CAP]:
                feats.append(percue2)
            if cue and cap and before[_PLACEPREP]:
                feats.append(placeprep)
            if marks and marks[i - 1]:
                feats.append(names.gaz_before[marks[i - 1]])
            if before2 is not None:
                feats += before2[_BEFORE2]
        if after is None:
            feats.append(names.eos)
        else:
            feats += after[_AFTER1]
            feats.append(f"w|+1w={entry[_LOW]}|{after[_LOW]}")
            after2 = entries[i + 2] if i < last - 1 else None
            if after[_CUE_AFTER]:
                if after[_ORGCUE]:
                    feats.append(orgcue)
                if after[_LOW] == "," and after2 is not None and after2[_PERCUE]:
                    feats.append(percue_after)
            if marks and marks[i + 1]:
                feats.append(names.gaz_after[marks[i + 1]])
            if after2 is not None:
                feats += after2[_AFTER2]
        out.append(feats)
        before2, before, entry = before, entry, after
    return out


def _word_entry(word: str, caps_line: bool, gazetteer: Gazetteer, model: CrfModel | None) -> tuple[Any, ...]:
    """What the token loop needs of one word (memoised in ``Gazetteer.memo``/``tag_memos``)."""
    return _word_entries([(word, caps_line)], gazetteer, model, keep=False)[0]


def _word_entries(
    words: Sequence[tuple[str, bool]], gazetteer: Gazetteer, model: CrfModel | None, *, keep: bool = True
) -> list[tuple[Any, ...]]:
    """:func:`_word_entry` of many ``(word, caps_line)``.

    With a model, a word's features are summed into one row of weights (its own, then
    those it lends the words one and two before and after it) in the model's
    :class:`~.scorer.TagMemo`, all rows at once; the entry holds the row's number, and the
    memo's ``flags`` the facts the scorer's batch cues read (:data:`CAP` ...). ``keep``:
    the rows stay with the memo (else they last until the next batch is scored).
    """
    found: list[tuple[str, str, str, tuple[Any, ...]]] = []
    for word, caps_line in words:
        low = word.lower()
        folded = low if low.isascii() else fold(low)
        word_shape = ("C" + shape(word.title())) if caps_line else shape(word)
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
        orgcue = bare in _ORG_CUES
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
        memo = _tag_memo(gazetteer, model)
        rows = memo.add(model.summed([entry[:5] for entry in entries]), flags, keep=keep)
        for entry, row in zip(entries, rows, strict=True):
            entry[_OWN : _AFTER2 + 1] = [row, None, None, None, None]
    return [tuple(entry) for entry in entries]


def _tag_memo(gazetteer: Gazetteer, model: CrfModel) -> TagMemo:
    """The model's tagging memo in this gazetteer (made on first use)."""
    memo = gazetteer.tag_memos.get(model)
    if memo is None:
        memo = gazetteer.tag_memos[model] = model.new_memo()
    return memo


def prefill(sentences: Sequence[Sequence[str]], gazetteer: Gazetteer, model: CrfModel) -> None:
    """Memoise the entries of every word of ``sentences`` not yet memoised, all at once.

    A word's weight row is a handful of NumPy calls; made for each new word of a batch of
    sentences together, their overhead is paid once (a cold memo's cost, in each indexing worker).
    Rows made for words past the memo's limit last until the next batch.
    """
    memo = _tag_memo(gazetteer, model)
    memo.forget_batch()
    words = memo.words
    room = _TAG_MEMO_MAX - len(words)
    if room <= 0:
        return
    todo: dict[str, tuple[str, bool]] = {}
    for sentence in sentences:
        caps_line = _all_caps(sentence)
        for word in sentence:
            key = "\0" + word if caps_line else word
            if key not in words and key not in todo:
                todo[key] = (word, caps_line)
    keys = list(todo)[:room]
    words.update(zip(keys, _word_entries([todo[key] for key in keys], gazetteer, model), strict=True))


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
    out: list[list[str]] = [_NONE] * len(words)
    for i, feats in _run_cue_map(words, lows).items():
        out[i] = feats
    return out


def _run_cue_map(words: Sequence[str], lows: Sequence[str]) -> dict[int, list[str]]:
    """:func:`_run_cues` of the tokens that have any (few: it looks only at the capitalised words)."""
    n = len(words)
    out: dict[int, list[str]] = {}
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
