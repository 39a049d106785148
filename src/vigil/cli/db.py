"""``vigil db``: create or migrate the database."""

from __future__ import annotations

import typer

from vigil.cli.context import handles_errors, open_database

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
@handles_errors
def upgrade_command() -> None:
    """Create the database, or migrate it to the newest schema. Safe to run again."""
    from vigil.storage.migrate import upgrade

    with open_database() as db:
        upgrade(db)
    typer.echo("database is up to date")
