"""``vigil scan``: score posts from a JSONL or CSV file (or standard input) for TFGBV.

The output contract is relied on by scripts: one JSON object per valid input record, in input
order, ``{"id", "lang", "gbv", "score", "categories", "flags", "pii", "explanation"}``.
Malformed records are reported on standard error with their line number and skipped, or stop
the run with ``--strict`` (exit code 2, and no output file is left behind).
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import typer

from vigil.cli.context import handles_errors
from vigil.detection import DEFAULT_TIER, Detector, load_detector
from vigil.detection.detectors import AccurateDetector
from vigil.detection.io import (
    CSV_HEADER,
    FORMATS,
    TABLE_HEADER,
    Malformed,
    Record,
    read_csv,
    read_jsonl,
    to_csv_row,
    to_json,
    to_table_row,
)
from vigil.errors import InvalidInput
from vigil.outputs import is_special, temporary_beside
from vigil.scale import Engine, make_engine

#: Records per unit of work: one detector batch (amortises numpy calls and hand-offs), small
#: enough that the workers finish together (the last job runs alone).
CHUNK: Final = 2048
#: Scored once before the input: every script and lookup table the detector uses.
WARM_UP: Final = ["warm up, @user s l u t 0812-3456-7890 1st", "김치녀 ㅋㅋㅋ", "ქალი", "женa"]
#: Inputs with more records than one chunk are spread over worker processes.
_DETECTOR: Detector | None = None  # set in the parent before forking; workers inherit it


def _score(chunk: list[Record], fmt: str) -> bytes:
    assert _DETECTOR is not None
    results = _DETECTOR.predict([r.text for r in chunk], [r.lang for r in chunk])
    if fmt == "jsonl":
        return b"".join(to_json(r.id, res) for r, res in zip(chunk, results, strict=True))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for r, res in zip(chunk, results, strict=True):
            writer.writerow(to_csv_row(r.id, res))
        return buf.getvalue().encode("utf-8")
    return "".join(
        to_table_row(r.id, res, r.text) + "\n" for r, res in zip(chunk, results, strict=True)
    ).encode("utf-8")


#: A unit of work: raw JSONL lines with the number of the first (parsed in the worker, so
#: the parent only moves bytes), or records already parsed (CSV).
Job = tuple[int, list[bytes]] | list[Record]


@dataclass
class Done:
    data: bytes
    malformed: list[Malformed]
    records: int


def _work(job: Job, fmt: str) -> Done:
    if isinstance(job, tuple):
        first, lines = job
        records: list[Record] = []
        malformed: list[Malformed] = []
        for item in read_jsonl(iter(lines), first):
            (malformed if isinstance(item, Malformed) else records).append(item)  # type: ignore[arg-type]
    else:
        records, malformed = job, []
    return Done(_score(records, fmt) if records else b"", malformed, len(records))


def _jobs_jsonl(stream: IO[bytes]) -> Iterator[Job]:
    lines: list[bytes] = []
    first = 1
    for number, raw in enumerate(stream, 1):
        lines.append(raw)
        if len(lines) >= CHUNK:
            yield (first, lines)
            lines, first = [], number + 1
    if lines:
        yield (first, lines)


def _jobs_csv(records: Iterator[Record | Malformed]) -> Iterator[Job]:
    chunk: list[Record] = []
    for item in records:
        if isinstance(item, Malformed):
            if chunk:
                yield chunk
                chunk = []
            yield _Failed(item)
            continue
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Failed(list[Record]):
    """A CSV record that failed to parse in the parent, carried in order with the others."""

    def __init__(self, malformed: Malformed) -> None:
        super().__init__()
        self.malformed = malformed


def _count_lines(path: Path) -> int | None:
    try:
        with path.open("rb") as f:
            return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
    except OSError:
        return None


def _open_input(source: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    path = Path(source)
    if not path.is_file():
        raise InvalidInput(f"no such input file: {source}", field="INPUT")
    return path.open("rb")


def _jobs(requested: int) -> int:
    if requested > 0:
        return requested
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, min(available, 8))


@handles_errors
def scan(
    source: str = typer.Argument(..., metavar="INPUT", help="JSONL or CSV file, or - for stdin."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here, not stdout."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl, csv or table."),
    tier: str = typer.Option(DEFAULT_TIER, "--tier", help="fast or accurate."),
    model: Path | None = typer.Option(
        None, "--model", help="A model folder written by `vigil train` (default: shipped)."
    ),
    text_column: str = typer.Option("text", "--text-column", help="CSV column with the text."),
    id_column: str = typer.Option("id", "--id-column", help="CSV column with the id."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first malformed record."),
    jobs: int = typer.Option(0, "--jobs", help="Worker processes for big inputs (0: all cores)."),
    engine: str = typer.Option(
        "local", "--engine", help="local (this machine's processes) or ray (a Ray cluster)."
    ),
    address: str | None = typer.Option(
        None, "--address", help="Ray cluster address (with --engine ray; default: start one)."
    ),
) -> None:
    """Score posts for TFGBV: categories, flags, personal information and explanations.

    INPUT ending in .csv is read as CSV; anything else, and standard input, as JSONL (standard
    input is read as CSV when --text-column is given).
    """
    global _DETECTOR
    if fmt not in FORMATS:
        raise InvalidInput(f"--format must be one of {', '.join(FORMATS)}", field="--format")
    if tier not in ("fast", "accurate"):
        raise InvalidInput("--tier must be fast or accurate", field="--tier")
    if model is not None and not (model / "model.json").is_file():
        raise InvalidInput(f"{model} is not a model folder (no model.json)", field="--model")
    if engine not in ("local", "ray"):
        raise InvalidInput("--engine must be local or ray", field="--engine")
    if address and engine != "ray":
        raise InvalidInput("--address only applies to --engine ray", field="--address")
    if output is not None and output.is_dir():
        raise InvalidInput(f"--output is a folder: {output}; give a file name", field="--output")
    detector = load_detector(tier, model)
    if isinstance(detector, AccurateDetector) and detector.fallback:
        typer.echo("warning: this model has no accurate tier; using the fast tier", err=True)
    # Lookup tables are built on first use: build them once here, before workers fork.
    detector.predict(WARM_UP)
    _DETECTOR = detector
    cluster: Engine | None = None
    if engine == "ray":
        cluster = make_engine("ray", address=address, workers=jobs or None)

    is_csv = (source != "-" and source.lower().endswith(".csv")) or (
        source == "-" and text_column != "text"
    )
    stream = _open_input(source)
    total = None if source == "-" else _count_lines(Path(source))
    jobs_iter = (
        _jobs_csv(read_csv(stream, text_column, id_column)) if is_csv else _jobs_jsonl(stream)
    )
    errors: list[Malformed] = []
    started = time.perf_counter()
    tmp: Path | None = None
    sink: IO[bytes]
    if output is None:
        sink = sys.stdout.buffer
    elif is_special(output):  # /dev/null, a pipe: written as it goes
        sink = output.open("wb")
    else:
        output, tmp = temporary_beside(output)
        sink = tmp.open("wb")
    done = flagged = 0
    try:
        if fmt == "csv":
            sink.write((",".join(CSV_HEADER) + "\n").encode())
        elif fmt == "table":
            sink.write((TABLE_HEADER + "\n").encode())
        with _Progress(total) as advance:
            results = (
                _run(jobs_iter, fmt, _jobs(jobs))
                if cluster is None
                else cluster.map_batches(
                    ScanWorker(tier, str(model) if model else None, fmt), jobs_iter
                )
            )
            for result in results:
                for bad in result.malformed:
                    typer.echo(f"line {bad.line}: {bad.reason}; skipped", err=True)
                    errors.append(bad)
                    if strict:
                        raise InvalidInput(f"line {bad.line}: {bad.reason} (--strict)")
                sink.write(result.data)
                done += result.records
                flagged += result.data.count(b'"gbv":true') if fmt == "jsonl" else 0
                advance(result.records + len(result.malformed))
        sink.flush()
    except BaseException:
        if output is not None:
            sink.close()
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
        if cluster is not None:
            cluster.close()
    if tmp is not None:
        os.fsync(sink.fileno())  # on disk before it takes the destination's name
    if output is not None:
        sink.close()
    if tmp is not None and output is not None:
        tmp.replace(output)
    seconds = time.perf_counter() - started
    rate = done / seconds if seconds > 0 else 0.0
    summary = f"scanned {done} records in {seconds:.2f} s ({rate:,.0f}/s)"
    if fmt == "jsonl":
        summary += f", {flagged} flagged"
    if errors:
        summary += f", {len(errors)} malformed skipped"
    typer.echo(summary, err=True)


@dataclass(frozen=True)
class ScanWorker:
    """The scan's unit of work on a Ray worker: loads the detector once, then does jobs.

    Runs the very same ``_work`` as the local path, so the output is identical byte for byte.
    """

    tier: str
    model_dir: str | None
    fmt: str

    def __call__(self) -> Callable[[Job], Done]:
        global _DETECTOR
        _DETECTOR = load_detector(self.tier, Path(self.model_dir) if self.model_dir else None)
        fmt = self.fmt

        def work(job: Job) -> Done:
            if isinstance(job, _Failed):
                return Done(b"", [job.malformed], 0)
            return _work(job, fmt)

        return work


def _run(jobs_iter: Iterator[Job], fmt: str, jobs: int) -> Iterator[Done]:
    """Do the jobs in order; spread them over forked workers once there is more than one."""

    def local(job: Job) -> Done:
        if isinstance(job, _Failed):
            return Done(b"", [job.malformed], 0)
        return _work(job, fmt)

    first = next(jobs_iter, None)
    if first is None:
        return
    second = next(jobs_iter, None)
    if second is None or jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield local(first)
        if second is not None:
            yield local(second)
            yield from (local(job) for job in jobs_iter)
        return
    context = multiprocessing.get_context("fork")  # workers inherit the loaded detector
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        pending: deque[Future[Done] | Done] = deque()

        def submit(job: Job) -> Future[Done] | Done:
            return local(job) if isinstance(job, _Failed) else pool.submit(_work, job, fmt)

        for job in _chain(first, second, jobs_iter):
            pending.append(submit(job))
            while len(pending) > 2 * jobs:  # bounded read-ahead keeps memory flat
                item = pending.popleft()
                yield item if isinstance(item, Done) else item.result()
        while pending:
            item = pending.popleft()
            yield item if isinstance(item, Done) else item.result()


def _chain(a: Job, b: Job, rest: Iterator[Job]) -> Iterator[Job]:
    yield a
    yield b
    yield from rest


class _Progress:
    """A progress bar on standard error, shown only to a person at a terminal."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty() or (self.total is not None and self.total < CHUNK):
            return lambda n: None
        from rich.console import Console
        from rich.progress import Progress

        self._progress = Progress(console=Console(stderr=True), transient=True)
        self._progress.start()
        self._task = self._progress.add_task("scanning", total=self.total)
        return lambda n: self._progress.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def main_alone() -> None:
    """``vigil scan …`` on its own: what the console script runs for ``scan``, so that a scan
    does not wait for every other command's imports (about 1.5 s). Same command, same
    options, same exit codes as through the full ``vigil`` app."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.callback()
    def vigil() -> None:
        """Vigil: monitoring, detection, survivor cases and evidence against online GBV."""

    app.command("scan")(scan)
    app(prog_name="vigil")
