"""What each commit derives (searchidx.collection_files): stories and the entities' resolution.

With entities, the resolution is written by a forked child while the parent keeps the commit's
books and groups the stories, where that is safe (no other thread); the suite's processes run
other threads, so these tests let the fork happen, make the child fail or the fork fail, to see
the files come out the same.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from searchidx import collection_files
from searchidx.ingest import bundled_seeds


def _files(where: Path) -> dict[str, Any]:
    return {name: json.loads((where / name).read_text()) for name in ("entities.json", "stories.json")}


@pytest.fixture
def seeds_built(tmp_path: Path) -> Path:
    from searchidx import Index

    with Index.build(tmp_path / "ix", [bundled_seeds()]):
        pass
    return tmp_path / "ix"


def test_a_forked_child_writes_the_resolution_the_parent_would(
    seeds_built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _files(seeds_built)
    assert serial["entities.json"]["renames"] or serial["entities.json"]["changed"]
    forks: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        forks.append(pid := real_fork())
        return pid

    monkeypatch.setattr(collection_files.threading, "active_count", lambda: 1)
    monkeypatch.setattr(collection_files.os, "fork", fork)
    for name in ("entities.json", "stories.json"):
        (seeds_built / name).unlink()
    collection_files.save_derived(seeds_built, entities=True)
    assert forks and forks[0] > 0  # this is the parent; the child left through os._exit
    assert _files(seeds_built) == serial


def test_the_child_resolves_while_the_parent_keeps_its_books(
    seeds_built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child takes the stems it is given (``stems.json`` may be being rewritten meanwhile)."""
    from searchidx.storage import read_vocabulary

    assert gc.isenabled()  # the build left it on
    serial = _files(seeds_built)
    table = read_vocabulary(seeds_built)
    parent = os.getpid()
    ran: list[int] = []
    marker = tmp_path / "stems-read-by"

    class Stems(dict[str, str]):  # says which process read it
        def get(self, *args: Any) -> Any:
            try:
                os.fstat(lock)
                lock_open = True
            except OSError:
                lock_open = False
            marker.write_text(f"{os.getpid()} {gc.isenabled()} {lock_open}")
            return super().get(*args)

    def bookkeeping() -> None:
        ran.append(os.getpid())
        assert not gc.isenabled()  # paused here, and given back after
        (seeds_built / "stems.json").unlink()  # as if being rewritten

    lock = os.open(tmp_path / "lock", os.O_CREAT | os.O_RDWR)  # stands for the write lock's descriptor
    monkeypatch.setattr(collection_files, "held_locks", {lock})
    monkeypatch.setattr(collection_files.threading, "active_count", lambda: 1)
    for name in ("entities.json", "stories.json"):
        (seeds_built / name).unlink()
    collection_files.save_derived(seeds_built, entities=True, meanwhile=bookkeeping, stems=Stems(table))
    assert ran == [parent] and gc.isenabled()
    os.fstat(lock)  # still open here
    os.close(lock)
    pid, collecting, lock_open = marker.read_text().split()
    assert int(pid) != parent and collecting == "False"  # the child asked for the stems, collector off
    assert lock_open == "False"  # and had closed its copy of the lock
    assert _files(seeds_built) == serial


def test_a_failing_child_leaves_the_resolution_to_the_parent(
    seeds_built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _files(seeds_built)
    parent = os.getpid()
    real = collection_files.save_resolution

    collecting: list[bool] = []

    def only_here(where: Path, stems: Any = None) -> None:
        if os.getpid() != parent:
            shutil.rmtree(where / "no such folder")  # the child fails
        collecting.append(gc.isenabled())
        real(where)

    monkeypatch.setattr(collection_files.threading, "active_count", lambda: 1)
    monkeypatch.setattr(collection_files, "save_resolution", only_here)
    (seeds_built / "entities.json").unlink()
    collection_files.save_derived(seeds_built, entities=True)
    assert _files(seeds_built) == serial
    assert collecting == [False] and gc.isenabled()  # paused for the resolution here too


def test_a_fork_that_fails_leaves_everything_to_the_parent(
    seeds_built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    serial = _files(seeds_built)
    ran: list[int] = []

    def no_fork() -> int:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(collection_files.threading, "active_count", lambda: 1)
    monkeypatch.setattr(collection_files.os, "fork", no_fork)
    for name in ("entities.json", "stories.json"):
        (seeds_built / name).unlink()
    collection_files.save_derived(seeds_built, entities=True, meanwhile=lambda: ran.append(1))
    assert ran == [1]  # the commit's bookkeeping still ran
    assert _files(seeds_built) == serial


def test_without_entities_nothing_forks(seeds_built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(collection_files.threading, "active_count", lambda: 1)
    monkeypatch.setattr(collection_files.os, "fork", no_fork)
    (seeds_built / "stories.json").unlink()
    collection_files.save_derived(seeds_built, entities=False)
    assert (seeds_built / "stories.json").is_file()


def test_a_word_counts_its_articles_only_when_no_other_word_shares_its_stem() -> None:
    class Reader:
        def doc_frequency(self, field: str, term: str) -> int:
            assert field == "body"
            return {"chang": 40, "commerzbank": 12, "baker": 30, "time": 900}[term]

    stems = {"change": "chang", "chang": "chang", "commerzbank": "commerzbank"}
    stems |= {"time": "time", "times": "time", "baker": "baker", "bakers": "baker", "baker's": "baker"}
    articles_with = collection_files._word_articles(Reader(), stems)
    assert articles_with("chang") is None  # "change" has the stem too
    assert articles_with("zzz") is None  # not in the index's words
    assert [articles_with(w) for w in ("commerzbank", "baker", "time")] == [12, 30, 900]  # own plurals
