"""Named entities (people, places, organisations) found offline, with canonical names.

>>> from searchidx.entities import extract_entities
>>> [(e.text, e.label) for e in extract_entities("Vladimir Putin met Erdogan in Sochi.")]  # doctest: +SKIP
[('Vladimir Putin', 'person'), ('Erdogan', 'person'), ('Sochi', 'place')]

The tagger is a linear-chain CRF (python-crfsuite) over word-shape, affix,
context and gazetteer features; its model file ships with the package, and
``$SEARCHIDX_NER_MODEL`` can point at another one (see MODEL_CARD.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import CanonicalEntity, Entity
from .canonical import best_display, canonicalize, name_key
from .cleanup import RULES_VERSION, clean_mentions
from .document import document_mentions
from .headlines import headline_case, title_mentions
from .tagger import ENTITY_LABELS, Tagger, _tagger, configured_model
from .tagger import model_info as _model_file_info

__all__ = [
    "ENTITY_LABELS",
    "HEADLINE_CHUNK",
    "TAG_CHUNK",
    "Tagger",
    "annotate",
    "annotate_many",
    "best_display",
    "canonicalize",
    "extract_entities",
    "model_info",
    "name_key",
]


#: Entities are taken from the first this-many characters of a body (news names its actors early).
MAX_TAGGED_CHARS = 100_000
#: Bodies whose sentences are tagged together (the tagger's arrays amortise over them; more
#: spill the processor's caches: 128 and 256 were 5% and 11% slower on Reuters).
TAG_CHUNK = 64
#: Headlines tagged together: a tenth of a body's words each, so more of them make a batch.
HEADLINE_CHUNK = 256


def model_info() -> str:
    """Identify the entity model and rules for the index metadata (a change asks for a rebuild)."""
    return f"{_model_file_info()}+rules{RULES_VERSION}"


def extract_entities(text: str) -> list[Entity]:
    """Find people, places and organisations in ``text``, as an indexed article's body gets them.

    Works offline on a fresh install: the model and name lists are package data. The
    text is tagged, made consistent (:mod:`.document`) and cleaned (:mod:`.cleanup`),
    as :func:`annotate` does before it canonicalises.

    Returns:
        Mentions in order, each with ``label`` in ``"person" | "place" | "org"`` and
        character offsets into ``text``. ``text[start:end]`` is the mention as written;
        ``Entity.text`` is the name the rules give it: the same, or an alias's full name
        ("U.S." -> "United States").
    """
    tagger = _tagger(configured_model())
    places = tagger.gazetteer.places
    [(mentions, parsed)] = tagger.parse_many([text])
    return clean_mentions(document_mentions(mentions, text, places, parsed), text, places)


def annotate(title: str, body: str, *, title_derived: bool = False) -> list[CanonicalEntity]:
    """Extract and canonicalise the entities of one article.

    The body is tagged, made consistent (one type per name, every mention of a tagged name:
    :mod:`.document`) and cleaned (:mod:`.cleanup`); a headline contributes only names the
    body also mentions, as headlines capitalise every word.
    """
    return annotate_many([(title, body, title_derived)])[0]


def annotate_many(articles: Sequence[tuple[str, str, bool]]) -> list[list[CanonicalEntity]]:
    """:func:`annotate` for many ``(title, body, title_derived)`` articles: faster, tagged together.

    Bodies are tagged :data:`TAG_CHUNK` at a time, then their headlines :data:`HEADLINE_CHUNK` at a time.
    """
    tagger = _tagger(configured_model())
    places = tagger.gazetteer.places
    found: list[list[Entity]] = []
    for start in range(0, len(articles), TAG_CHUNK):
        bodies = [body[:MAX_TAGGED_CHARS] for _title, body, _derived in articles[start : start + TAG_CHUNK]]
        found += [
            clean_mentions(document_mentions(mentions, text, places, parsed), text, places)
            for text, (mentions, parsed) in zip(bodies, tagger.parse_many(bodies), strict=True)
        ]
    # a headline only adds names its body has
    headed = [k for k, (title, _body, derived) in enumerate(articles) if title and not derived and found[k]]
    # capitals only where a name may be, each name spelt as the body spells it ("Icco" -> "ICCO"):
    # as long as the headline, so the mentions' offsets are the headline's
    heads = [headline_case(articles[k][0], found[k]) for k in headed]
    tagged = [
        mentions
        for start in range(0, len(heads), HEADLINE_CHUNK)
        for mentions in tagger.extract_many(heads[start : start + HEADLINE_CHUNK])
    ]
    for k, head, mentions in zip(headed, heads, tagged, strict=True):
        found[k] = title_mentions(clean_mentions(mentions, head, places), found[k], places) + found[k]
    return [canonicalize(mentions, places) for mentions in found]
