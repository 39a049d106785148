"""docs/cli.md is generated from the CLI and must not go stale."""

from __future__ import annotations

from pathlib import Path

from vigil.cli.reference import render_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOC.read_text() == render_reference(), "run `make docs` to regenerate docs/cli.md"


def test_reference_lists_the_commands_scripts_rely_on() -> None:
    text = render_reference()
    for command in (
        "vigil serve",
        "vigil demo",
        "vigil db upgrade",
        "vigil user create-admin",
        "vigil user add",
        "vigil case new",
    ):
        assert f"## `{command}`" in text
