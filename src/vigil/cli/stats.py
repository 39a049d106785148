"""``vigil stats``: signed statistics packages for partners, their check and merge, the brief.

``vigil stats export --from DATE --to DATE --out FILE`` (dates inclusive, UTC) writes a signed
zip of tables.json + tables.csv; ``vigil stats verify FILE`` checks it; ``vigil stats merge
FILE... --out FILE`` sums packages of several agencies into one regional package.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from vigil.cli.context import handles_errors, open_services
from vigil.errors import InvalidInput, NotFound
from vigil.outputs import write_output
from vigil.security.actor import Actor

app = typer.Typer(help="Anonymised statistics for partners.", no_args_is_help=True)


def _period(start: str, end: str) -> tuple[datetime, datetime]:
    try:
        first = datetime.fromisoformat(start).replace(tzinfo=UTC)
        last = datetime.fromisoformat(end).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput("dates must look like 2026-01-31", field="--from/--to") from None
    return first, last + timedelta(days=1)


@app.command("export")
@handles_errors
def export(
    start: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD, UTC)."),
    end: str = typer.Option(..., "--to", help="Last day, inclusive."),
    out: Path = typer.Option(..., "--out", help="The package to write (.zip)."),
) -> None:
    """Write a signed package of protected indicator tables (JSON and CSV)."""
    from vigil.insights import package

    first, last = _period(start, end)
    with open_services() as services:
        data = services.insights.export_package(Actor.operator(), first, last)
    write_output(out, data)
    verified = package.verify(data)
    typer.echo(f"{out}: {len(verified.tables)} tables, signed by key {verified.fingerprint}")


@app.command("verify")
@handles_errors
def verify(
    file: Path = typer.Argument(..., help="A package written by 'vigil stats export'."),
    key: list[str] = typer.Option([], "--key", help="Trusted key fingerprint (repeatable)."),
) -> None:
    """Check a package's signature and contents; exit 9 if it was changed."""
    from vigil.insights import package

    if not file.is_file():
        raise NotFound(f"no file {file}")
    verified = package.verify(file.read_bytes(), trusted=set(key) if key else None)
    period = verified.manifest["period"]
    typer.echo(
        f"OK: signed by key {verified.fingerprint}, period {period['from']} to "
        f"{period['to']}, {len(verified.tables)} tables"
    )


@app.command("merge")
@handles_errors
def merge(
    files: list[Path] = typer.Argument(..., help="Packages from several agencies."),
    out: Path = typer.Option(..., "--out", help="The regional package to write."),
) -> None:
    """Combine verified packages into one regional package (signed with this install's key)."""
    blobs = []
    for file in files:
        if not file.is_file():
            raise NotFound(f"no file {file}")
        blobs.append(file.read_bytes())
    with open_services() as services:
        data = services.insights.merge_packages(Actor.operator(), blobs)
    write_output(out, data)
    typer.echo(f"{out}: merged {len(blobs)} packages")


@app.command("brief")
@handles_errors
def brief(
    start: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD, UTC)."),
    end: str = typer.Option(..., "--to", help="Last day, inclusive."),
    out: Path = typer.Option(..., "--out", help="The PDF to write."),
) -> None:
    """Write the PDF brief for a period, with charts and the previous period for comparison."""
    first, last = _period(start, end)
    with open_services() as services:
        data = services.insights.brief(Actor.operator(), first, last)
    write_output(out, data)
    typer.echo(f"{out}: {len(data)} bytes")
