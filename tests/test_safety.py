"""Issue 16: nothing outside an index is touched, no writer corrupts or locks out, bad input is a message."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchidx import Filters, Index, IndexLocationError, IndexNotFound, IndexWriteError
from searchidx.cli import main, search_command
from searchidx.ingest import bundled_seeds
from tests.harness import alive as _alive
from tests.harness import children as _children
from tests.test_tui import SIZE, settle

INDEX = [sys.executable, "-c", "import sys; from searchidx.cli import main; main(prog_name='searchidx')"]


def tree(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` with its content (the state nothing may change)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def articles(folder: Path, *names: str, date: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        header = f" date {date} " if date else ""
        (folder / name).write_text(f"{header}Report {name}\n\nOil and ceasefire talks, item {name}.\n")
    return folder


# ---- 1. nothing that is not an index is deleted, moved or overwritten ----------------------


def test_rebuild_refuses_a_directory_that_is_not_an_index(tmp_path: Path) -> None:
    project = tmp_path / "myproject"
    (project / "src").mkdir(parents=True)
    (project / "draft.txt").write_text("my draft")
    (project / "src" / "main.py").write_text("print('hi')")
    before = tree(project)
    result = CliRunner().invoke(
        main, ["index", "--no-entities", "--rebuild", "--index", str(project), str(bundled_seeds())]
    )
    assert result.exit_code == 2
    assert "not a searchidx index and holds draft.txt, src/" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert tree(project) == before and sorted(os.listdir(project)) == ["draft.txt", "src"]


@pytest.mark.parametrize("where", ["same", "inside", "contains", "file"])
def test_index_overlapping_its_articles_or_a_file_is_refused(tmp_path: Path, where: str) -> None:
    news = articles(tmp_path / "news", "a.txt", "b.txt")
    (tmp_path / "regular.txt").write_text("keep me")
    location = {
        "same": news,
        "inside": news / "ix",
        "contains": tmp_path,
        "file": tmp_path / "regular.txt",
    }[where]
    before = tree(tmp_path)
    for rebuild in ([], ["--rebuild"]):
        result = CliRunner().invoke(
            main, ["index", "--no-entities", *rebuild, "--index", str(location), str(news)]
        )
        assert result.exit_code == 2, result.output
        assert "refusing to use" in result.stderr and "nothing was changed" in result.stderr
    assert tree(tmp_path) == before


def test_dot_and_dotdot_are_refused_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    news = articles(tmp_path / "news", "a.txt")
    monkeypatch.chdir(news)
    for location in (".", ".."):
        result = CliRunner().invoke(main, ["index", "--rebuild", "--index", location, "."])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert "refusing to use" in result.stderr
    assert sorted(os.listdir(news)) == ["a.txt"]


def test_empty_directory_becomes_an_index_and_rebuild_happens_in_place(tmp_path: Path) -> None:
    # A mount point cannot be renamed: the index must be built and rebuilt inside it.
    mount = tmp_path / "mnt"
    (mount / "lost+found").mkdir(parents=True)
    news = articles(tmp_path / "news", "a.txt", "b.txt")
    inode = mount.stat().st_ino
    Index.build(mount, [news], entities=False).close()
    articles(news, "c.txt")
    with Index.build(mount, [news], rebuild=True, entities=False) as index:
        assert index.stats().documents == 3
    assert mount.stat().st_ino == inode and (mount / "lost+found").is_dir()
    assert not list(tmp_path.glob(".mnt*"))  # no staging or old copies beside it


def test_nothing_is_created_for_a_missing_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["index", str(tmp_path / "does-not-exist")])
    assert result.exit_code == 2 and "no such file or directory" in result.stderr
    assert os.listdir(tmp_path) == []


def test_planted_old_copy_is_never_moved_into_place(tmp_path: Path) -> None:
    planted = articles(tmp_path / f".ix.old-{2**22 + 1}", "evil.txt")
    with pytest.raises(IndexNotFound):
        Index.open(tmp_path / "ix")
    assert (planted / "evil.txt").exists() and not (tmp_path / "ix").exists()


def test_not_an_index_message_does_not_suggest_building_there(tmp_path: Path) -> None:
    folder = articles(tmp_path / "stuff", "a.txt")
    result = CliRunner().invoke(search_command, ["--index", str(folder), "oil"])
    assert result.exit_code == 2 and "not a searchidx index" in result.stderr
    assert f"--index {folder}" not in result.stderr


# ---- 2./3. one writer, and a dead writer never blocks ----------------------------------------


def write_feed(folder: Path, count: int, name: str = "feed.jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    words = "ceasefire talks minister border refugees oil market election court storm".split()
    rows = [
        {
            "id": f"{name}-{i}",
            "title": f"Report {i}",
            "text": " ".join(words[(i + k) % 10] for k in range(80)),
        }
        for i in range(count)
    ]
    (folder / name).write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return folder


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_indexer_alone_frees_the_lock(tmp_path: Path, how: signal.Signals) -> None:
    corpus = write_feed(tmp_path / "c", 600)
    where = tmp_path / "ix"
    Index.build(where, [articles(tmp_path / "seed", "s.txt")]).close()
    # Entity extraction in 2 worker processes (the segment writers share the same set-up).
    proc = subprocess.Popen([*INDEX, "index", "--workers", "2", "--index", str(where), str(corpus)])
    deadline = time.monotonic() + 30
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert len(workers) >= 2, "the indexer never started its workers"
    os.kill(proc.pid, how)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "orphaned workers outlived the indexer"
    started = time.perf_counter()
    report = Index.open(where).update([corpus], lock_timeout=0, workers=1)
    assert report.added == 600 and time.perf_counter() - started < 60


def test_concurrent_first_builds_do_not_corrupt(tmp_path: Path) -> None:
    corpus = write_feed(tmp_path / "c", 300)
    where = tmp_path / "rx"
    runs = [
        subprocess.Popen(
            [*INDEX, "index", "--no-entities", "--lock-timeout", "60", "--index", str(where), str(corpus)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    result = CliRunner().invoke(main, ["stats", "--json", "--index", str(where)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["data"]["documents"] == 300


# ---- 4. undated articles are ordinary ------------------------------------------------------


@pytest.mark.parametrize(
    "order", [("undated", "undated"), ("undated", "dated"), ("dated", "undated", "dated")]
)
def test_any_mix_of_dated_and_undated_commits_works_everywhere(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    corpus, where = tmp_path / "c", tmp_path / "ix"
    for number, kind in enumerate(order):
        articles(
            corpus, f"{kind}{number}.txt", date="2020-03-0" + str(number + 1) if kind == "dated" else None
        )
        Index.build(where, [corpus], entities=False).close()
    dated = order.count("dated")
    runner = CliRunner()
    stats = runner.invoke(main, ["stats", "--json", "--index", str(where)])
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.stdout)["data"]["undated"] == len(order) - dated
    for args in (
        ["--sort", "newest", "oil"],
        ["--facets", "oil"],
        ["--since", "2020", "oil"],
        ["date:2020-03", "oil"],
    ):
        result = runner.invoke(search_command, ["--index", str(where), *args])
        assert result.exit_code in (0, 1) and "Traceback" not in result.output, (args, result.output)
    newest = runner.invoke(search_command, ["--index", str(where), "--json", "--sort", "newest", "oil"])
    dates = [json.loads(line)["data"]["date"] for line in newest.stdout.splitlines()[:-1]]
    assert len(dates) == len(order) and sum(d is not None for d in dates) == dated
    assert dates[dated:] == [None] * (len(order) - dated)  # undated last
    with Index.open(where) as index:
        assert index.search("oil", filters=Filters(since="2020")).total == dated
    listed = runner.invoke(main, ["entities", "--index", str(where)])  # built --no-entities: says so
    assert listed.exit_code == 2 and "no entities" in listed.stderr and "Traceback" not in listed.output


# ---- 5./6. bad input is a message, never an abort -----------------------------------------


def test_bad_names_dates_and_nesting_are_one_line_problems(tmp_path: Path) -> None:
    corpus = articles(tmp_path / "c", "good.txt")
    (corpus / os.fsdecode(b"caf\xe9.txt")).write_text("Bad name\n\nStill an article.\n")
    deep = "[" * 600 + "]" * 600
    (corpus / "feed.jsonl").write_text(
        "\n".join(
            [
                json.dumps({"id": "early", "text": "edge", "date": "0001-01-01T00:00:00+01:00"}),
                json.dumps({"id": "late", "text": "edge", "date": "9999-12-31T23:59:59-01:00"}),
                '{"id": "deep", "text": "x", "meta": ' + deep + "}",
                json.dumps({"id": "fine", "text": "fine record"}),
            ]
        )
    )
    result = CliRunner().invoke(
        main, ["index", "--no-entities", "--index", str(tmp_path / "ix"), str(corpus)]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "caf\\xe9.txt: file name is not valid UTF-8" in result.stderr
    assert "feed.jsonl:3: record nested deeper than 64 levels" in result.stderr
    assert result.stderr.count("outside years 1-9999") == 2
    with Index.open(tmp_path / "ix") as index:
        ids = {h.id for h in index.search("*", limit=50, highlight=False, fold=False).hits}
    assert ids == {"good.txt", "early", "late", "fine"}


def test_a_broken_row_keeps_the_earlier_versions_of_its_file(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    feed = corpus / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": "alpha"}) + "\n" + json.dumps({"id": "b", "text": "beta"}))
    where = tmp_path / "ix"
    Index.build(where, [corpus], entities=False).close()
    feed.write_text(json.dumps({"id": "a", "text": "alpha two"}) + "\n{broken\n")
    with Index.build(where, [corpus], entities=False) as index:
        assert index.last_report is not None and index.last_report.removed == 0
        assert index.search("beta").total == 1 and index.search("two").total == 1
    feed.write_text(json.dumps({"id": "a", "text": "alpha two"}) + "\n")  # fixed: b is really gone
    with Index.build(where, [corpus], entities=False) as index:
        assert index.search("beta").total == 0


def test_empty_jsonl_is_reported(tmp_path: Path) -> None:
    corpus = articles(tmp_path / "c", "a.txt")
    (corpus / "empty.jsonl").write_text("")
    result = CliRunner().invoke(
        main, ["index", "--no-entities", "--index", str(tmp_path / "ix"), str(corpus)]
    )
    assert "empty.jsonl: no records" in result.stderr


def test_same_name_under_two_roots_does_not_replace(tmp_path: Path) -> None:
    first = articles(tmp_path / "one", "x.txt")
    second = tmp_path / "two"
    second.mkdir()
    (second / "x.txt").write_text("Other\n\nA different article about wheat.\n")
    where = tmp_path / "ix"
    Index.build(where, [first], entities=False).close()
    with Index.build(where, [second], entities=False) as index:
        report = index.last_report
        assert report is not None and report.updated == 0 and report.skipped == 1
        assert "duplicate id" in str(report.problems[0]) and str(first / "x.txt") in str(report.problems[0])
        assert index.search("oil").total == 1


# ---- 7. out of space or read-only ----------------------------------------------------------


def _fail_writes(monkeypatch: pytest.MonkeyPatch, code: int, after: int = 0) -> None:
    """Make the index's file writes fail with ``code`` after ``after`` files (as a full disk does)."""
    from whoosh.filedb.filestore import FileStorage

    original = FileStorage.create_file
    created = [0]

    def create_file(self: FileStorage, name: str, *args: object, **kwargs: object) -> object:
        created[0] += 1
        if created[0] > after:
            raise OSError(code, os.strerror(code), os.path.join(self.folder, name))
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(FileStorage, "create_file", create_file)


@pytest.mark.parametrize("after", [0, 2, 4])
def test_disk_full_is_one_line_and_leaves_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    where = tmp_path / "ix"
    seeds = bundled_seeds()
    Index.build(where, [seeds], entities=False).close()
    before = sorted(os.listdir(where))
    extra = articles(tmp_path / "more", "a.txt", "b.txt")
    _fail_writes(monkeypatch, errno.ENOSPC, after)
    result = CliRunner().invoke(main, ["index", "--workers", "1", "--index", str(where), str(extra)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no space left on device while writing" in lines[0], lines
    assert sorted(os.listdir(where)) == before
    monkeypatch.undo()
    with Index.open(where) as index:
        assert index.stats().documents == 5


def test_disk_full_on_a_first_build_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_writes(monkeypatch, errno.ENOSPC, 1)
    with pytest.raises(IndexWriteError, match="no space left"):
        Index.build(tmp_path / "ix", [bundled_seeds()], entities=False)
    assert not (tmp_path / "ix").exists()


def test_read_only_index_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = tmp_path / "ix"
    Index.build(where, [bundled_seeds()], entities=False).close()
    real_open = os.open

    def read_only(path: object, flags: int, *args: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only)
    result = CliRunner().invoke(main, ["index", "--index", str(where)])  # a no-op rescan
    assert result.exit_code == 2 and "read-only file system" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    search = CliRunner().invoke(search_command, ["--index", str(where), "ceasefire"])
    assert search.exit_code == 0  # searching needs no writes


def test_no_op_runs_leave_no_files(tmp_path: Path) -> None:
    where = tmp_path / "ix"
    Index.build(where, [bundled_seeds()], entities=False).close()
    before = sorted(os.listdir(where))
    for _ in range(3):
        Index.build(where, [bundled_seeds()], entities=False).close()
    assert sorted(os.listdir(where)) == before


# ---- 8. readers see rebuilds ---------------------------------------------------------------


def old_and_new(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An index location, a folder about oil, and one about wheat (what a rebuild switches to)."""
    new = tmp_path / "new"
    new.mkdir()
    (new / "w.txt").write_text("Wheat\n\nWheat harvest grew.\n")
    return tmp_path / "ix", articles(tmp_path / "old", "a.txt"), new


def test_open_index_sees_a_rebuild_and_a_replaced_directory(tmp_path: Path) -> None:
    where, old, new = old_and_new(tmp_path)
    reader = Index.build(where, [old], entities=False)
    assert reader.search("oil").total == 1
    Index.build(where, [new], rebuild=True, entities=False).close()
    assert reader.search("oil").total == 0 and reader.search("wheat").total == 1
    for item in where.iterdir():  # the directory itself deleted and built anew
        item.unlink()
    where.rmdir()
    Index.build(where, [old], entities=False).close()
    assert reader.search("oil").total == 1 and reader.search("wheat").total == 0


@pytest.mark.usefixtures("quick_idle")
async def test_tui_sees_a_rebuild(tmp_path: Path) -> None:
    from textual.widgets import Input

    from searchidx.tui import create_app
    from searchidx.tui.widgets import ResultsList

    where, old, new = old_and_new(tmp_path)
    index = Index.build(where, [old], entities=False)
    app = create_app(index=index, timings=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"wheat")
        await settle(pilot)
        assert len(app.screen.query_one(ResultsList).hits) == 0
        Index.build(where, [new], rebuild=True, entities=False).close()
        app.screen.query_one(Input).value = ""
        await pilot.press(*"wheat", "enter")
        await settle(pilot)
        assert len(app.screen.query_one(ResultsList).hits) == 1


def test_location_error_is_a_searchidx_error() -> None:
    assert "nothing was changed" in str(IndexLocationError("/x", "it is a file, not a directory"))


# ---- issue 17: stay inside the root; private index files ------------------------------------


def test_file_links_out_of_the_root_are_skipped_unless_asked(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret\n\nThe password is swordfish.\n")
    news = articles(tmp_path / "news", "a.txt")
    (news / "link.txt").symlink_to(outside / "secret.txt")
    (news / "inner.txt").symlink_to(news / "a.txt")  # inside the root: fine
    result = CliRunner().invoke(main, ["index", "--no-entities", "--index", str(tmp_path / "ix"), str(news)])
    assert result.exit_code == 2
    assert "link.txt: symbolic link to" in result.stderr and "--follow-symlinks" in result.stderr
    with Index.open(tmp_path / "ix") as index:
        assert index.search("swordfish").total == 0 and index.count("oil", fold=False) == 2  # a.txt twice
    followed = CliRunner().invoke(
        main, ["index", "--no-entities", "--follow-symlinks", "--index", str(tmp_path / "ix"), str(news)]
    )
    assert followed.exit_code == 0, followed.output
    with Index.open(tmp_path / "ix") as index:
        assert index.search("swordfish").total == 1


def test_index_files_are_private(tmp_path: Path) -> None:
    where = tmp_path / "ix"
    Index.build(where, [bundled_seeds()], entities=False).close()
    assert where.stat().st_mode & 0o777 == 0o700
    modes = {p.name: p.stat().st_mode & 0o777 for p in where.iterdir() if p.is_file()}
    assert modes and all(mode == 0o600 for mode in modes.values()), modes


def test_nfd_articles_and_queries_meet_nfc_ones(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "nfd.txt").write_text(
        "Talks\n\nMevlu\u0308t C\u0327avus\u0327og\u0306lu met officials in Krako\u0301w.\n"
    )
    (corpus / "nfc.txt").write_text("Visit\n\nRecep Tayyip Erdoğan spoke about the cease\u200bfire.\n")
    with Index.build(tmp_path / "ix", [corpus], entities=False) as index:
        for query in ("cavusoglu", "Çavuşoğlu", "C\u0327avus\u0327og\u0306lu", "krakow"):
            assert [h.id for h in index.search(query).hits] == ["nfd.txt"], query
        for query in ("erdogan", "Erdog\u0306an", "ceasefire"):
            assert [h.id for h in index.search(query).hits] == ["nfc.txt"], query


def test_lone_surrogates_are_replaced_with_a_warning(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "feed.jsonl").write_text(
        '{"id": "s", "title": "Half \\ud800 pair", "text": "oil \\udc00 talks"}\n'
    )
    runner = CliRunner()
    result = runner.invoke(main, ["index", "--no-entities", "--index", str(tmp_path / "ix"), str(corpus)])
    assert result.exit_code == 0 and "feed.jsonl:1: lone surrogate" in result.stderr
    for args in (["oil"], ["--json", "oil"]):
        found = runner.invoke(search_command, ["--index", str(tmp_path / "ix"), *args])
        assert found.exit_code == 0 and "\ufffd" in found.stdout, found.output
    assert json.loads(found.stdout.splitlines()[-1])["type"] == "summary"


def test_giant_tokens_neither_index_nor_grow_the_stem_file(tmp_path: Path) -> None:
    import random

    rng = random.Random(5)
    letters = "abcdefghijklmnopqrstuvwxyz"
    corpus = tmp_path / "c"
    corpus.mkdir()
    giant = "".join(rng.choice(letters) for _ in range(200_000))
    junk = " ".join("".join(rng.choice(letters) for _ in range(30)) for _ in range(5_000))
    (corpus / "junk.txt").write_text(f"Junk\n\n{giant} {junk} oil\n")
    with Index.build(tmp_path / "ix", [corpus], entities=False) as index:
        assert index.search("oil").total == 1
        assert index.search(giant[:64]).total == 0  # past the token cap: not indexed
        assert index.search(junk.split()[7]).total == 1  # long but allowed: searchable
    stems = json.loads((tmp_path / "ix" / "stems.json").read_text())
    assert stems and max(map(len, stems)) <= 24 and junk.split()[7] not in stems


def test_year_one_months_have_four_digits(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "feed.jsonl").write_text(json.dumps({"id": "old", "text": "oil", "date": "0001-03-04"}) + "\n")
    with Index.build(tmp_path / "ix", [corpus], entities=False) as index:
        assert [m for m, _ in index.facets("oil").months] == ["0001-03"]


def test_one_index_used_by_two_threads_at_once_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from searchidx import IndexInUse, search

    index = Index.build(tmp_path / "ix", [bundled_seeds()], entities=False)
    inside, release = threading.Event(), threading.Event()
    real = search.run_search

    def slow(*args: object, **kwargs: object) -> object:
        inside.set()
        release.wait(10)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(search, "run_search", slow)
    worker = threading.Thread(target=index.search, args=("ceasefire",))
    worker.start()
    assert inside.wait(10)
    with pytest.raises(IndexInUse, match="another thread"):
        index.facets("ceasefire")
    release.set()
    worker.join()
    monkeypatch.undo()
    assert index.search("ceasefire").total == 5  # fine again once the other thread is done


def test_metadata_being_written_by_a_concurrent_first_build_is_not_foreign(tmp_path: Path) -> None:
    from searchidx.storage import inspect_location

    where = tmp_path / "ix"
    where.mkdir()
    (where / "MAIN_WRITELOCK").touch()
    (where / ".searchidx.json.12345.tmp").write_text("{")  # the instant before its rename
    assert inspect_location(where) == "empty"
    (where / "draft.txt").write_text("mine")
    with pytest.raises(IndexLocationError, match=r"draft\.txt"):
        inspect_location(where)
