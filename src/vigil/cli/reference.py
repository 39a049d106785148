"""The CLI reference in docs/cli.md, generated from the command tree itself."""

from __future__ import annotations

from typing import Any

import typer.main

from vigil.cli.main import app

HEADER = (
    "# `vigil` command reference\n\n"
    "Generated from the CLI by `make docs` (a test fails when this file is stale).\n"
)


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    # Typer ships its own copy of Click, so the tree is walked by shape, not by class; through
    # list_commands/get_command, which also load the root's lazy commands.
    found = [(path, command)]
    if not hasattr(command, "commands"):
        return found
    ctx = command.context_class(command, info_name=" ".join(path))
    for name in sorted(command.list_commands(ctx)):
        found.extend(_walk(command.get_command(ctx, name), [*path, name]))
    return found


def _plain(text: str) -> str:
    """Help as a reader sees it: ``\\[`` escapes a bracket from Rich markup in the terminal."""
    return text.replace("\\[", "[")


def _rows(command: Any, ctx: Any) -> list[str]:
    rows = []
    for param in command.get_params(ctx):
        if param.param_type_name == "option":
            if param.hidden or "--help" in param.opts:
                continue
            names = ", ".join(f"`{n}`" for n in [*param.opts, *param.secondary_opts])
            rows.append(f"| {names} | {_plain(param.help or '').replace('|', '/')} |")
        elif param.param_type_name == "argument":
            described = _plain(getattr(param, "help", None) or "")
            rows.append(f"| `{(param.name or '').upper()}` | argument: {described} |")
    return rows


def render_reference() -> str:
    root = typer.main.get_command(app)
    sections = [HEADER]
    for path, command in _walk(root, ["vigil"]):
        ctx = command.context_class(command, info_name=" ".join(path), terminal_width=100)
        usage = command.get_usage(ctx).replace("Usage: ", "")
        lines = [f"## `{' '.join(path)}`\n", f"```\n{usage}\n```\n"]
        if command.help:
            lines.append(_plain(command.help).strip() + "\n")
        rows = _rows(command, ctx)
        if rows:
            lines.append("| option | meaning |\n| --- | --- |\n" + "\n".join(rows) + "\n")
        sections.append("\n".join(lines))
    return "\n".join(sections)


if __name__ == "__main__":
    print(render_reference(), end="")
