"""The ``vigil`` command: one Typer app; each concept adds its sub-commands here.

Command modules import their heavy libraries inside the commands, so ``vigil --help``,
``--version`` and each command import only what they use. ``scan`` and ``train`` are loaded
when they are asked for (``_LAZY``): their modules import the detection engine at their top,
and the root's help lists them with their docstring read from the source, not imported.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandInfo

from vigil import __version__
from vigil.cli import backup, cases, db, serve, users
from vigil.cli import evidence as evidence_cli
from vigil.cli import link as link_cli
from vigil.cli import media as media_cli
from vigil.cli import monitor as monitor_cli
from vigil.cli import stats as stats_cli

#: Commands whose module is imported on use: name -> (module, function), in listing order.
_LAZY = {"scan": ("vigil.cli.scan", "scan"), "train": ("vigil.cli.train", "train")}


def _docstring(module: str, function: str) -> str | None:
    """A module-level function's docstring, as ``inspect.getdoc`` gives it, without importing."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return ast.get_docstring(node)
    return None


class _LazyGroup(TyperGroup):
    """The root group: ``_LAZY`` commands are listed after the other plain commands (where
    ``app.command`` put them) and built from their module only when looked up; while the
    root's help is written they are stand-ins carrying the same help text."""

    _listing = False

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        names = [n for n in super().list_commands(ctx) if n not in _LAZY]
        plain = [n for n in names if not hasattr(self.commands[n], "commands")]
        at = names.index(plain[-1]) + 1 if plain else 0
        return [*names[:at], *_LAZY, *names[at:]]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in _LAZY and cmd_name not in self.commands:
            module, function = _LAZY[cmd_name]
            if self._listing:
                return TyperCommand(
                    name=cmd_name,
                    help=_docstring(module, function),
                    rich_markup_mode=app.rich_markup_mode,
                )
            callback = getattr(importlib.import_module(module), function)
            self.commands[cmd_name] = typer.main.get_command_from_info(
                CommandInfo(name=cmd_name, callback=callback),
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="vigil",
    cls=_LazyGroup,
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


def main() -> None:
    app()
