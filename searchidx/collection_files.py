"""What each commit derives for the whole collection, so that searches need not compute it.

Story groups (``stories.json``) and the entities' resolution (``entities.json``).
"""

from __future__ import annotations

import gc
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from .schema import build_schema, decode_entities, live_column
from .storage import ENTITIES_FILE, STORIES_FILE, held_locks, read_vocabulary, reading, write_json
from .whoosh_files import whoosh_index

__all__ = ["save_derived", "save_resolution", "save_stories"]


def save_derived(
    where: Path,
    *,
    entities: bool,
    meanwhile: Callable[[], None] | None = None,
    stems: Mapping[str, str] | None = None,
) -> None:
    """After a commit: its story groups and, with entities, its entities' resolution.

    The two read the commit and write files of their own. With entities, in a process with
    no other thread, on a system that forks, the resolution, the longer of the two (0.45 s
    against 0.2 s after a build of Reuters' 19,043 articles), is written by a child forked
    first, on the second core (idle once the workers are done), while this process runs
    ``meanwhile`` (the rest of the commit's bookkeeping, 0.2 s there) and groups the
    stories. If the child fails or cannot be forked, the resolution is made here again, after
    ``meanwhile`` has written ``stems.json`` (so ``stems`` is not needed), where an error is
    raised as usual. Neither collects garbage meanwhile (:func:`_no_collections`), and the
    child closes the inherited descriptors of the parent's locks, as indexing workers do: if
    the parent dies, its lock is free at once.

    Args:
        where: The index directory, just committed.
        entities: Whether the index holds entities (else no resolution).
        meanwhile: Run first here, while the child resolves.
        stems: The index's vocabulary (``word -> stem``) for the resolution, when
            ``meanwhile`` may be rewriting ``stems.json``; by default the file is read.
    """
    child = _fork() if entities else None
    if child == 0:  # the child: the resolution, then out without Python's exit handlers
        code = 1
        # A quarter of its time went to collections walking the heap it inherited, for cycles a
        # process that lives a second and exits without cleaning up has no need to free.
        gc.disable()
        try:
            for fd in list(held_locks):
                with suppress(OSError):
                    os.close(fd)
            save_resolution(where, stems)
            code = 0
        finally:
            os._exit(code)
    try:
        with _no_collections():  # the stories of Reuters 0.35 -> 0.18 s in an indexing run
            if meanwhile is not None:
                meanwhile()
            save_stories(where)
    finally:
        status = os.waitpid(child, 0)[1] if child else 0
    if entities and (child is None or status != 0):
        with _no_collections():
            save_resolution(where)


@contextmanager
def _no_collections() -> Iterator[None]:
    """The garbage collector paused: these passes make many objects and no cycles to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fork() -> int | None:
    """``os.fork()`` where it is safe (no other thread, a POSIX system) and succeeds, else ``None``."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return None
    try:
        return os.fork()
    except OSError:  # no memory or processes to spare: this process does the work itself
        return None


def save_stories(where: Path) -> None:
    """Group the collection into stories once per commit (``stories.json``), so searches need not.

    As with the resolution, a search uses the file only for the generation it describes.
    """
    from .stories import group_collection, stories_json

    with reading(where), whoosh_index(where, build_schema()).reader() as reader:  # the new commit's
        generation, stories = reader.generation(), group_collection(reader)
    write_json(where / STORIES_FILE, stories_json(generation, stories))


def save_resolution(where: Path, stems: Mapping[str, str] | None = None) -> None:
    """Resolve the collection's entities once per commit (``entities.json``), so searches need not.

    Searches use the file only when its generation is the one they read, and
    resolve in memory otherwise (:meth:`searchidx.snapshot.Snapshot.resolution`).
    ``stems`` is the index's vocabulary, by default read from ``stems.json`` (a word whose stem
    the index no longer holds counts as in no article, as if not listed).
    """
    from .entities.collection import resolve_collection
    from .entities.gazetteer import shipped_gazetteer

    with reading(where), whoosh_index(where, build_schema()).reader() as reader:  # the new commit's
        rows = [row for _doc, value in live_column(reader, "entities") if (row := decode_entities(value))]
        generation = reader.generation()
        lists = shipped_gazetteer()
        articles_with = _word_articles(reader, read_vocabulary(where) if stems is None else stems)
        found = resolve_collection(rows, lists.places, lists.first_names, articles_with)
    write_json(where / ENTITIES_FILE, {"generation": generation, **found.to_json()})


def _word_articles(reader: Any, stems: Mapping[str, str]) -> Callable[[str], int | None]:
    """Articles whose body holds a word, when its stem is the word's own (None when shared).

    The index holds stems: "chang" counts "change" too, so it tells nothing of "Chang". A word
    whose stem has left the index (an unfiltered table: :func:`save_derived`) counts 0.
    """
    shared = Counter(stems.values())  # words per stem (counted, not listed: the table is 50,000 words)

    def articles_with(word: str) -> int | None:
        stemmed = stems.get(word)
        if stemmed is None:
            return None
        own = sum(stems.get(form) == stemmed for form in (word, word + "s", word + "'s"))
        if shared[stemmed] > own:  # another word has this stem
            return None
        return int(reader.doc_frequency("body", stemmed))

    return articles_with
