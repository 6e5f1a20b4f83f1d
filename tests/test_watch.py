"""searchidx watch (issue 13): files that appear, change or vanish are indexed in batches."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from searchidx import Index
from searchidx.models import IndexReport
from searchidx.watch import watch


def _until(done: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(0.05)
    return False


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
        assert _until(lambda: len(reports) == 1) and reports[0].added == 1
        time.sleep(0.5)  # the watcher is listening
        (src / "b.txt").write_text("Gas fell.\n", encoding="utf-8")
        (src / "notes.bin").write_bytes(b"\x00")  # not an article: no commit for it alone
        assert _until(lambda: sum(r.added for r in reports) == 2)
        with Index.open(tmp_path / "ix") as index:  # another reader sees the commit
            assert index.search("gas").total == 1
        (src / "a.txt").unlink()
        assert _until(lambda: sum(r.removed for r in reports) == 1)
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
