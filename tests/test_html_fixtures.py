"""Saved article pages with hand-marked answers (issue 13): title, date and body of each page.

Every page in tests/fixtures/html is read as ``searchidx index`` reads it, and its title and
publication date must be exactly the hand-marked ones (no date for a page whose metadata states
none) and its body's token F1 at least 0.9. ``python -m bench.html_extraction`` prints the same
scores (it imports them from here: tests never import bench).

Body token F1: tokens are lower-cased words (runs of letters and digits; a Chinese or Japanese
character is a token by itself, those scripts having no spaces), compared as multisets:
precision = shared / extracted, recall = shared / hand-marked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from searchidx.fields import parse_date
from searchidx.ingest import read_file
from searchidx.ingest_web import HTML_SUFFIXES

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "html"
F1_TARGET = 0.9
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_TOKEN = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])[^\W_])+")


@dataclass
class PageScore:
    """How the extraction of one page compares with its hand-marked answer."""

    name: str
    title_ok: bool
    date_ok: bool
    precision: float
    recall: float
    f1: float
    title: str
    date: str | None
    problems: list[str]

    @property
    def passed(self) -> bool:
        """Whether the page meets the target."""
        return self.title_ok and self.date_ok and self.f1 >= F1_TARGET


def tokens(text: str) -> Counter[str]:
    """The multiset of lower-cased words of a text."""
    return Counter(_TOKEN.findall(text.lower()))


def token_prf(extracted: str, expected: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the extracted text's tokens against the expected text's."""
    got, want = tokens(extracted), tokens(expected)
    shared = sum((got & want).values())
    if not shared:
        return 0.0, 0.0, 0.0
    precision, recall = shared / sum(got.values()), shared / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def pages(folder: Path = FIXTURES) -> list[Path]:
    """The saved pages of the fixture folder that have a hand-marked answer, sorted."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in HTML_SUFFIXES and (folder / f"{p.stem}.expected.json").is_file()
    )


def score_page(page: Path) -> PageScore:
    """Read one page as ``searchidx index`` does and score it against its answer."""
    expected = json.loads((page.parent / f"{page.stem}.expected.json").read_text(encoding="utf-8"))
    articles, problems = read_file(page, page.parent)
    notes = [p.reason for p in problems]
    if len(articles) != 1:
        return PageScore(page.name, False, False, 0.0, 0.0, 0.0, "", None, notes or ["no article"])
    article = articles[0]
    want_date: dt.datetime | None = parse_date(expected["date"]) if expected["date"] else None
    precision, recall, f1 = token_prf(article.body, expected["text"])
    return PageScore(
        name=page.name,
        title_ok=" ".join(article.title.split()) == " ".join(expected["title"].split()),
        date_ok=article.date == want_date,
        precision=precision,
        recall=recall,
        f1=f1,
        title=article.title,
        date=article.date.isoformat() if article.date else None,
        problems=notes,
    )


PAGES = pages()


def test_the_fixtures_are_many_varied_and_small() -> None:
    assert len(PAGES) >= 20
    assert {p.suffix for p in PAGES} == {".html", ".htm", ".xhtml"}
    assert sum(f.stat().st_size for f in FIXTURES.iterdir()) < 500_000
    answers = [json.loads((p.parent / f"{p.stem}.expected.json").read_text("utf-8")) for p in PAGES]
    assert all(set(a) == {"title", "date", "text"} and a["title"] and a["text"] for a in answers)
    assert sum(a["date"] is None for a in answers) >= 3  # pages whose metadata gives no date
    not_utf8 = 0
    for page in PAGES:
        try:
            page.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            not_utf8 += 1
    assert not_utf8 >= 4


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_title_date_and_body_match_the_hand_marked_answer(page: Path) -> None:
    score = score_page(page)
    assert score.problems == []
    assert score.title_ok, score.title
    assert score.date_ok, score.date
    assert score.f1 >= F1_TARGET, (score.precision, score.recall)


def test_token_f1() -> None:
    assert token_prf("The cat sat.", "the CAT sat") == (1.0, 1.0, 1.0)
    precision, recall, f1 = token_prf("the cat sat on the mat", "the cat sat")
    assert (precision, recall) == (0.5, 1.0) and f1 == pytest.approx(2 / 3)
    assert token_prf("", "words") == (0.0, 0.0, 0.0)
    assert token_prf("桜まつり", "桜まつり、屋台")[1] == pytest.approx(4 / 6)  # one token a character
