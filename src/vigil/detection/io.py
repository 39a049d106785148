"""Reading posts for scanning (JSONL, CSV, standard input) and writing results.

Kept apart from the CLI so that the monitoring pipeline and notebooks read files the same way.
Malformed records are reported with their line number, never silently dropped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Final, NamedTuple

import orjson

from vigil.detection.base import Result
from vigil.detection.taxonomy import CATEGORIES

FORMATS: Final = ("jsonl", "csv", "table")


class Record(NamedTuple):
    """One post to score (a tuple: made for every line of a big file, at half the cost of a
    frozen dataclass)."""

    line: int
    id: Any
    text: str
    lang: str | None


@dataclass(frozen=True)
class Malformed:
    line: int
    reason: str


def read_jsonl(lines: Iterable[bytes], first: int = 1) -> Iterator[Record | Malformed]:
    """Records of JSONL ``lines``; ``first`` is the line number of the first one."""
    for number, raw in enumerate(lines, first):
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            yield Malformed(number, "not valid JSON")
            continue
        if not isinstance(obj, dict):
            yield Malformed(number, "not a JSON object")
            continue
        text = obj.get("text")
        if not isinstance(text, str):
            yield Malformed(number, "no 'text' string")
            continue
        lang = obj.get("lang")
        yield Record(number, obj.get("id"), text, lang if isinstance(lang, str) and lang else None)


def read_csv(stream: IO[bytes], text_column: str, id_column: str) -> Iterator[Record | Malformed]:
    wrapper = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    try:
        yield from _csv_records(csv.reader(wrapper), text_column, id_column)
    finally:
        wrapper.detach()  # the caller owns and closes the byte stream


def _csv_records(reader: Any, text_column: str, id_column: str) -> Iterator[Record | Malformed]:
    try:
        yield from _csv_rows(reader, text_column, id_column)
    except csv.Error as exc:  # e.g. a field over the csv module's limit: the rest is unreadable
        yield Malformed(reader.line_num, f"not CSV: {exc}")


def _csv_rows(reader: Any, text_column: str, id_column: str) -> Iterator[Record | Malformed]:
    try:
        header = next(reader)
    except StopIteration:
        return
    if text_column not in header:
        yield Malformed(1, f"no column {text_column!r} in the header")
        return
    t = header.index(text_column)
    i = header.index(id_column) if id_column in header else None
    lang_col = header.index("lang") if "lang" in header else None
    for row in reader:
        number = reader.line_num
        if len(row) != len(header):
            yield Malformed(number, f"{len(row)} fields, the header has {len(header)}")
            continue
        lang = row[lang_col] if lang_col is not None else None
        yield Record(number, row[i] if i is not None else None, row[t], lang or None)


def to_json(record_id: Any, result: Result) -> bytes:
    """One output line: ``{"id": …, **result.to_dict()}``, built without the copies."""
    out = {
        "id": record_id,
        "lang": result.lang,
        "gbv": result.gbv,
        "score": result.score,
        "categories": result.categories,
        "flags": result.flags,
        "pii": [p.to_dict() for p in result.pii] if result.pii else [],
        "explanation": [s.to_dict() for s in result.explanation] if result.explanation else [],
    }
    return orjson.dumps(out, option=orjson.OPT_APPEND_NEWLINE)


CSV_HEADER: Final = ["id", "lang", "gbv", "score", "flags", *CATEGORIES, "pii", "explanation"]


def to_csv_row(record_id: Any, result: Result) -> list[str]:
    d = result.to_dict()
    return [
        "" if record_id is None else str(record_id),
        d["lang"],
        str(d["gbv"]).lower(),
        f"{d['score']:.4f}",
        ";".join(d["flags"]),
        *(f"{d['categories'][c]:.4f}" for c in CATEGORIES),
        orjson.dumps(d["pii"]).decode(),
        orjson.dumps(d["explanation"]).decode(),
    ]


def to_table_row(record_id: Any, result: Result, text: str) -> str:
    flags = ",".join(result.flags) or "-"
    snippet = " ".join(text.split())[:50]
    rid = "" if record_id is None else str(record_id)
    verdict = "yes" if result.gbv else "no"
    return (
        f"{rid[:12]:<12} {result.lang:<4} {verdict:<4} {result.score:6.3f}  {flags:<32} {snippet}"
    )


TABLE_HEADER: Final = f"{'id':<12} {'lang':<4} {'gbv':<4} {'score':>6}  {'flags':<32} text"
