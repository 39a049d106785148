"""``vigil db``: create or migrate the database."""

from __future__ import annotations

import typer

from vigil.cli.context import handles_errors, open_services
from vigil.storage.migrate import upgrade

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
@handles_errors
def upgrade_command() -> None:
    """Create the database, or migrate it to the newest schema. Safe to run again."""
    with open_services() as services:
        upgrade(services.db)
    typer.echo("database is up to date")
