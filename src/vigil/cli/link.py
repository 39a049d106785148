"""``vigil link``: identifiers out of texts, and a case's entity graph for Gephi or Maltego.

Scripts rely on these commands and their output, exactly as documented:
``vigil link extract FILE`` prints one JSON line per identifier
(``{"id", "type", "value", "normalized", "start", "end"}``);
``vigil link graph --case CASE --format graphml|gexf|csv --out FILE``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import typer

from vigil.cli.context import handles_errors, open_services
from vigil.errors import InvalidInput, NotFound
from vigil.security.actor import Actor

app = typer.Typer(
    help="Perpetrator linking: identifiers, entity graph, exports.", no_args_is_help=True
)


def _records(stream: TextIO) -> Iterator[tuple[object, str]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise InvalidInput(f"line {number} is not JSON", field="FILE") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise InvalidInput(f"line {number} needs a string 'text'", field="FILE")
        yield record.get("id"), record["text"]


@app.command("extract")
@handles_errors
def extract(
    file: str = typer.Argument(..., help="JSONL with 'id' and 'text' per line ('-' for stdin)."),
) -> None:
    """Print one JSON line per identifier found: id, type, value, normalized, start, end."""
    from vigil.linking.extract import IdentifierExtractor

    extractor = IdentifierExtractor()
    if file == "-":
        stream: TextIO = sys.stdin
    else:
        path = Path(file)
        if not path.is_file():
            raise NotFound(f"no file {file}")
        stream = path.open(encoding="utf-8")
    try:
        for source_id, text in _records(stream):
            for identifier in extractor.extract(text):
                typer.echo(json.dumps(identifier.as_json(source_id), ensure_ascii=False))
    finally:
        if stream is not sys.stdin:
            stream.close()


@app.command("graph")
@handles_errors
def graph(
    case: str = typer.Option(..., "--case", help="The case reference."),
    fmt: str = typer.Option(..., "--format", help="graphml, gexf or csv (Maltego import)."),
    out: Path = typer.Option(..., "--out", help="The file to write."),
) -> None:
    """Write the case's entity graph (its traces, linked cases, public posts around them)."""
    from vigil.linking.export import FORMATS, export_graph

    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r} (use {', '.join(FORMATS)})", field="--format")
    with open_services() as services:
        entity_graph = services.linking.case_graph(Actor.operator(), case)
    export_graph(entity_graph, fmt, out)
    typer.echo(
        f"{entity_graph.number_of_nodes()} nodes, {entity_graph.number_of_edges()} edges → {out}",
        err=True,
    )


@app.command("sync")
@handles_errors
def sync(
    case: list[str] = typer.Option([], "--case", help="Case reference (repeatable); default all."),
    posts: bool = typer.Option(True, "--posts/--no-posts", help="Also record monitored posts."),
) -> None:
    """Put cases' reports, notes, identifiers and evidence, and monitored posts, into the graph."""
    from vigil.flows.link_traces import link_case, link_posts

    operator = Actor.operator()
    with open_services() as services:
        refs = case or [c.reference for c in services.cases.list(operator, limit=1_000_000)]
        new_links = sum(link_case(services, operator, ref) for ref in refs)
        recorded = link_posts(services, operator) if posts else 0
    typer.echo(f"{len(refs)} cases, {recorded} posts, {new_links} new case links")
