"""Property: random index/rebuild/update/delete commands over random trees never touch other files.

Every command either succeeds or exits 2, and a refusal is one line; no file
outside an index directory changes. ``SEARCHIDX_FUZZ_EXAMPLES`` scales the run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchidx.cli import main, search_command

EXAMPLES = max(30, int(os.environ.get("SEARCHIDX_FUZZ_EXAMPLES", "300")) // 10)
TARGETS = ["ix", "ix2", "other", "file.txt", "news", "news/sub", ".", "empty", "news/sub/ix3"]
SOURCES = ["news", "news/sub", "other", "file.txt", "missing", "news/a.txt", "."]
NAMES = ["a.txt", "b.txt", "sub/c.txt", "sub/d.jsonl", "e.md"]

INDEX = st.tuples(
    st.just("index"),
    st.sampled_from(TARGETS),
    st.lists(st.sampled_from(SOURCES), max_size=2),
    st.booleans(),
)
ADD = st.tuples(st.just("add"), st.sampled_from(NAMES), st.booleans())
DELETE = st.tuples(st.just("delete"), st.sampled_from(NAMES))
SEARCH = st.tuples(st.just("search"), st.sampled_from(TARGETS))
COMMANDS = st.lists(st.one_of(INDEX, INDEX, ADD, DELETE, SEARCH), min_size=1, max_size=6)


def _write(path: Path, dated: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        row = {"id": path.name, "text": "oil talks", "date": "2020-01-02" if dated else None}
        path.write_text(json.dumps(row) + "\n")
    else:
        path.write_text((" date 2020-01-02 " if dated else "") + f"Report {path.name}\n\nOil talks.\n")


def _layout(ws: Path) -> None:
    for name in ("a.txt", "sub/c.txt"):
        _write(ws / "news" / name, dated=name == "a.txt")
    # Never deleted, so news/sub is never an empty directory the user may turn into an index.
    (ws / "news" / "sub" / "photo.jpg").write_bytes(b"\xff\xd8 not an article")
    (ws / "other" / "src").mkdir(parents=True)
    (ws / "other" / "draft.txt").write_text("my draft")
    (ws / "other" / "src" / "main.py").write_text("print('keep')")
    (ws / "file.txt").write_text("a regular file")
    (ws / "empty").mkdir()


def _outside_indexes(ws: Path) -> dict[str, bytes]:
    indexes = [p.parent for p in ws.rglob("searchidx.json")]
    # Directories holding anything of the user's, or the articles, must never become indexes.
    assert not {ws, ws / "other", ws / "news", ws / "news" / "sub"} & set(indexes), indexes
    return {
        str(p.relative_to(ws)): p.read_bytes()
        for p in ws.rglob("*")
        if p.is_file() and not any(p.is_relative_to(i) for i in indexes) and p.name != "MAIN_WRITELOCK"
    }


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(commands=COMMANDS)
def test_commands_never_touch_files_outside_indexes(commands: list[tuple[object, ...]]) -> None:
    ws = Path(tempfile.mkdtemp(prefix="sx-prop-"))
    here = os.getcwd()
    runner = CliRunner()
    try:
        _layout(ws)
        os.chdir(ws)
        for command in commands:
            if command[0] == "add":
                _write(ws / "news" / str(command[1]), bool(command[2]))
                continue
            if command[0] == "delete":
                (ws / "news" / str(command[1])).unlink(missing_ok=True)
                continue
            before = _outside_indexes(ws)
            if command[0] == "search":
                result = runner.invoke(search_command, ["--index", str(command[1]), "oil"])
                assert result.exit_code in (0, 1, 2), result.output
            else:
                _kind, target, sources, rebuild = command
                args = ["index", "--no-entities", "--workers", "1", "--index", str(target)]
                args += ["--rebuild"] if rebuild else []
                result = runner.invoke(main, [*args, *map(str, sources)])  # type: ignore[call-overload]
                assert result.exit_code in (0, 2), (command, result.output)
                if result.exit_code == 2 and not result.stdout:  # refused: one line, nothing written
                    assert len(result.stderr.strip().splitlines()) == 1, (command, result.stderr)
            assert "Traceback" not in result.output and "internal error" not in result.output, command
            assert _outside_indexes(ws) == before, command
            if command[0] == "index" and result.stdout:
                stats = runner.invoke(main, ["stats", "--index", str(command[1])])
                assert stats.exit_code == 0, (command, stats.output)
    finally:
        os.chdir(here)
        shutil.rmtree(ws, ignore_errors=True)
