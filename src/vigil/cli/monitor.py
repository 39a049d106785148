"""``vigil monitor``: sources, runs, file ingest, watchlist, decisions export and reports."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vigil.cli.context import fail, handles_errors, open_services
from vigil.errors import InvalidInput
from vigil.security.actor import Actor

if TYPE_CHECKING:
    from vigil.monitoring.pipeline import RunStats

app = typer.Typer(help="Monitoring: sources, runs, watchlists, reports.", no_args_is_help=True)


def _progress(stats: RunStats) -> None:
    typer.echo(
        f"\r{stats.read:,} read, {stats.stored:,} stored, {stats.flagged:,} flagged, "
        f"{stats.errors:,} errors ({stats.posts_per_second:,.0f} posts/s)",
        err=True,
        nl=False,
    )


def _options(values: list[str]) -> dict[str, object]:
    config: dict[str, object] = {}
    for value in values:
        key, sep, raw = value.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"options are KEY=VALUE, not {value!r}", field="option")
        config[key.strip()] = raw
    return config


@app.command("add-source")
@handles_errors
def add_source(
    name: str = typer.Argument(..., help="A short unique name, e.g. masto-election."),
    kind: str = typer.Option(
        ..., "--kind", help="jsonl, csv, folder, webhook, rss, mastodon, bluesky or telegram."
    ),
    option: list[str] = typer.Option(
        [],
        "--option",
        "-o",
        help="KEY=VALUE, repeatable: path, url, base_url, timeline, tag, account, ...",
    ),
) -> None:
    """Add a source. Webhook sources print their token once: store it now."""
    from vigil.monitoring.schemas import SourceCreate

    with open_services() as services:
        created = services.monitoring.add_source(
            Actor.operator(), SourceCreate(name=name, kind=kind, config=_options(option))
        )
    typer.echo(f"added source {created.source.name} ({created.source.kind})")
    if created.token:
        typer.echo(f"token: {created.token}")
        typer.echo(
            f"push posts to POST /api/v1/monitoring/ingest/{name} with "
            f"'Authorization: Bearer <token>'"
        )


@app.command("sources")
@handles_errors
def sources() -> None:
    """List sources: name, kind, enabled, last checkpoint, last error."""
    with open_services() as services:
        rows = services.monitoring.list_sources(Actor.operator())
    for s in rows:
        when = s.checkpoint_at.isoformat() if s.checkpoint_at else "never"
        typer.echo(
            f"{s.name}\t{s.kind}\t{'on' if s.enabled else 'off'}\t{when}\t{s.last_error or ''}"
        )


@app.command("run")
@handles_errors
def run(
    source: str | None = typer.Option(None, "--source", help="Only this source."),
    once: bool = typer.Option(False, "--once", help="One pass, then exit."),
    engine: str = typer.Option(
        "local", "--engine", help="local, or ray: score posts on Ray workers."
    ),
    address: str | None = typer.Option(None, "--address", help="Ray cluster (--engine ray)."),
) -> None:
    """Read what is new from the sources, store and score it; repeat unless --once."""
    from vigil.scale import make_engine
    from vigil.scale.workers import EngineDetector

    with open_services() as services, make_engine(engine, address=address) as runner:
        if engine != "local":
            services.monitoring.use_detector_factory(lambda tier: EngineDetector(runner, tier))
        while True:
            results = services.monitoring.run(Actor.operator(), name=source, progress=_progress)
            for name, stats in results.items():
                typer.echo(f"\r{name}: {stats.summary()}")
            if once:
                return
            time.sleep(services.monitoring.settings.poll_seconds)


@app.command("ingest")
@handles_errors
def ingest(
    file: Path = typer.Argument(
        ...,
        help="JSON Lines: the vigil scan input format plus "
        "optional platform, author, url, created_at, mentions.",
    ),
    tier: str = typer.Option("fast", "--tier", help="Detection tier: fast or accurate."),
) -> None:
    """Ingest a file of posts: detect, group, tie to watched people, alert on surges."""
    if tier not in ("fast", "accurate"):
        fail("--tier must be fast or accurate", 2)
    with open_services() as services:
        stats = services.monitoring.ingest_file(
            Actor.operator(), file, tier=tier, progress=_progress
        )
    typer.echo(f"\r{stats.summary()}")
    for sample in stats.error_samples:
        typer.echo(f"  {sample}", err=True)


@app.command("watch")
@handles_errors
def watch(
    name: str = typer.Argument(..., help="The person's name as usually written."),
    alias: list[str] = typer.Option([], "--alias", help="Other spellings, other scripts."),
    handle: list[str] = typer.Option([], "--handle", help="Accounts, e.g. @ana@social.example"),
    kind: str = typer.Option(
        "other", "--kind", help="candidate, journalist, activist, official or other."
    ),
) -> None:
    """Add a person at risk to the watchlist."""
    from vigil.monitoring.schemas import PersonCreate

    with open_services() as services:
        person = services.monitoring.watchlist.add(
            Actor.operator(), PersonCreate(name=name, aliases=alias, handles=handle, kind=kind)
        )
    typer.echo(f"watching person {person.id}")


@app.command("export-decisions")
@handles_errors
def export_decisions(
    out: Path = typer.Option(..., "--out", help="JSONL file for vigil train."),
) -> None:
    """Review decisions as JSONL: the scan output of each post plus its label."""
    with open_services() as services, out.open("w", encoding="utf-8") as handle:
        n = 0
        for line in services.monitoring.review.export(Actor.operator()):
            handle.write(line + "\n")
            n += 1
    typer.echo(f"{n} decisions written to {out}")


@app.command("report")
@handles_errors
def report(
    start: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD (UTC)."),
    end: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD (UTC), included."),
    fmt: str = typer.Option("pdf", "--format", help="pdf or csv."),
    out: Path = typer.Option(..., "--out", help="Where to write the report."),
) -> None:
    """The monitoring report for a period, identifiers masked."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        fail("--from and --to are dates like 2026-03-31", 2)
        return
    with open_services() as services:
        data = services.monitoring.report(Actor.operator(), first, last, fmt)
    out.write_bytes(data)
    typer.echo(f"report written to {out} ({len(data):,} bytes)")
