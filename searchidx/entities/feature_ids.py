"""A word's feature ids for tagging, found from its parts without naming its features.

Training names every feature of a word (:func:`~.word_entries._word_features`: ``w=said``,
``s=Xx``, ``p3=sai`` ...); tagging needs only the model's ids of those names, and the model
knows few of them. :class:`FeatureIds` finds the known ids from the word's parts, for
:func:`~.word_entries.word_entries` to sum into the word's memo row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from .gazetteer import Gazetteer

if TYPE_CHECKING:
    from .scorer import CrfModel

__all__ = ["ORG_CUES", "FeatureIds", "feature_ids", "word_cluster"]

#: Words that end or mark an organisation's name (a word's ``orgcue`` feature, a neighbour's cue).
ORG_CUES: Final = frozenset(
    "inc corp corporation co ltd plc ag sa nv llc group bank bancorp party council ministry "
    "agency university association union committee commission army navy airlines airways "
    "exchange fund institute organisation organization federation club united city rovers "
    "police court parliament assembly board authority company holdings industries motors".split()
)


def word_cluster(word: str, low: str, caps_line: bool, clusters: Mapping[str, str]) -> tuple[str, str]:
    """A word's coarse and fine word cluster (``?`` and ``?`` when it has none)."""
    cluster = clusters.get(word)
    if cluster is None and caps_line:
        cluster = clusters.get(word.title()) or clusters.get(low)
    coarse, _, fine = (cluster or "?-?").partition("-")
    return coarse, fine


#: Templates of the features a word's text names (``w=``) in :func:`~.word_entries._word_features`' order:
#: its own, then as the word one before (``-1w``), two before, one after and two after.
_WORD_TEMPLATES: Final = ("w", "-1w", "-2w", "+1w", "+2w")
_SHAPE_TEMPLATES: Final = ("s", "-1s", "-2s", "+1s", "+2s")
#: Shapes whose ids are remembered: codes, hashes and tables near a capital have shapes of their own.
SHAPES_MAX: Final = 10_000
#: An attribute id, kept as the int object the tables hold: compiled, an ``int`` would be unboxed
#: and boxed again on its way into a list, a new object for every id over 256.
Id = Any


class FeatureIds:
    """A model's ids of the features :func:`~.word_entries._word_features` names, found without the names.

    Tagging needs ids only, and a model knows few of the names a word's features would
    have (13,000 attributes; 1,557 words): building ~28 strings a word and looking each one up
    was half of making a new word's memo entry. Here a word's five word features are one
    lookup, its shape's and cluster's ids are found once per shape and cluster, its affixes'
    ids are looked up by the affix, and unknown ids (the model's row of zeros) are left out of
    its sums: adding zero changes no sum, so the rows are the same (a test compares the ids).
    """

    def __init__(self, model: CrfModel) -> None:
        unknown: Id = model.unknown
        self.unknown = unknown  # the one object every table gives for a name it lacks
        tables: dict[str, dict[str, Id]] = {}
        for name, number in model.ids.items():
            template, equals, value = name.partition("=")
            if equals:
                tables.setdefault(template, {})[value] = number
        self.tables = tables
        self.p3, self.x2, self.x3, self.x4 = (tables.get(t, {}) for t in ("p3", "x2", "x3", "x4"))
        self.tc, self.ctc, self.hx = (tables.get(t, {}) for t in ("tc", "ctc", "hx"))
        self.lengths: list[Id] = [tables.get("len", {}).get(str(size), unknown) for size in range(9)]
        known = [tables.get(template, {}) for template in _WORD_TEMPLATES]
        texts = {text for table in known for text in table}
        self.words: dict[str, list[Id]] = {
            text: [table.get(text, unknown) for table in known] for text in texts
        }
        self.no_words: list[Id] = [unknown] * 5
        self.shapes: dict[str, list[Id]] = {}
        self.clusters: dict[tuple[str, str], list[Id]] = {}
        ids: dict[str, Id] = dict(model.ids)
        self.b, self.capsline, self.cap, self.upper, self.hyph, self.first, self.last, self.orgcue = (
            ids.get(name, unknown)
            for name in ("b", "capsline", "cap", "upper", "hyph", "first", "last", "orgcue")
        )

    def groups(
        self, word: str, low: str, folded: str, word_shape: str, caps_line: bool, gazetteer: Gazetteer
    ) -> tuple[list[Id], list[Id], list[Id], list[Id], list[Id]]:
        """The known ids of :func:`~.word_entries._word_features`' five groups, in order.

        The groups: the word's own features, then those it lends the words one and two
        before and after it.

        A group that knows none is the unknown id alone (a row of zeros: no group is empty).
        """
        unknown: Id = self.unknown
        named = self.words.get(low, self.no_words)
        shaped = self.shapes.get(word_shape)
        if shaped is None:
            shaped = [self.tables.get(t, {}).get(word_shape, unknown) for t in _SHAPE_TEMPLATES]
            if len(self.shapes) < SHAPES_MAX:  # full: the shapes seen first (the common ones) stay
                self.shapes[word_shape] = shaped
        cluster = word_cluster(word, low, caps_line, gazetteer.clusters)
        clustered = self.clusters.get(cluster)
        if clustered is None:
            coarse, fine = cluster
            clustered = self.clusters[cluster] = [
                self.tables.get(t, {}).get(v, unknown)
                for t, v in (("c", fine), ("cc", coarse), ("-1c", coarse), ("+1c", coarse))
            ]
        own = [
            self.b,
            named[0],
            shaped[0],
            self.p3.get(low[:3], unknown),
            self.x2.get(low[-2:], unknown),
            self.x3.get(low[-3:], unknown),
            self.x4.get(low[-4:], unknown),
            self.lengths[min(len(word), 8)],
        ]
        capital = word[:1].isupper()
        if caps_line:
            own.append(self.capsline)
        elif capital:
            own.append(self.cap)
            if word.isupper() and len(word) > 1:
                own.append(self.upper)
        if word[:1].isalpha():
            case = gazetteer.casing.get(low, "?")
            own.append(self.tc.get(case, unknown))
            if caps_line:
                own.append(self.ctc.get(case, unknown))
        if "-" in word:
            own.append(self.hyph)
            own.append(self.hx.get(low.rsplit("-", 1)[-1][-3:], unknown))
        if capital:
            if folded in gazetteer.first_names:
                own.append(self.first)
            if folded in gazetteer.last_names:
                own.append(self.last)
        if low in ORG_CUES:
            own.append(self.orgcue)
        own.append(clustered[0])
        own.append(clustered[1])
        return (
            _known(own, unknown),
            _known([named[1], shaped[1], clustered[2]], unknown),
            _known([named[2], shaped[2]], unknown),
            _known([named[3], shaped[3], clustered[3]], unknown),
            _known([named[4], shaped[4]], unknown),
        )


def _known(ids: list[Id], unknown: Id) -> list[Id]:
    """``ids`` without the unknown id, or the unknown id alone when none is known."""
    return [number for number in ids if number is not unknown] or [unknown]


_FEATURE_IDS: Final[dict[CrfModel, FeatureIds]] = {}


def feature_ids(model: CrfModel) -> FeatureIds:
    """The model's :class:`FeatureIds` (made on first use)."""
    found = _FEATURE_IDS.get(model)
    if found is None:
        found = _FEATURE_IDS[model] = FeatureIds(model)
    return found
