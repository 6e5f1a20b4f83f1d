"""Direct tests of the index's location rules, write lock and document format (issue 15)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from pathlib import Path

import pytest

from searchidx.errors import IndexLocationError, IndexLocked
from searchidx.models import Article, CanonicalEntity
from searchidx.schema import ENTITY_FIELDS, build_schema, decode_entities, document, encode_entities
from searchidx.storage import META_FILE, check_apart, inspect_location, write_lock


def test_a_location_is_missing_empty_ours_or_refused(tmp_path: Path) -> None:
    assert inspect_location(tmp_path / "new") == "missing"
    (tmp_path / "empty").mkdir()
    assert inspect_location(tmp_path / "empty") == "empty"
    (tmp_path / "ours").mkdir()
    (tmp_path / "ours" / META_FILE).write_text("{}", encoding="utf-8")
    assert inspect_location(tmp_path / "ours") == "index"
    (tmp_path / "theirs").mkdir()
    for name in ("a.doc", "b.doc", "c.doc", "d.doc"):
        (tmp_path / "theirs" / name).write_text("x", encoding="utf-8")
    with pytest.raises(
        IndexLocationError, match=r"not a searchidx index and holds a\.doc, b\.doc, c\.doc and 1 more"
    ):
        inspect_location(tmp_path / "theirs")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(IndexLocationError, match="it is a file"):
        inspect_location(tmp_path / "file")


def test_an_index_stays_apart_from_what_it_indexes(tmp_path: Path) -> None:
    check_apart(tmp_path / "ix", [tmp_path / "news"])
    for index, root, relation in (
        (tmp_path / "news" / "ix", tmp_path / "news", "is inside"),
        (tmp_path, tmp_path / "news", "contains"),
        (tmp_path / "news", tmp_path / "news", "it is the indexed path"),
    ):
        with pytest.raises(IndexLocationError, match=relation):
            check_apart(index, [root])
    check_apart(tmp_path / "news-ix", [tmp_path / "news"])  # a common prefix is not containment


def _hold(
    path: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event
) -> None:
    with write_lock(Path(path), timeout=5):
        ready.set()
        release.wait(10)


def test_the_write_lock_excludes_another_process_and_says_how_long_it_waited(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        started = time.monotonic()
        with pytest.raises(IndexLocked, match=r"waited 0\.3s"), write_lock(tmp_path, timeout=0.3):
            pass
        assert time.monotonic() - started >= 0.3
    finally:
        release.set()
        holder.join(10)
    with write_lock(tmp_path, timeout=1):  # released with its holder
        pass


def test_documents_keep_what_search_shows_and_entities_round_trip() -> None:
    article = Article(
        id="a1",
        path="/news/a.jsonl",
        title="Oil rises",
        body="Crude oil rose.",
        date=dt.datetime(1987, 3, 2, 10, tzinfo=dt.UTC),
        source="Reuters",
        url="https://example.com/a1",
        line=7,
    )
    entities = [CanonicalEntity("place", "kuwait", "Kuwait", 2), CanonicalEntity("org", "opec", "OPEC", 1)]
    fields = document(article, entities)
    assert set(fields) - {"_stored_title"} <= set(build_schema().names())
    assert fields["date"] == int(article.date.timestamp())  # type: ignore[union-attr]
    assert fields["extra"]["line"] == 7 and fields["extra"]["url"] == article.url
    assert fields["place"] == "Kuwait" and "person" not in fields
    assert decode_entities(fields["entities"]) == [("place", "kuwait", "Kuwait"), ("org", "opec", "OPEC")]
    assert decode_entities(encode_entities([])) == []
    derived = document(
        Article(id="a2", path="p", title="First sentence.", body="First sentence.", title_derived=True)
    )
    assert (
        derived["title"] == "" and derived["_stored_title"] == "First sentence."
    )  # shown, not indexed twice
    assert set(ENTITY_FIELDS) <= set(build_schema().names())


@pytest.mark.parametrize(
    "names",
    [
        "Vladimir Putin\nRecep Tayyip Erdogan\nPutin",
        "Bashar al-Assad\nAl Qaeda\nÇavuşoğlu",
        "",
        "A\nA\nA b a",
        "\n".join(f"Firm{k} Holdings" for k in range(6)),  # terms once past the stored one-position values
    ],
)
def test_names_are_indexed_as_whoosh_would(names: str) -> None:
    from whoosh import fields

    from searchidx.schema import EntityTokenizer, NameText

    whoosh = sorted(fields.TEXT(analyzer=EntityTokenizer()).index(names))
    ours = NameText(analyzer=EntityTokenizer())
    assert sorted(ours.index(names)) == whoosh
    assert sorted(ours.index(names)) == whoosh  # again: every name's terms from the memo
