"""``vigil backup`` and ``vigil restore`` for the embedded default (SQLite + data folder)."""

from __future__ import annotations

from pathlib import Path

import typer

from vigil.cli.context import handles_errors, settings_from_env


@handles_errors
def backup(
    out: Path = typer.Option(..., "--out", help="Archive to write (.tar.gz)."),
    include_keys: bool = typer.Option(
        False,
        "--include-keys",
        help="Also store the key folder. Keep such an archive as safe as the keys themselves.",
    ),
) -> None:
    """Write a consistent backup of the database and the evidence vault."""
    from vigil.storage.backup import create_backup

    summary = create_backup(settings_from_env(), out, include_keys=include_keys)
    typer.echo(f"backup written: {summary.path} ({summary.files} files)")
    if not summary.included_keys:
        typer.echo("keys NOT included: back up VIGIL_HOME/keys separately, offline", err=True)


@handles_errors
def restore(
    archive: Path = typer.Argument(..., help="A file written by `vigil backup`."),
    force: bool = typer.Option(False, "--force", help="Replace an existing database."),
) -> None:
    """Restore a backup into VIGIL_HOME, checking every file against the manifest first."""
    from vigil.storage.backup import restore_backup

    count = restore_backup(settings_from_env(), archive, force=force)
    typer.echo(f"restored {count} files")
