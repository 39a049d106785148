"""``vigil case``: new/list/show keep their output; show adds non-identifying lines; purge."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from vigil.cli.main import app

runner = CliRunner()


def _run(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"VIGIL_HOME": str(home), "VIGIL_DATABASE_URL": ""})
    return result.exit_code, result.stdout


def test_case_commands(tmp_path: Path) -> None:
    _run(tmp_path, "db", "upgrade")
    code, out = _run(tmp_path, "case", "new", "--title", "Doxxing on a forum")
    reference = out.strip()
    assert code == 0 and "\n" not in reference
    code, out = _run(tmp_path, "case", "list")
    assert code == 0 and out.startswith(f"{reference}\tnew\t")
    code, out = _run(tmp_path, "case", "show", reference)
    lines = out.splitlines()
    assert lines[0] == f"reference: {reference}" and lines[1] == "title:     Doxxing on a forum"
    assert "consents:  none" in lines and "source:    staff" in lines
    assert _run(tmp_path, "case", "purge") == (0, "purged 0 cases\n")
