"""File sources: JSONL and CSV files, and folders of them that are watched for new lines."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from vigil.errors import InvalidInput, VigilError
from vigil.monitoring.base import Fetched, Source
from vigil.monitoring.models import post_from_record

#: CSV columns folded into an author object.
_AUTHOR_COLUMNS = {
    "author_handle": "handle",
    "author_id": "id",
    "author_name": "name",
    "author_created_at": "created_at",
}


def _path(config: Mapping[str, Any]) -> Path:
    return Path(str(config["path"])).expanduser()


#: Longest line read: a post is a few KiB; a 200 MB line is skipped, not decoded.
MAX_LINE_BYTES = 1024 * 1024


def _lines(handle: BinaryIO) -> Iterator[tuple[bytes | None, int]]:
    """Each line with its length; ``None`` for a line over ``MAX_LINE_BYTES`` (skipped)."""
    while raw := handle.readline(MAX_LINE_BYTES + 1):
        if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield raw, len(raw)
            continue
        length = len(raw)
        while (rest := handle.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
            length += len(rest)
        yield None, length + len(rest)


def read_jsonl(
    path: Path, start: Mapping[str, Any], platform: str | None, state: dict[str, Any]
) -> Iterator[Fetched]:
    """Lines after byte ``offset``; ``state`` is updated before each yield."""
    if not path.is_file():
        raise InvalidInput(f"no such file: {path.name}", field="path")
    size = path.stat().st_size
    offset = int(start.get("offset", 0))
    line_no = int(start.get("line", 0))
    if offset > size:  # truncated or replaced: read it again from the start
        offset, line_no = 0, 0
    state.update(offset=offset, line=line_no)
    with path.open("rb") as handle:
        handle.seek(offset)
        for raw, length in _lines(handle):
            line_no += 1
            if raw is None:  # never held in memory whole: one bad line, then the next
                offset += length
                state.update(offset=offset, line=line_no)
                yield Fetched(
                    error=f"line longer than {MAX_LINE_BYTES} bytes", item=f"line {line_no}"
                )
                continue
            complete = raw.endswith(b"\n")
            text = raw.decode("utf-8", errors="replace").strip()
            if not text:
                offset += len(raw)
                state.update(offset=offset, line=line_no)
                continue
            try:
                record = json.loads(text)
                if not isinstance(record, dict):
                    raise InvalidInput("each line must be a JSON object")
                post = post_from_record(record, platform=platform)
            except json.JSONDecodeError as exc:
                if not complete:  # a line still being written: wait for its end
                    return
                offset += len(raw)
                state.update(offset=offset, line=line_no)
                yield Fetched(error=f"not JSON: {exc.msg}", item=f"line {line_no}")
                continue
            except RecursionError:  # hostile nesting: one bad line, not a crash
                offset += len(raw)
                state.update(offset=offset, line=line_no)
                yield Fetched(error="not JSON: nested too deeply", item=f"line {line_no}")
                continue
            except VigilError as exc:
                offset += len(raw)
                state.update(offset=offset, line=line_no)
                yield Fetched(error=exc.message, item=f"line {line_no}")
                continue
            offset += len(raw)
            state.update(offset=offset, line=line_no)
            yield Fetched(post=post)


def _csv_record(row: Mapping[str, str | None]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    author: dict[str, str] = {}
    for key, value in row.items():
        if key is None or value is None or value == "":
            continue
        if key in _AUTHOR_COLUMNS:
            author[_AUTHOR_COLUMNS[key]] = value
        else:
            record[key] = value
    if author:
        if "author" in record:
            author.setdefault("handle", record["author"])
        record["author"] = author
    return record


def read_csv(
    path: Path,
    start: Mapping[str, Any],
    platform: str | None,
    state: dict[str, Any],
    delimiter: str = ",",
) -> Iterator[Fetched]:
    """Rows after ``rows`` already read (quoted fields may span lines, so count rows)."""
    if not path.is_file():
        raise InvalidInput(f"no such file: {path.name}", field="path")
    done = int(start.get("rows", 0))
    state.update(rows=done)
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        try:
            for index, row in enumerate(reader, start=1):
                if index <= done:
                    continue
                try:
                    post = post_from_record(_csv_record(row), platform=platform)
                except VigilError as exc:
                    state.update(rows=index)
                    yield Fetched(error=exc.message, item=f"row {index}")
                    continue
                state.update(rows=index)
                yield Fetched(post=post)
        except csv.Error as exc:  # e.g. a field over the csv module's size limit
            yield Fetched(error=f"not CSV: {exc}", item=f"line {reader.line_num}")


class JsonlFileSource(Source):
    name = "jsonl"
    description = "A JSON Lines file, one post per line (the vigil scan input format)."
    required = ("path",)

    def fetch(self) -> Iterator[Fetched]:
        yield from read_jsonl(
            _path(self.config),
            dict(self._checkpoint),
            self.config.get("platform"),
            self._checkpoint,
        )


class CsvFileSource(Source):
    name = "csv"
    description = "A CSV file with a header row (text, id, platform, author, created_at, ...)."
    required = ("path",)
    optional = ("delimiter",)

    def fetch(self) -> Iterator[Fetched]:
        yield from read_csv(
            _path(self.config),
            dict(self._checkpoint),
            self.config.get("platform"),
            self._checkpoint,
            str(self.config.get("delimiter") or ","),
        )


class FolderSource(Source):
    """Every ``*.jsonl`` and ``*.csv`` file in a folder; new files and new lines on each run."""

    name = "folder"
    description = "A watched folder of JSONL and CSV files."
    required = ("path",)
    optional = ("pattern",)

    def fetch(self) -> Iterator[Fetched]:
        folder = _path(self.config)
        if not folder.is_dir():
            raise InvalidInput(f"no such folder: {folder.name}", field="path")
        files: dict[str, dict[str, Any]] = self._checkpoint.setdefault("files", {})
        pattern = str(self.config.get("pattern") or "*")
        for path in sorted(folder.glob(pattern)):
            suffix = path.suffix.lower()
            if not path.is_file() or suffix not in (".jsonl", ".csv", ".ndjson"):
                continue
            state = files.setdefault(path.name, {})
            start = dict(state)
            platform = self.config.get("platform")
            reader = (
                read_csv(path, start, platform, state)
                if suffix == ".csv"
                else read_jsonl(path, start, platform, state)
            )
            for fetched in reader:
                if fetched.error:
                    yield Fetched(error=fetched.error, item=f"{path.name} {fetched.item}")
                else:
                    yield fetched

    def checkpoint(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._checkpoint))  # type: ignore[no-any-return]
