"""The ``vigil`` command: one Typer app; each concept adds its sub-commands here."""

from __future__ import annotations

import typer

from vigil import __version__
from vigil.cli import backup, cases, db, serve, users
from vigil.cli import evidence as evidence_cli
from vigil.cli import link as link_cli
from vigil.cli import media as media_cli
from vigil.cli import monitor as monitor_cli
from vigil.cli import scan as scan_cli
from vigil.cli import stats as stats_cli
from vigil.cli import train as train_cli

app = typer.Typer(
    name="vigil",
    help="Vigil: monitoring, detection, survivor cases and evidence against online GBV.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vigil {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Every command reads VIGIL_HOME (data folder) and VIGIL_DATABASE_URL."""


app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="user")
app.add_typer(cases.app, name="case")
app.add_typer(evidence_cli.app, name="evidence")
app.add_typer(link_cli.app, name="link")
app.add_typer(stats_cli.app, name="stats")
app.add_typer(media_cli.app, name="media")
app.add_typer(monitor_cli.app, name="monitor")
app.command("scan")(scan_cli.scan)
app.command("train")(train_cli.train)


def main() -> None:
    app()
