"""Convert the collections in ../shared/data to JSON Lines for searchidx and its peers.

Usage: python -m bench.convert [--data ../shared/data] [--out bench/data] [NAME...]

Names: reuters (19,043 articles with a body), reuters4x (the same four times with
distinct ids), reuters16x (sixteen times: 304,688 articles; not made by default),
cacm (3,204 abstracts + topics + qrels), time (423 articles + queries + judgments
from TIME.REL.ALL). Outputs are generated, never committed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import html
import json
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "bench" / "data"

_REUTERS_RE = re.compile(r"<REUTERS(.*?)>(.*?)</REUTERS>", re.S)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _tag(block: str, name: str) -> str:
    match = re.search(rf"<{name}>(.*?)</{name}>", block, re.S)
    return match.group(1) if match else ""


def _clean(text: str) -> str:
    return _CONTROL_RE.sub("", html.unescape(text)).strip()


def reuters_records(data: Path) -> Iterator[dict[str, Any]]:
    """Yield the Reuters-21578 stories that have a body, dates in UTC."""
    for part in sorted((data / "reuters21578").glob("reut2-*.sgm.gz")):
        text = gzip.decompress(part.read_bytes()).decode("latin-1")
        for attrs, block in _REUTERS_RE.findall(text):
            body = _clean(_tag(block, "BODY")).removesuffix("Reuter").strip()
            if not body:
                continue
            newid = re.search(r'NEWID="(\d+)"', attrs)
            assert newid is not None
            raw_date = " ".join(_tag(block, "DATE").split())
            try:
                when = dt.datetime.strptime(raw_date.split(".")[0], "%d-%b-%Y %H:%M:%S")  # "5-MAR-1987 ..."
                when = when.replace(tzinfo=dt.UTC)
                date: str | None = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                date = None  # a malformed value
            tags = {
                k.lower(): re.findall(r"<D>(.*?)</D>", _tag(block, k))
                for k in ("PLACES", "PEOPLE", "ORGS", "TOPICS")
            }
            yield {
                "id": f"reuters-{newid.group(1)}",
                "title": _clean(_tag(block, "TITLE")).title(),
                "date": date,
                "text": body,
                "source": "Reuters",
                "dateline": _clean(_tag(block, "DATELINE")),
                **tags,
            }


def cacm_records(data: Path) -> Iterator[dict[str, Any]]:
    """Yield CACM documents: the page text without the citation table."""
    with tarfile.open(data / "cacm" / "cacm.tar.gz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if not member.name.endswith(".html"):
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            raw = handle.read().decode("latin-1")
            text = re.sub(r"</?(html|pre)>", "", raw)
            lines = [ln for ln in text.splitlines() if not re.fullmatch(r"\s*\d+\s+\d+\s+\d+\s*", ln)]
            text = "\n".join(lines).strip()
            title, _, rest = text.partition("\n\n")
            yield {"id": Path(member.name).stem, "title": " ".join(title.split()), "text": rest.strip()}


def cacm_topics(data: Path) -> dict[str, str]:
    """Return ``{topic id: query text}``."""
    text = (data / "cacm" / "topics.cacm.txt").read_text(encoding="latin-1")
    return {
        num: " ".join(body.split())
        for num, body in re.findall(r"<DOCNO>\s*(\d+)\s*</DOCNO>(.*?)</DOC>", text, re.S)
    }


def cacm_qrels(data: Path) -> dict[str, dict[str, int]]:
    """Return ``{topic id: {doc id: relevance}}``."""
    qrels: dict[str, dict[str, int]] = {}
    for line in (data / "cacm" / "qrels.cacm.txt").read_text().splitlines():
        qid, _zero, doc, rel = line.split()
        qrels.setdefault(qid, {})[doc] = int(rel)
    return qrels


def time_records(data: Path) -> Iterator[dict[str, Any]]:
    """Yield TIME articles (upper case, as distributed) with their 1963 dates."""
    text = gzip.decompress((data / "time" / "TIME.ALL.gz").read_bytes()).decode("latin-1")
    header = r"\*TEXT\s+(\d+)\s+(\d\d)/(\d\d)[/ ](\d\d)\s+PAGE\s+\d+"
    for match in re.finditer(header + r"(.*?)(?=\*TEXT|\*STOP|\Z)", text, re.S):
        num, month, day, year, body = match.groups()
        body = " ".join(body.split())
        yield {"id": f"TIME-{int(num)}", "date": f"19{year}-{month}-{day}", "text": body}


def time_topics(data: Path) -> dict[str, str]:
    """Return ``{query id: text}`` from TIME.QUE."""
    text = (data / "time" / "TIME.QUE").read_text(encoding="latin-1")
    return {
        num: " ".join(body.split())
        for num, body in re.findall(r"\*FIND\s+(\d+)(.*?)(?=\*FIND|\*STOP|$)", text, re.S)
    }


# TIME.REL.ALL numbers documents by their position in the original 425-document file,
# not by their *TEXT number (judged "268" for Diem/Buddhists is the 268th record, *TEXT
# 334). TIME.ALL holds 423 records: query-word overlap shows two are missing between
# positions 371 and 377 (no judgment falls there), so later positions shift by two.
TIME_GAP_AFTER = 374
TIME_GAP = 2


def time_qrels(data: Path) -> dict[str, dict[str, int]]:
    """Return judgments from TIME.REL.ALL (the original 83-query file), mapped to doc ids."""
    ids = [record["id"] for record in time_records(data)]
    qrels: dict[str, dict[str, int]] = {}
    for line in (data / "time" / "TIME.REL.ALL").read_text().splitlines():
        parts = line.split()
        if len(parts) > 1:
            positions = [int(p) for p in parts[1:]]
            index = [p - 1 if p <= TIME_GAP_AFTER else p - 1 - TIME_GAP for p in positions]
            qrels[parts[0]] = {ids[i]: 1 for i in index if 0 <= i < len(ids)}
    return qrels


def write_jsonl(path: Path, records: Iterator[dict[str, Any]]) -> int:
    """Write records, returning how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def replicate(records: list[dict[str, Any]], times: int) -> Iterator[dict[str, Any]]:
    """Repeat a collection with distinct ids (for a scaling point)."""
    for copy in range(times):
        for record in records:
            yield {**record, "id": f"{record['id']}-x{copy}"} if copy else record


def convert(data: Path, out: Path, names: list[str]) -> None:
    """Write the named collections under ``out``."""
    if {"reuters", "reuters4x", "reuters16x"} & set(names):
        records = list(reuters_records(data))
        if "reuters" in names:
            print("reuters", write_jsonl(out / "reuters.jsonl", iter(records)))
        if "reuters4x" in names:
            print("reuters4x", write_jsonl(out / "reuters4x.jsonl", replicate(records, 4)))
        if "reuters16x" in names:
            print("reuters16x", write_jsonl(out / "reuters16x.jsonl", replicate(records, 16)))
    if "cacm" in names:
        print("cacm", write_jsonl(out / "cacm" / "docs.jsonl", cacm_records(data)))
        (out / "cacm" / "topics.json").write_text(json.dumps(cacm_topics(data)))
        (out / "cacm" / "qrels.json").write_text(json.dumps(cacm_qrels(data)))
    if "time" in names:
        print("time", write_jsonl(out / "time" / "docs.jsonl", time_records(data)))
        (out / "time" / "topics.json").write_text(json.dumps(time_topics(data)))
        (out / "time" / "qrels.json").write_text(json.dumps(time_qrels(data)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["reuters", "reuters4x", "cacm", "time"])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    convert(args.data, args.out, args.names)


if __name__ == "__main__":
    main()
