"""The CRF model's weights read into arrays, and an exact Viterbi that skips the certain words.

python-crfsuite takes features as strings and looks each one up in the model's dictionary: on
Reuters that lookup and the copying were a quarter of ``annotate()``. Here a word's features
(its own and the ones it lends its neighbours) are summed once into a vector per label and
memoised (:func:`~.features.tagging_scores`), so a sentence's label scores are a few array
additions plus the cues of that sentence. Viterbi then runs only between the words whose
label is certain to be ``O`` (:meth:`CrfModel.tag`); the tags equal CRFsuite's (tested on
every sentence of the seeds and the fixtures; measured on CoNLL-2003 and Reuters).
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SearchidxError
from .features import tagging_parts
from .gazetteer import Gazetteer

__all__ = ["CrfModel", "marginals", "model_attributes", "word_pairs"]

#: A label is pruned only when it trails by this much more than needed (far above float rounding).
_MARGIN = 1e-6
#: Pruning passes: the second uses the labels the first left beside each word (a third prunes ~nothing).
_ROUNDS = 2


class CrfModel:
    """A first-order CRFsuite model (``FOMC``) as arrays: state weights, transitions, labels.

    Attributes:
        labels: Label names by id (``O``, ``B-PER``, ...).
        ids: Attribute name -> row of :attr:`state`; an unknown name maps to :attr:`unknown`,
            a row of zeros (CRFsuite ignores attributes its model does not know).
        known: The attribute names the model has (the only features worth building).
        pairs: ``template -> left word -> right words`` of the known word-pair features
            (``-1w|w=a|b``: 97-98% of possible pairs are unknown, so only these are built).
    """

    def __init__(self, path: Path) -> None:
        import pycrfsuite

        if not path.is_file():
            raise SearchidxError(
                f"entity model {path} not found: unset $SEARCHIDX_NER_MODEL or train one "
                "with `searchidx entities train`"
            )
        tagger: Any = pycrfsuite.Tagger()
        tagger.open(str(path))
        self.path = path
        self.labels: list[str] = list(tagger.labels())
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
        self.known = frozenset(names)
        self.pairs = word_pairs(names)
        self.outside = self.labels.index("O")
        outside = self.outside
        # What a label gains over O from the transitions: into it after a (rows a, columns y)
        # and out of it before c (rows y, columns c). Pruning in :meth:`tag` is bounded by them.
        self._gain_into = self.trans - self.trans[:, outside : outside + 1]
        self._gain_out = self.trans - self.trans[outside]
        self._trans_rows = self.trans.tolist()

    def vector(self, groups: Sequence[Sequence[str]]) -> Any:
        """The summed weights of each group of feature names, concatenated (one word's memo)."""
        ids, unknown = self.ids, self.unknown
        starts = [0]
        for group in groups[:-1]:
            starts.append(starts[-1] + len(group))
        rows = self.state[[ids.get(f, unknown) for group in groups for f in group]]
        return np.add.reduceat(rows, starts, axis=0).ravel()  # no group is empty

    def tag(self, sentences: Sequence[Sequence[str]], gazetteer: Gazetteer) -> list[list[str]]:
        """The CRF's tags of each tokenised sentence (CRFsuite's, found for all of them at once).

        Scoring and Viterbi are array operations over every sentence together: the cost per
        sentence is the Python that finds its words' cues (:func:`~.features.tagging_parts`).
        """
        found: list[list[str]] = [[] for _ in sentences]
        todo = [k for k, words in enumerate(sentences) if words]
        if not todo:
            return found
        scores = self._scores([sentences[k] for k in todo], gazetteer)
        names = self.labels
        for k, path in zip(todo, _viterbi(scores, self.trans), strict=True):
            found[k] = [names[label] for label in path]
        return found

    def _scores(self, sentences: Sequence[Sequence[str]], gazetteer: Gazetteer) -> list[Any]:
        """Each sentence's label scores (tokens x labels): its features' summed weights."""
        vectors: list[Any] = []
        tokens: list[int] = []
        ids: list[int] = []
        for words in sentences:
            own, at, found = tagging_parts(words, gazetteer, self)
            offset = len(vectors)
            vectors += own
            tokens += [offset + i for i in at]
            ids += found
        lengths = np.array([len(words) for words in sentences])
        ends = np.cumsum(lengths)
        position = np.arange(ends[-1]) - np.repeat(ends - lengths, lengths)  # index in its sentence
        left = np.repeat(ends, lengths) - np.arange(ends[-1]) - 1  # words after it in its sentence
        size = len(self.labels)
        rows = np.array(vectors)  # a word's own weights, then those it lends at -1, -2, +1, +2
        scores = rows[:, :size].copy()
        scores[1:] += np.where((position[1:] >= 1)[:, None], rows[:-1, size : 2 * size], 0.0)
        scores[:-1] += np.where((left[:-1] >= 1)[:, None], rows[1:, 3 * size : 4 * size], 0.0)
        scores[2:] += np.where((position[2:] >= 2)[:, None], rows[:-2, 2 * size : 3 * size], 0.0)
        scores[:-2] += np.where((left[:-2] >= 2)[:, None], rows[2:, 4 * size :], 0.0)
        np.add.at(scores, tokens, self.state[ids])
        return np.split(scores, ends[:-1])


def _viterbi(scores: Sequence[Any], trans: Any) -> list[list[int]]:
    """CRFsuite's Viterbi (first-order, no start or end weights) for many sentences at once.

    The sentences are padded to the longest and stepped through together; at each step the
    ones still running take, for each label, the best previous label (the first of equal
    scores, as CRFsuite's loop) and add their scores.
    """
    count = len(scores)
    lengths = np.array([len(s) for s in scores])
    order = np.argsort(-lengths, kind="stable")  # longest first: the running ones are a prefix
    longest = int(lengths[order[0]])
    size = trans.shape[0]
    padded = np.zeros((count, longest, size))
    for row, k in enumerate(order.tolist()):
        padded[row, : lengths[k]] = scores[k]
    alpha = padded[:, 0].copy()
    back = np.zeros((count, longest, size), dtype=np.intp)
    ranked = lengths[order]
    for t in range(1, longest):
        k = int(np.searchsorted(-ranked, -t, side="left"))  # the sentences longer than t
        candidates = alpha[:k, :, None] + trans  # previous label x label
        best = candidates.argmax(axis=1)
        back[:k, t] = best
        alpha[:k] = np.take_along_axis(candidates, best[:, None, :], axis=1)[:, 0] + padded[:k, t]
    last = alpha.argmax(axis=1)  # each sentence's alpha stopped at its last word
    paths = np.zeros((count, longest), dtype=np.intp)
    rows = np.arange(count)
    current = last
    for t in range(longest - 1, -1, -1):
        current = np.where(ranked - 1 == t, last, current)  # a sentence ending here starts
        paths[:, t] = current
        if t:
            current = back[rows, t, current]
    found: list[list[int]] = [[] for _ in range(count)]
    for row, k in enumerate(order.tolist()):
        found[k] = paths[row, : lengths[k]].tolist()
    return found


def marginals(scores: Sequence[Any], trans: Any) -> list[Any]:
    """Each token's label probabilities (forward-backward, CRFsuite's marginals) for many sentences.

    ``bench.ner_eval`` measures them as a confidence for facets: they did not pay (MODEL_CARD.md).

    In the probability domain, each step rescaled to sum to one (CRFsuite's way): the scale
    cancels when a token's alpha * beta is normalised.
    """
    count = len(scores)
    lengths = np.array([len(s) for s in scores])
    order = np.argsort(-lengths, kind="stable")
    ranked = lengths[order]
    longest = int(ranked[0])
    size = trans.shape[0]
    weights = np.ones((count, longest, size))
    for row, k in enumerate(order.tolist()):
        rows = scores[k]
        weights[row, : lengths[k]] = np.exp(rows - rows.max(axis=1, keepdims=True))
    moves = np.exp(trans)
    alpha = np.empty((count, longest, size))
    alpha[:, 0] = weights[:, 0] / weights[:, 0].sum(axis=1, keepdims=True)
    for t in range(1, longest):
        k = int(np.searchsorted(-ranked, -t, side="left"))  # the sentences longer than t
        step = (alpha[:k, t - 1] @ moves) * weights[:k, t]
        alpha[:k, t] = step / step.sum(axis=1, keepdims=True)
    beta = np.ones((count, longest, size))
    for t in range(longest - 2, -1, -1):
        k = int(np.searchsorted(-ranked, -(t + 1), side="left"))  # the sentences longer than t + 1
        step = (weights[:k, t + 1] * beta[:k, t + 1]) @ moves.T
        beta[:k, t] = step / step.sum(axis=1, keepdims=True)
    both = alpha * beta
    found: list[Any] = [None] * count
    for row, k in enumerate(order.tolist()):
        part = both[row, : lengths[k]]
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
        raise SearchidxError(
            "entity model is not a CRFsuite first-order model: train one with `searchidx entities train`"
        )
    offset = struct.unpack_from("<I", data, 28)[0]
    chunk, _chunk_size, count = struct.unpack_from("<4sII", data, offset)
    if chunk != b"FEAT":
        raise SearchidxError(
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
            raise SearchidxError("entity model dump is out of order: reinstall python-crfsuite")
        names.append(name)
    return names
