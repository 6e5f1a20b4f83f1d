"""What each commit derives for the whole collection, so that searches need not compute it.

Story groups (``stories.json``) and the entities' resolution (``entities.json``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .schema import build_schema, decode_entities, live_column
from .storage import ENTITIES_FILE, STORIES_FILE, read_vocabulary, reading, write_json
from .whoosh_files import whoosh_index

__all__ = ["save_resolution", "save_stories"]


def save_stories(where: Path) -> None:
    """Group the collection into stories once per commit (``stories.json``), so searches need not.

    As with the resolution, a search uses the file only for the generation it describes.
    """
    from .stories import group_collection, stories_json

    with reading(where), whoosh_index(where, build_schema()).reader() as reader:  # the new commit's
        generation, stories = reader.generation(), group_collection(reader)
    write_json(where / STORIES_FILE, stories_json(generation, stories))


def save_resolution(where: Path) -> None:
    """Resolve the collection's entities once per commit (``entities.json``), so searches need not.

    Searches use the file only when its generation is the one they read, and
    resolve in memory otherwise (:meth:`searchidx.snapshot.Snapshot.resolution`).
    """
    from .entities.collection import resolve_collection
    from .entities.gazetteer import shipped_gazetteer

    with reading(where), whoosh_index(where, build_schema()).reader() as reader:  # the new commit's
        rows = [row for _doc, value in live_column(reader, "entities") if (row := decode_entities(value))]
        generation = reader.generation()
        lists = shipped_gazetteer()
        articles_with = _word_articles(reader, read_vocabulary(where))
        found = resolve_collection(rows, lists.places, lists.first_names, articles_with)
    write_json(where / ENTITIES_FILE, {"generation": generation, **found.to_json()})


def _word_articles(reader: Any, stems: dict[str, str]) -> Callable[[str], int | None]:
    """Articles whose body holds a word, when its stem is the word's own (None when shared).

    The index holds stems: "chang" counts "change" too, so it tells nothing of "Chang".
    """
    forms: dict[str, set[str]] = {}
    for word, stemmed in stems.items():
        forms.setdefault(stemmed, set()).add(word)

    def articles_with(word: str) -> int | None:
        stemmed = stems.get(word)
        if stemmed is None or forms.get(stemmed, set()) - {word, word + "s", word + "'s"}:
            return None
        return int(reader.doc_frequency("body", stemmed))

    return articles_with
