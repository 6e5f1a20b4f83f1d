"""RSS and Atom feeds (issue 13): one article per entry, ids stable across readings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from searchidx import Index
from searchidx.ingest import read_file
from searchidx.ingest_feed import html_text, iter_feed

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>The Wire: World</title><link>https://news.example.com/</link>
<item>
  <title>Ceasefire holds in Idlib</title>
  <link>https://news.example.com/ceasefire</link>
  <guid isPermaLink="false">wire-1001</guid>
  <pubDate>Fri, 06 Mar 2020 09:30:00 +0200</pubDate>
  <dc:creator>Jane Reporter</dc:creator>
  <description>Short summary only.</description>
  <content:encoded><![CDATA[<p>A ceasefire agreed by Russia and Turkey held in <b>Idlib</b>.</p>
  <p>Monitors reported no air strikes.</p><script>track()</script>]]></content:encoded>
</item>
<item>
  <title>Talks resume in Moscow</title>
  <link>https://news.example.com/talks</link>
  <description>Diplomats met &amp; talked in Moscow.</description>
</item>
<item><description></description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title>
<entry><title>Oil prices rise</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <link href="https://atom.example.com/oil"/><updated>2021-01-02T10:00:00Z</updated>
  <summary type="html">&lt;p&gt;Crude rose on Monday.&lt;/p&gt;</summary></entry>
</feed>"""


# RSS 1.0 (RDF), in ISO-8859-1 as older German, French or Scandinavian sites serve it, with broken items.
RDF = """<?xml version="1.0" encoding="ISO-8859-1"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel rdf:about="https://kurier.example/rss"><title>Der Kurier: Region</title>
  <link>https://kurier.example/</link><description>Nachrichten aus der Region</description>
  <items><rdf:Seq><rdf:li rdf:resource="https://kurier.example/faehre"/>
  <rdf:li rdf:resource="https://kurier.example/bruecke"/></rdf:Seq></items>
</channel>
<item rdf:about="https://kurier.example/faehre">
  <title>Fähre nach Möwenwerder fährt wieder</title><link>https://kurier.example/faehre</link>
  <description>Nach sechs Wochen Reparatur legt die Fähre wieder ab.</description>
  <dc:date>2023-02-14T07:45:00+01:00</dc:date><dc:creator>Jana Kühn</dc:creator>
</item>
<item rdf:about="https://kurier.example/bruecke">
  <title>Brücke gesperrt</title><link>https://kurier.example/bruecke</link>
  <content:encoded><![CDATA[<p>Die Brücke bleibt bis Freitag gesperrt.</p>
  <p>Umleitung über die B 4.</p>]]></content:encoded>
</item>
<item><description></description></item>
<item><title>Ohne Link und ohne Kennung</title><description>Kein Link.</description></item>
</rdf:RDF>"""


def test_rss_entries_are_articles(tmp_path: Path) -> None:
    (tmp_path / "world.rss").write_text(RSS, encoding="utf-8")
    articles, problems = read_file(tmp_path / "world.rss", tmp_path)
    first, second = articles
    assert (first.id, first.url, first.title) == (
        "wire-1001",
        "https://news.example.com/ceasefire",
        "Ceasefire holds in Idlib",
    )
    assert (
        first.body
        == "A ceasefire agreed by Russia and Turkey held in Idlib.\n\nMonitors reported no air strikes."
    )
    assert first.date == dt.datetime(2020, 3, 6, 7, 30, tzinfo=dt.UTC)
    assert (first.source, first.metadata["author"]) == ("The Wire: World", "Jane Reporter")
    assert (
        second.id == "https://news.example.com/talks" and second.body == "Diplomats met & talked in Moscow."
    )
    assert second.date is None  # no date given: none invented
    [problem] = problems
    assert problem.skipped and problem.reason.startswith("entry 3:")


def test_atom_entries_and_updated_is_no_publication_date(tmp_path: Path) -> None:
    (tmp_path / "oil.atom").write_text(ATOM, encoding="utf-8")
    [article], problems = read_file(tmp_path / "oil.atom", tmp_path)
    assert problems == []
    assert article.id.startswith("urn:uuid:") and article.body == "Crude rose on Monday."
    assert article.date is None


def test_an_xml_file_that_is_no_feed_is_one_message(tmp_path: Path) -> None:
    (tmp_path / "notes.xml").write_text("this is <not xml", encoding="utf-8")
    articles, [problem] = read_file(tmp_path / "notes.xml", tmp_path)
    assert articles == [] and problem.skipped and "not an RSS or Atom feed" in problem.reason


def test_html_text_keeps_paragraphs_and_drops_scripts() -> None:
    assert (
        html_text("<p>One &amp; two</p><p>Three<br>four</p><style>x{}</style>")
        == "One & two\n\nThree\n\nfour"
    )
    assert html_text("plain &lt;text&gt;") == "plain <text>"


def test_reading_a_feed_again_adds_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "world.rss").write_text(RSS, encoding="utf-8")
    for added in (2, 0):
        with Index.build(tmp_path / "ix", [src], entities=False, workers=1) as index:
            assert index.last_report is not None and index.last_report.added == added
            assert index.search("ceasefire OR talks").total == 2


def test_a_feed_whose_text_names_a_file_is_not_that_file(tmp_path: Path) -> None:
    # feedparser opens bytes that name a file as that file: a fetched feed must never read local files.
    (tmp_path / "secret.rss").write_text(RSS, encoding="utf-8")
    items = list(iter_feed(str(tmp_path / "secret.rss").encode(), where="https://feeds.example.com/x"))
    assert [type(item).__name__ for item in items] == ["Problem"]


def test_rdf_items_are_articles_and_broken_items_messages(tmp_path: Path) -> None:
    (tmp_path / "region.xml").write_bytes(RDF.encode("iso-8859-1"))
    articles, problems = read_file(tmp_path / "region.xml", tmp_path)
    assert [(a.id, a.url, a.title) for a in articles] == [
        (
            "https://kurier.example/faehre",
            "https://kurier.example/faehre",
            "Fähre nach Möwenwerder fährt wieder",
        ),
        ("https://kurier.example/bruecke", "https://kurier.example/bruecke", "Brücke gesperrt"),
    ]
    first, second = articles
    assert first.body == "Nach sechs Wochen Reparatur legt die Fähre wieder ab."
    assert (first.source, first.metadata["author"]) == ("Der Kurier: Region", "Jana Kühn")
    assert (
        second.body == "Die Brücke bleibt bis Freitag gesperrt.\n\nUmleitung über die B 4."
        and second.date is None
    )
    assert [(p.reason.split(":")[0], p.skipped) for p in problems] == [("entry 3", True), ("entry 4", True)]
    assert "no id and no link" in problems[1].reason


def test_rdf_dc_date_is_the_publication_date(tmp_path: Path) -> None:
    """feedparser files RSS 1.0's <dc:date> under 'updated': for RSS it is the item's date."""
    (tmp_path / "region.rdf").write_bytes(RDF.encode("iso-8859-1"))
    first = read_file(tmp_path / "region.rdf", tmp_path)[0][0]
    assert first.date == dt.datetime(2023, 2, 14, 6, 45, tzinfo=dt.UTC)


def test_atom_broken_entries_are_one_message_each(tmp_path: Path) -> None:
    broken = ATOM.replace(
        "</feed>",
        "<entry><title>No id, no link</title><summary>Text.</summary></entry>"
        "<entry><id>urn:x:empty</id></entry>"
        "<entry><id>urn:x:3</id><title>Gas falls</title><published>2021-01-03T08:00:00+01:00</published>"
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Gas fell.</p></div></content>'
        "</entry></feed>",
    )
    (tmp_path / "energy.atom").write_text(broken, encoding="utf-8")
    articles, problems = read_file(tmp_path / "energy.atom", tmp_path)
    assert [(a.id, a.body) for a in articles] == [
        ("urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6", "Crude rose on Monday."),
        ("urn:x:3", "Gas fell."),
    ]
    assert articles[1].date == dt.datetime(2021, 1, 3, 7, tzinfo=dt.UTC)
    assert [(p.reason.split(":")[0], p.skipped) for p in problems] == [("entry 2", True), ("entry 3", True)]
