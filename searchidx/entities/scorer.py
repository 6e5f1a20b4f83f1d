"""The CRF model's weights read into arrays, and CRFsuite's Viterbi over many sentences at once.

python-crfsuite takes features as strings and looks each one up in the model's dictionary: on
Reuters that lookup and building the strings were over half of tagging. Here a word's features
(its own and the ones it lends its neighbours) are summed once into a vector per label and
memoised (:func:`~.features.tagging_parts`), so a sentence's label scores are a few array
additions plus the cues of that sentence, and Viterbi steps through a batch of sentences
together. The tags equal CRFsuite's (tests on the fixtures and seeds; every Reuters sentence
and CoNLL-2003 measured).

A wheel compiles the two per-token loops, the scores from the memo rows and Viterbi, in C
(``_crf.c``: the same additions in the same order, so the same results bit for bit); without it
(the source tree, an editable install, no compiler) the NumPy code here does them.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EntityModelError
from .features import batch_parts, neighbour_cues
from .gazetteer import Gazetteer
from .word_entries import batch_entries

try:
    from . import _crf
except ImportError:  # not compiled: NumPy does the same (best_paths, joined_scores)
    _crf = None  # type: ignore[assignment]

__all__ = [
    "CrfModel",
    "TagMemo",
    "base_scores",
    "best_paths",
    "decode_batch",
    "marginals",
    "model_attributes",
    "viterbi",
    "word_pairs",
]


class CrfModel:
    """A first-order CRFsuite model (``FOMC``) as arrays: state weights, transitions, labels.

    Attributes:
        labels: Label names by id (``O``, ``B-PER``, ...).
        ids: Attribute name -> row of :attr:`state`; an unknown name maps to :attr:`unknown`,
            a row of zeros (CRFsuite ignores attributes its model does not know).
        pairs: ``template -> left word -> right words`` of the known word-pair features
            (``-1w|w=a|b``: 97-98% of possible pairs are unknown, so only these are built).
    """

    def __init__(self, path: Path) -> None:
        import pycrfsuite

        if not path.is_file():
            raise EntityModelError(
                f"entity model {path} not found: unset $SEARCHIDX_NER_MODEL or train one "
                "with `searchidx entities train`"
            )
        tagger: Any = pycrfsuite.Tagger()
        try:
            tagger.open(str(path))
        except (OSError, ValueError) as error:  # ValueError: "Invalid model file"
            raise EntityModelError(
                f"entity model {path} cannot be read ({error}): retrain it with `searchidx entities "
                "train`, or unset $SEARCHIDX_NER_MODEL to use the bundled model"
            ) from error
        self.path = path
        self.labels: list[str] = list(tagger.labels())
        self.names = np.array(self.labels, dtype=object)  # label ids to names, an array at a time
        names = model_attributes(tagger)
        tagger.close()
        features = _read_features(path.read_bytes())
        size = len(self.labels)
        self.unknown = len(names)
        self.state = np.zeros((len(names) + 1, size))
        self.trans = np.zeros((size, size))
        state = features[features["type"] == 0]
        self.state[state["src"], state["dst"]] = state["weight"]
        trans = features[features["type"] == 1]
        self.trans[trans["src"], trans["dst"]] = trans["weight"]
        self.ids = {name: i for i, name in enumerate(names)}
        self.pairs = word_pairs(names)

    def summed(self, ids: Sequence[int], starts: Sequence[int], count: int) -> Any:
        """Weights of groups of attribute ids summed, ``count`` groups of 5 to a row (one row per word).

        ``ids`` holds every group's ids end to end, ``starts`` where each group starts (none is
        empty): :func:`~.word_entries.word_entries` finds them.
        """
        if not count:
            return np.zeros((0, 5 * len(self.labels)))
        return np.add.reduceat(self.state[ids], starts, axis=0).reshape(count, -1)

    def new_memo(self) -> TagMemo:
        """An empty memo of word rows for this model (one per gazetteer: ``Gazetteer.tag_memos``)."""
        return TagMemo(5 * len(self.labels))

    def tag(self, sentences: Sequence[Sequence[str]], gazetteer: Gazetteer) -> list[list[str]]:
        """The CRF's tags of each tokenised sentence (CRFsuite's, found for all of them at once).

        Scoring and Viterbi are array operations over every sentence together: the cost per
        sentence is the Python that finds its words' cues (:func:`~.features.tagging_parts`).
        """
        found: list[list[str]] = [[] for _ in sentences]
        todo = [k for k, words in enumerate(sentences) if words]
        if not todo:
            return found
        scores, lengths = self.joined_scores([sentences[k] for k in todo], gazetteer)
        tags = self.names[decode_batch(scores, lengths, self.trans)].tolist()  # every token's, in order
        at = 0
        for k, length in zip(todo, lengths.tolist(), strict=True):
            found[k] = tags[at : at + length]
            at += length
        return found

    def scores(self, sentences: Sequence[Sequence[str]], gazetteer: Gazetteer) -> list[Any]:
        """Each (non-empty) sentence's label scores (tokens x labels): its features' summed weights."""
        scores, lengths = self.joined_scores(sentences, gazetteer)
        return np.split(scores, np.cumsum(lengths)[:-1])

    def joined_scores(self, sentences: Sequence[Sequence[str]], gazetteer: Gazetteer) -> tuple[Any, Any]:
        """:meth:`scores` laid end to end (tokens x labels), and the sentences' lengths."""
        rows, tokens, ids = batch_parts(sentences, batch_entries(sentences, gazetteer, self), gazetteer, self)
        memo = gazetteer.tag_memos[self]
        lengths = np.array([len(words) for words in sentences], dtype=np.int64)
        ends = np.cumsum(lengths)
        position = np.arange(ends[-1]) - np.repeat(ends - lengths, lengths)  # index in its sentence
        left = np.repeat(ends, lengths) - np.arange(ends[-1]) - 1  # words after it in its sentence
        size = len(self.labels)
        index = np.array(rows, dtype=np.int64)
        if _crf is not None:
            scores = np.empty((len(index), size))
            _crf.base_scores(scores, memo.table, index, lengths, size)
        else:
            scores = base_scores(memo.table[index], position, left, size)
        for at_tokens, attribute in neighbour_cues(memo.flags[index], position, left, self):
            scores[at_tokens] += self.state[attribute]
        np.add.at(scores, tokens, self.state[ids])
        return scores, lengths


class TagMemo:
    """A gazetteer's memo for one model: word -> memo entry, and the weight rows entries point at.

    An entry's own slot is a row of :attr:`table`: the word's features' weights summed per
    label (its own, then those it lends the words one and two before and after it), with
    its flags (:data:`~.word_entries.CAP` ...) in :attr:`flags`. One array instead of a vector
    per word: a batch's rows are gathered in one indexing operation. Rows of words past the
    memo's limit are kept only until the next batch (:meth:`forget_batch`).
    """

    def __init__(self, width: int) -> None:
        self.words: dict[str, tuple[Any, ...]] = {}
        self.table = np.zeros((1024, width))
        self.flags = np.zeros(1024, dtype=np.int64)
        self.kept = 0  # rows of memoised words
        self.used = 0  # and after them, this batch's rows of words not memoised

    def add(self, rows: Any, flags: Sequence[int], *, keep: bool) -> list[int]:
        """Store rows (and their words' flags); their numbers. ``keep``: for memoised words."""
        if keep and self.used != self.kept:
            raise ValueError("memoised rows must be added before the batch's others")
        start, end = self.used, self.used + len(rows)
        if end > len(self.table):
            size = max(end, 2 * len(self.table))
            self.table = np.resize(self.table, (size, self.table.shape[1]))
            self.flags = np.resize(self.flags, size)
        self.table[start:end] = rows
        self.flags[start:end] = flags
        self.used = end
        if keep:
            self.kept = end
        return list(range(start, end))

    def forget_batch(self) -> None:
        """Drop the last batch's rows of words not memoised (their entries are gone with it)."""
        self.used = self.kept


def _padded(scores: Sequence[Any], fill: float) -> tuple[list[int], Any, Any]:
    """Sentences longest first, padded with ``fill``: (their order, their lengths, the array)."""
    lengths = np.array([len(s) for s in scores])
    order = np.argsort(-lengths, kind="stable").tolist()  # the ones still running are a prefix
    ranked = lengths[order]
    padded = np.full((len(scores), int(ranked[0]), scores[0].shape[1]), fill)
    for row, k in enumerate(order):
        padded[row, : lengths[k]] = scores[k]
    return order, ranked, padded


def _running(ranked: Any, t: int) -> int:
    """How many of the sentences (longest first) are longer than ``t`` words."""
    return int(np.searchsorted(-ranked, -t, side="left"))


def base_scores(weights: Any, position: Any, left: Any, size: int) -> Any:
    """Each token's label scores from its memo row and its neighbours' (``weights``: a row per token).

    A row holds a word's own weights, then those it lends the words at -1, -2, +1 and +2;
    ``position`` and ``left`` say how many words of its sentence are before and after each token.
    """
    scores = weights[:, :size].copy()
    scores[1:] += np.where((position[1:] >= 1)[:, None], weights[:-1, size : 2 * size], 0.0)
    scores[:-1] += np.where((left[:-1] >= 1)[:, None], weights[1:, 3 * size : 4 * size], 0.0)
    scores[2:] += np.where((position[2:] >= 2)[:, None], weights[:-2, 2 * size : 3 * size], 0.0)
    scores[:-2] += np.where((left[:-2] >= 2)[:, None], weights[2:, 4 * size :], 0.0)
    return scores


def decode_batch(scores: Any, lengths: Any, trans: Any) -> Any:
    """:func:`best_paths`, by the compiled loop when the wheel has it."""
    if _crf is None:
        return best_paths(scores, lengths, trans)
    found = _crf.best_paths(np.ascontiguousarray(scores), lengths, np.ascontiguousarray(trans))
    return np.frombuffer(found, dtype=np.uint8)


def viterbi(scores: Sequence[Any], trans: Any) -> list[list[int]]:
    """CRFsuite's Viterbi (first-order, no start or end weights) for many sentences: :func:`best_paths`."""
    lengths = np.array([len(s) for s in scores])
    labels = best_paths(np.concatenate(scores), lengths, trans).tolist()
    found: list[list[int]] = []
    at = 0
    for length in lengths.tolist():
        found.append(labels[at : at + length])
        at += length
    return found


def best_paths(scores: Any, lengths: Any, trans: Any) -> Any:
    """CRFsuite's best label of every token of sentences laid end to end (``scores``: tokens x labels).

    The sentences are laid out longest first, one per row, and stepped through together; at
    each step the ones still running (a prefix of the rows) take, for each label, the best
    previous label (the first of equal scores, as CRFsuite's loop) and add their scores.
    """
    count = len(lengths)
    ends = np.cumsum(lengths)
    order = np.argsort(-lengths, kind="stable")
    rank = np.empty(count, dtype=np.intp)
    rank[order] = np.arange(count)
    ranked = lengths[order]
    longest, size = int(ranked[0]), scores.shape[1]
    row = np.repeat(rank, lengths)  # each token's row, and its place in it
    place = np.arange(len(scores)) - np.repeat(ends - lengths, lengths)
    padded = np.zeros((longest, count, size))  # step by step: each step's rows lie together
    padded[place, row] = scores
    running = np.searchsorted(-ranked, -np.arange(longest + 1), side="left").tolist()  # longer than t
    alpha = padded[0].copy()
    # a label per (step, sentence, label): bytes when they fit, a smaller array to write
    back = np.empty((longest, count, size), dtype=np.int8 if size <= 127 else np.intp)
    into = np.ascontiguousarray(trans.T)  # label x previous label
    starts = np.arange(count * size) * size  # where each (sentence, label) row starts, flattened
    for t in range(1, longest):
        k = running[t]
        # One row of previous-label scores per (sentence, label): argmax along memory, the best
        # read back by flat index (a third fewer instructions than argmax over an inner axis).
        candidates = (alpha[:k, None, :] + into).reshape(k * size, size)
        best = candidates.argmax(axis=1)
        back[t, :k] = best.reshape(k, size)
        alpha[:k] = candidates.ravel()[starts[: k * size] + best].reshape(k, size) + padded[t, :k]
    last = alpha.argmax(axis=1)  # each sentence's alpha stopped at its last word
    paths = np.empty((longest, count), dtype=np.intp)
    rows = np.arange(count)
    current = np.zeros(count, dtype=np.intp)
    for t in range(longest - 1, -1, -1):
        k, ending = running[t], running[t + 1]
        current[ending:k] = last[ending:k]  # the sentences of t + 1 words start here
        paths[t, :k] = current[:k]
        if t:
            current[:k] = back[t, rows[:k], current[:k]]
    return paths[place, row]


def marginals(scores: Sequence[Any], trans: Any) -> list[Any]:
    """Each token's label probabilities (forward-backward, CRFsuite's marginals) for many sentences.

    In the probability domain, each step rescaled to sum to one (CRFsuite's way): the scale
    cancels when a token's alpha * beta is normalised. ``bench.ner_eval`` measures them as a
    confidence for facets: they did not pay (MODEL_CARD.md).
    """
    order, ranked, padded = _padded([s - s.max(axis=1, keepdims=True) for s in scores], -np.inf)
    weights = np.exp(padded)  # padding: weight 0, never read
    count, longest, _size = padded.shape
    moves = np.exp(trans)
    alpha = np.empty_like(weights)
    alpha[:, 0] = weights[:, 0] / weights[:, 0].sum(axis=1, keepdims=True)
    for t in range(1, longest):
        k = _running(ranked, t)
        step = (alpha[:k, t - 1] @ moves) * weights[:k, t]
        alpha[:k, t] = step / step.sum(axis=1, keepdims=True)
    beta = np.ones_like(weights)
    for t in range(longest - 2, -1, -1):
        k = _running(ranked, t + 1)
        step = (weights[:k, t + 1] * beta[:k, t + 1]) @ moves.T
        beta[:k, t] = step / step.sum(axis=1, keepdims=True)
    both = alpha * beta
    found: list[Any] = [None] * count
    for row, k in enumerate(order):
        part = both[row, : ranked[row]]
        found[k] = part / part.sum(axis=1, keepdims=True)
    return found


def word_pairs(names: Sequence[str]) -> dict[str, dict[str, set[str]]]:
    """``template -> left word -> right words`` of the word-pair features among ``names``.

    A pair is split at every ``|`` of its value, so words holding ``|`` are found too.
    """
    pairs: dict[str, dict[str, set[str]]] = {"-1w|w=": {}, "w|+1w=": {}}
    for name in names:
        for prefix, table in pairs.items():
            if name.startswith(prefix):
                value = name[len(prefix) :]
                for k, ch in enumerate(value):
                    if ch == "|":
                        table.setdefault(value[:k], set()).add(value[k + 1 :])
    return pairs


def _read_features(data: bytes) -> Any:
    """The ``FEAT`` chunk of a CRFsuite model file: (type, source, target, weight) records."""
    magic, _size, kind = struct.unpack_from("<4sI4s", data)
    if magic != b"lCRF" or kind != b"FOMC":
        raise EntityModelError(
            "entity model is not a CRFsuite first-order model: train one with `searchidx entities train`"
        )
    offset = struct.unpack_from("<I", data, 28)[0]
    chunk, _chunk_size, count = struct.unpack_from("<4sII", data, offset)
    if chunk != b"FEAT":
        raise EntityModelError(
            "entity model file is damaged (no FEAT chunk): reinstall searchidx or retrain it"
        )
    record = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])
    return np.frombuffer(data, dtype=record, count=count, offset=offset + 12)


def model_attributes(tagger: Any) -> list[str]:
    """The attribute names of an open ``pycrfsuite.Tagger``, by id (read from its text dump, ~30 ms)."""
    with tempfile.TemporaryDirectory(prefix="searchidx-model-") as folder:
        path = Path(folder) / "dump.txt"
        tagger.dump(str(path))
        lines = path.read_bytes().decode("utf-8").split("\n")
    start = lines.index("ATTRIBUTES = {") + 1
    end = lines.index("}", start)
    names = []
    for expected, line in enumerate(lines[start:end]):
        number, name = line.split(": ", 1)
        if int(number) != expected:
            raise EntityModelError("entity model dump is out of order: reinstall python-crfsuite")
        names.append(name)
    return names
