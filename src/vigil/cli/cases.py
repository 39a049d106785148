"""``vigil case``: cases from the operator's shell."""

from __future__ import annotations

import typer

from vigil.cli.context import handles_errors, open_services
from vigil.security.actor import Actor

app = typer.Typer(help="Survivor cases.", no_args_is_help=True)


@app.command("new")
@handles_errors
def new(title: str = typer.Option(..., "--title", help="A short title for the case.")) -> None:
    """Open a case and print its reference (one line, nothing else)."""
    from vigil.cases.schemas import CaseCreate

    with open_services() as services:
        case = services.cases.create(Actor.operator(), CaseCreate(title=title))
    typer.echo(case.reference)


@app.command("list")
@handles_errors
def list_cases() -> None:
    """List cases, newest first: reference, status, opened, title."""
    with open_services() as services:
        cases = services.cases.list(Actor.operator())
    for case in cases:
        typer.echo(f"{case.reference}\t{case.status}\t{case.created_at:%Y-%m-%d}\t{case.title}")


@app.command("show")
@handles_errors
def show(reference: str = typer.Argument(..., help="The case reference.")) -> None:
    """Show one case."""
    with open_services() as services:
        case = services.cases.detail(Actor.operator(), reference)
    typer.echo(f"reference: {case.reference}")
    typer.echo(f"title:     {case.title}")
    typer.echo(f"status:    {case.status}")
    typer.echo(f"opened:    {case.created_at.isoformat()}")
    # Identity fields are never printed here: `vigil case show` output may be pasted anywhere.
    typer.echo(f"source:    {case.source or ''}")
    typer.echo(f"category:  {case.category or ''}")
    typer.echo(f"risk:      {case.risk_level or ''}")
    consents = ", ".join(p for p, granted in case.consents.items() if granted)
    typer.echo(f"consents:  {consents or 'none'}")
    typer.echo(f"evidence:  {len(case.evidence)}")


@app.command("purge")
@handles_errors
def purge() -> None:
    """Purge closed cases whose retention has ended (legal holds are kept). Run it daily."""
    with open_services() as services:
        purged = services.cases.retention.purge_due(Actor.operator("retention"))
    typer.echo(f"purged {len(purged)} cases")
