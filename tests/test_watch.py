"""searchidx watch (issue 13): files that appear, change or vanish are indexed in batches."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from searchidx import Index
from searchidx import watch as watch_module
from searchidx.models import IndexReport
from searchidx.watch import _Batch, watch
from tests.harness import until


def test_watch_indexes_what_appears_changes_and_vanishes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Oil rose.\n", encoding="utf-8")
    reports: list[IndexReport] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(tmp_path / "ix", [src]),
        kwargs={
            "on_commit": reports.append,
            "stop": stop,
            "commit_seconds": 0.3,
            "entities": False,
            "workers": 1,
        },
    )
    thread.start()
    try:
        assert until(lambda: len(reports) == 1) and reports[0].added == 1
        time.sleep(0.5)  # the watcher is listening
        (src / "b.txt").write_text("Gas fell.\n", encoding="utf-8")
        (src / "notes.bin").write_bytes(b"\x00")  # not an article: no commit for it alone
        assert until(lambda: sum(r.added for r in reports) == 2)
        with Index.open(tmp_path / "ix") as index:  # another reader sees the commit
            assert index.search("gas").total == 1
        (src / "a.txt").unlink()
        assert until(lambda: sum(r.removed for r in reports) == 1)
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()
    assert all(not r.problems for r in reports)


def test_the_watch_command_stops_cleanly_on_a_signal(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Oil rose.\n", encoding="utf-8")
    command = [sys.executable, "-c", "from searchidx.cli import main; main(prog_name='searchidx')"]
    args = ["watch", "--index", str(tmp_path / "ix"), "--every", "0.2", "--workers", "1", str(src)]
    with subprocess.Popen(
        [*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "1 added" in first
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err


def _watching(tmp_path: Path, src: Path, reports: list[IndexReport], **options: object) -> threading.Thread:
    kwargs = {"on_commit": reports.append, "entities": False, "workers": 1, **options}
    thread = threading.Thread(target=watch, args=(tmp_path / "ix", [src]), kwargs=kwargs)
    thread.start()
    return thread


def test_a_file_landing_during_the_first_scan_is_indexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Oil rose.\n", encoding="utf-8")
    build = Index.build

    def scan_then_land(*args: Any, **kwargs: Any) -> Index:
        index = build(*args, **kwargs)
        # After the scan, and no other change comes after it.
        (src / "late.txt").write_text("Gas fell.\n", encoding="utf-8")
        return index

    monkeypatch.setattr(watch_module.Index, "build", scan_then_land)
    reports: list[IndexReport] = []
    stop = threading.Event()
    thread = _watching(tmp_path, src, reports, stop=stop, commit_seconds=0.2)
    try:
        # The watch listens before its first scan: the late file is its next batch (no other change comes).
        assert until(lambda: sum(r.added for r in reports) == 2, timeout=10)
    finally:
        stop.set()
        thread.join(20)
    with Index.open(tmp_path / "ix") as index:
        assert index.search("gas").total == 1


def test_stopping_commits_what_landed_first(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Oil rose.\n", encoding="utf-8")
    reports: list[IndexReport] = []
    stop = threading.Event()
    thread = _watching(tmp_path, src, reports, stop=stop, commit_seconds=600)  # no batch falls due
    try:
        assert until(lambda: len(reports) == 1)
        time.sleep(0.3)
        (src / "b.txt").write_text("Gas fell.\n", encoding="utf-8")
        time.sleep(0.3)  # noticed, or not yet: either way the stop commits it
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()
    assert sum(r.added for r in reports) == 2
    with Index.open(tmp_path / "ix") as index:
        assert index.search("gas").total == 1


def test_a_change_seen_after_a_slow_commit_has_waited_since_the_commit_began() -> None:
    batch = _Batch(seconds=1.0, files=500)
    batch.committing(10.0)  # a commit runs from t=10 ...
    batch.add({"a.txt"}, 12.5)  # ... to 12.5; a.txt landed during it and is seen now
    assert batch.due(12.5)  # it has waited up to 2.5 s already: commit now, not at 13.5
    batch.committing(12.5)
    batch.add(set(), 12.7)  # nothing landed during that commit
    batch.add({"b.txt"}, 13.0)
    assert not batch.due(13.9) and batch.due(14.0)
    full = _Batch(seconds=60.0, files=2)
    full.add({"a.txt", "b.txt"}, 0.0)
    assert full.due(0.0)


def test_the_watch_command_without_paths_watches_the_recorded_roots(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from searchidx.cli import main

    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Oil rose.\n", encoding="utf-8")
    runner = CliRunner()
    nothing = runner.invoke(main, ["watch", "--index", str(tmp_path / "ix")])
    assert nothing.exit_code == 2 and "give the folders (or feed URLs) to watch" in nothing.output
    Index.build(tmp_path / "ix", [src], entities=False, workers=1).close()
    command = [sys.executable, "-c", "from searchidx.cli import main; main(prog_name='searchidx')"]
    args = ["watch", "--index", str(tmp_path / "ix"), "--every", "0.2", "--workers", "1"]
    with subprocess.Popen(
        [*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        assert "1 unchanged" in proc.stdout.readline()  # the recorded folder, scanned
        (src / "b.txt").write_text("Gas fell.\n", encoding="utf-8")
        assert "1 added" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and f"watching {src}" in err
