"""Crash safety, concurrency, hostile files and damaged indexes (fast versions).

`python -m bench.stress` runs the same harness with more trials.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.index import open_dir

from searchidx import Index, IndexCorrupt, IndexNotFound, IndexUntrusted
from searchidx.cli import main, search_command
from searchidx.ingest import bundled_seeds
from tests.harness import INDEX_CMD, children, concurrency, crash_trials, write_batch


def test_sigkill_never_loses_committed_documents(tmp_path: Path) -> None:
    result = crash_trials(tmp_path, trials=3, batch_size=150)
    assert result["opened_after_kill"] == 3
    assert result["inconsistent_states"] == 0 and result["documents_lost"] == 0
    assert result["final_documents"] == 4 * 150


def test_searches_keep_working_during_commits(tmp_path: Path) -> None:
    result = concurrency(tmp_path, readers=2, batches=2, batch_size=100)
    assert result["reader_errors"] == 0, result["first_errors"]
    assert result["counts_went_down"] == 0 and result["searches"] > 0
    assert result["final_documents"] == 300


def test_ctrl_c_stops_cleanly_and_commits_nothing(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "c", tmp_path / "ix"
    write_batch(corpus, 0, 50)
    Index.build(index_dir, [corpus], entities=False).close()
    for batch in range(1, 30):
        write_batch(corpus, batch, 200)
    env = {**os.environ, "SEARCHIDX_INDEX": str(index_dir)}
    proc = subprocess.Popen(
        [*INDEX_CMD, "index", "--no-entities", str(corpus)], env=env, stderr=subprocess.PIPE, text=True
    )
    # Interrupt mid-run, once its segment workers write (a fixed sleep raced start-up on a busy machine).
    deadline = time.monotonic() + 60
    while not children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert Index.open(index_dir).stats().documents == 50


def hostile_corpus(root: Path) -> dict[str, str]:
    """Write bad inputs; return {file name: expected message fragment} for the skipped ones."""
    root.mkdir()
    (root / "good.txt").write_text("Good headline\n\nA fine article about talks.")
    (root / "empty.txt").write_text("")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (root / "nul.txt").write_bytes(b"text with a \x00 NUL byte")
    (root / "latin1.txt").write_bytes("Caf\xe9 culture\n\nThe caf\xe9 in M\xfcnchen.".encode("latin-1"))
    (root / "cp1252.txt").write_bytes("Smart \u201cquotes\u201d\n\nA \u20ac price.".encode("cp1252"))
    (root / "utf16.txt").write_text("Utf sixteen headline\n\nWith a BOM.", encoding="utf-16")
    with (root / "huge.txt").open("wb") as handle:  # 50 MB, sparse
        handle.truncate(50 * 2**20)
    (root / "oneline.txt").write_text(("word " * 200_000).strip())
    (root / "baddate.txt").write_text(" date 2019-13-45 Bad month\n\nBody.")
    (root / "impossible.txt").write_text(" date 2019-02-30 No such day\n\nBody.")
    (root / "feed.jsonl").write_text(
        '{"id": "ok1", "text": "fine"}\n{broken\n"a string"\n{"id": "ok2", "title": "T", "date": "soon"}\n'
    )
    (root / "loop1.txt").symlink_to(root / "loop2.txt")
    (root / "loop2.txt").symlink_to(root / "loop1.txt")
    (root / "dirloop").mkdir()
    (root / "dirloop" / "up").symlink_to(root, target_is_directory=True)
    return {
        "empty.txt": "empty article",
        "binary.txt": "binary",
        "nul.txt": "binary",
        "huge.txt": "too large",
        "feed.jsonl": "invalid JSON",
        "loop1.txt": "cannot read",
        "loop2.txt": "cannot read",
    }


def test_hostile_files_get_messages_and_lose_nothing(tmp_path: Path) -> None:
    expected = hostile_corpus(tmp_path / "bad")
    runner = CliRunner()
    result = runner.invoke(
        main, ["index", "--no-entities", "--index", str(tmp_path / "ix"), str(tmp_path / "bad")]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    for name, fragment in expected.items():
        assert any(name in line and fragment in line for line in result.stderr.splitlines()), name
    assert "2019-13-45" in result.stderr and "2019-02-30" in result.stderr  # warnings, still indexed
    with Index.open(tmp_path / "ix") as index:
        ids = {h.id for h in index.search("-zzzz", limit=100, highlight=False, fold=False).hits}
    assert ids == {
        "good.txt",
        "latin1.txt",
        "cp1252.txt",
        "utf16.txt",
        "oneline.txt",
        "baddate.txt",
        "impossible.txt",
        "ok1",
        "ok2",
    }
    with Index.open(tmp_path / "ix") as index:
        assert index.search("münchen").total == 1 and index.search("price").total == 1
    # Exit 0 when nothing is skipped, even with warnings.
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "w.txt").write_text(" date 2019-02-30 Warn only\n\nBody.")
    ok = runner.invoke(main, ["index", "--no-entities", "--index", str(tmp_path / "ix2"), str(clean)])
    assert ok.exit_code == 0 and "warning" in ok.stderr


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "c"
    root.mkdir()
    (root / "secret.txt").write_text("x")
    original = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    with Index.build(tmp_path / "ix", [root], entities=False) as index:
        report = index.last_report
        assert report is not None and "Permission denied" in str(report.problems[0])


def _seeded(tmp_path: Path) -> Path:
    where = tmp_path / "ix"
    Index.build(where, [bundled_seeds()], entities=False).close()
    return where


@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_damaged_segment_gives_rebuild_message(tmp_path: Path, damage: str) -> None:
    where = _seeded(tmp_path)
    segment = next(where.glob("*.seg"))
    if damage == "truncate":
        with segment.open("r+b") as handle:
            handle.truncate(500)
    else:
        segment.unlink()
    with pytest.raises(IndexCorrupt, match="rebuild"):
        Index.open(where).search("idlib")
    result = CliRunner().invoke(search_command, ["--index", str(where), "idlib"])
    assert result.exit_code == 2 and "searchidx index --rebuild" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_lock_file_is_recreated(tmp_path: Path) -> None:
    where = _seeded(tmp_path)
    (where / "MAIN_WRITELOCK").unlink()
    with Index.open(where) as index:
        assert index.update([bundled_seeds()]).unchanged == 5


def test_garbled_metadata_is_reported(tmp_path: Path) -> None:
    where = _seeded(tmp_path)
    (where / "searchidx.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="rebuild"):
        Index.open(where)


def test_world_writable_index_is_refused_unless_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = _seeded(tmp_path)
    where.chmod(0o777)
    with pytest.raises(IndexUntrusted, match="writable by any user"):
        Index.open(where)
    monkeypatch.setenv("SEARCHIDX_TRUSTED_INDEXES", str(where))
    assert Index.open(where).search("idlib").total == 5


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the index to another user")
def test_index_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    where = _seeded(tmp_path)
    os.chown(where, 65534, 65534)
    with pytest.raises(IndexUntrusted, match="owned by another user"):
        Index.open(where)


def test_planted_leftover_of_an_old_rebuild_is_left_alone(tmp_path: Path) -> None:
    # Rebuilds happen in place now: a `.ix.old-PID` beside the index is someone else's, never ours.
    planted = tmp_path / f".ix.old-{2**22 + 12345}"
    Index.build(planted, [bundled_seeds()], entities=False).close()
    with pytest.raises(IndexNotFound):
        Index.open(tmp_path / "ix")
    assert not (tmp_path / "ix").exists() and (planted / "searchidx.json").exists()


def test_json_output_escapes_control_characters(tmp_path: Path) -> None:
    (tmp_path / "evil.txt").write_text("Evil \x1b[2J title\n\nBody \x1b]0;x\x07 and \u202ereversed text.\n")
    Index.build(tmp_path / "ix", [tmp_path / "evil.txt"], entities=False).close()
    out = CliRunner().invoke(search_command, ["--index", str(tmp_path / "ix"), "--json", "body"]).stdout
    assert "\x1b" not in out and "\x07" not in out
    assert json.loads(out.splitlines()[0])["data"]["title"] == "Evil \x1b[2J title"
    human = CliRunner().invoke(search_command, ["--index", str(tmp_path / "ix"), "body"]).stdout
    assert "\u202e" not in human and "\x1b" not in human


def test_lock_timeout_is_configurable(tmp_path: Path) -> None:
    where = _seeded(tmp_path)
    holder = open_dir(str(where)).writer()  # another writer holds the lock
    try:
        started = time.perf_counter()
        result = CliRunner().invoke(
            main, ["index", "--index", str(where), "--lock-timeout", "0.3", str(bundled_seeds())]
        )
        assert result.exit_code == 2 and "another process" in result.stderr
        assert time.perf_counter() - started < 5
    finally:
        holder.cancel()


class _Payload:
    """Unpickling this creates a marker file: proof that planted code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def _plant(where: Path, marker: Path) -> Path:
    import pickle

    from whoosh.system import pack_int, pack_long

    # A compound segment starts with the offset and length of its pickled directory.
    payload = pickle.dumps(_Payload(marker))
    segment = next(where.glob("MAIN_*.seg"))
    segment.write_bytes(pack_long(12) + pack_int(len(payload)) + payload)
    return segment


@pytest.mark.parametrize("setup", ["world-writable file", "foreign file", "shared group"])
def test_planted_segment_never_runs(tmp_path: Path, setup: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if setup != "world-writable file" and os.geteuid() != 0:
        pytest.skip("needs root to give a file to another user or group")
    where = _seeded(tmp_path)
    marker = tmp_path / "pwned"
    segment = _plant(where, marker)
    if setup == "world-writable file":
        segment.chmod(0o666)
    elif setup == "foreign file":
        os.chown(segment, 65534, -1)
    else:
        for item in (where, *where.iterdir()):
            os.chown(item, -1, 65534)
            item.chmod(item.stat().st_mode | 0o020)
    with pytest.raises(IndexUntrusted):
        Index.open(where).search("idlib")
    result = CliRunner().invoke(search_command, ["--index", str(where), "idlib"])
    assert result.exit_code == 2 and "refusing to open index" in result.stderr
    assert not marker.exists()
    # The check is what stops it: trusted explicitly, the planted pickle does run.
    monkeypatch.setenv("SEARCHIDX_TRUSTED_INDEXES", "*")
    with contextlib.suppress(Exception):
        Index.open(where).search("idlib")
    assert marker.exists()


def test_file_planted_after_open_is_checked_before_the_next_search(tmp_path: Path) -> None:
    where = _seeded(tmp_path)
    index = Index.open(where)
    assert index.search("idlib").total == 5
    Index.build(where, [bundled_seeds(), _extra(tmp_path)], entities=False).close()  # a new commit
    marker = tmp_path / "pwned"
    _plant(where, marker).chmod(0o666)
    with pytest.raises(IndexUntrusted):
        index.search("idlib")
    assert not marker.exists()


def _extra(tmp_path: Path) -> Path:
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "x.txt").write_text("Extra\n\nMore about Idlib.\n")
    return folder


def test_opening_survives_a_commit_deleting_the_table_of_contents_it_was_reading(
    seeds_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whoosh reads the newest table of contents when opened and again for the schema; a commit
    # between the two deletes the one it listed (seen in CI as a FileNotFoundError from a search).
    from whoosh import index as windex

    real = windex.open_dir
    vanished: list[int] = []

    class Stale:
        def __init__(self, ix: object) -> None:
            self.ix = ix

        @property
        def schema(self) -> object:
            vanished.append(1)
            raise FileNotFoundError(2, "No such file or directory", "_MAIN_0.toc")

    def open_dir(*args: object, **kwargs: object) -> object:
        ix = real(*args, **kwargs)
        return Stale(ix) if not vanished else ix

    monkeypatch.setattr(windex, "open_dir", open_dir)
    with Index.open(seeds_index.path) as index:
        assert index.search("ceasefire").total == 5
    assert vanished == [1]
