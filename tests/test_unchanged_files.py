"""An update reads only the files that changed since they were last read cleanly (issue 13, watch)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from searchidx import Index, ingest


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = ingest.iter_file

    def counting(path: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        seen.append(path.name)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("searchidx.update.iter_file", counting)
    return seen


def _build(tmp_path: Path, src: Path, **options: object) -> Index:
    return Index.build(tmp_path / "ix", [src], entities=False, workers=1, **options)  # type: ignore[arg-type]


def test_untouched_files_are_not_read_again(tmp_path: Path, reads: list[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Oil rose.\n", encoding="utf-8")
    (src / "b.txt").write_text("Gas fell.\n", encoding="utf-8")
    (src / "c.jsonl").write_text(
        '{"id": "c1", "text": "Coal."}\n{"id": "c2", "text": "Wind."}\n', encoding="utf-8"
    )
    _build(tmp_path, src).close()
    assert sorted(reads) == ["a.txt", "b.txt", "c.jsonl"]
    reads.clear()
    with _build(tmp_path, src) as index:
        assert reads == []
        assert index.last_report is not None and index.last_report.unchanged == 4
    (src / "a.txt").write_text("Oil rose sharply.\n", encoding="utf-8")  # changed
    (src / "b.txt").unlink()  # gone
    with _build(tmp_path, src) as index:
        assert reads == ["a.txt"]
        report = index.last_report
        assert report is not None and (report.updated, report.removed, report.unchanged) == (1, 1, 2)
        assert index.search("sharply").total == 1 and index.search("gas").total == 0


def test_a_rewrite_that_keeps_size_and_time_is_read(tmp_path: Path, reads: list[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    story = src / "a.txt"
    story.write_text("Oil rose.\n", encoding="utf-8")
    _build(tmp_path, src).close()
    before = story.stat()
    story.write_text("Oil fell.\n", encoding="utf-8")  # same size
    os.utime(story, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old time
    reads.clear()
    with _build(tmp_path, src) as index:
        assert reads == ["a.txt"] and index.search("fell").total == 1


def test_files_with_problems_and_new_column_maps_are_read_every_time(
    tmp_path: Path, reads: list[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "bad.jsonl").write_text('{"id": "ok", "text": "Fine."}\nnot json\n', encoding="utf-8")
    (src / "t.csv").write_text("Heading,Story\nOil,Oil rose.\n", encoding="utf-8")
    _build(tmp_path, src, columns={"title": "Heading", "text": "Story"}).close()
    reads.clear()
    with _build(tmp_path, src) as index:  # the problem is reported again, not hidden
        assert "bad.jsonl" in reads and index.last_report is not None and index.last_report.skipped == 1
    reads.clear()
    _build(tmp_path, src, columns={"title": "Heading", "text": "Story"}).close()
    assert sorted(reads) == ["bad.jsonl", "t.csv"]  # a mapping may read the same bytes differently
