"""The ``vigil`` command: names, options and outputs that scripts rely on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigil import __version__
from vigil.cli.main import app

runner = CliRunner()


def run(home: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(
        app, list(args), env={"VIGIL_HOME": str(home), "VIGIL_DATABASE_URL": ""}, input=input
    )
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"vigil {__version__}"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["demo"],
        ["db"],
        ["db", "upgrade"],
        ["user"],
        ["user", "create-admin"],
        ["user", "add"],
        ["case"],
        ["case", "new"],
        ["case", "list"],
        ["case", "show"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout


def test_fresh_install_then_first_admin(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, "db", "upgrade")
    assert code == 0 and "up to date" in out
    code, out, _ = run(tmp_path, "user", "create-admin", "--username", "root-admin", "--generate")
    assert code == 0
    assert "created admin root-admin" in out
    assert re.search(r"password \(shown once\): \S{20,}", out)
    code, _, err = run(tmp_path, "user", "create-admin", "--username", "root-admin", "--generate")
    assert code == 4 and "taken" in err


def test_weak_password_is_a_clear_error(tmp_path: Path) -> None:
    run(tmp_path, "db", "upgrade")
    code, _, err = run(
        tmp_path,
        "user",
        "add",
        "--username",
        "m1",
        "--role",
        "monitor",
        "--name",
        "M",
        "--password",
        "password1234",
    )
    assert code == 2
    assert "common passwords" in err and "(password)" in err


def test_cases_from_the_shell(tmp_path: Path) -> None:
    run(tmp_path, "db", "upgrade")
    code, out, _ = run(tmp_path, "case", "new", "--title", "Threats by text message")
    assert code == 0
    reference = out.strip()
    assert re.fullmatch(r"VG-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    code, out, _ = run(tmp_path, "case", "list")
    assert code == 0 and reference in out
    code, out, _ = run(tmp_path, "case", "show", reference.lower())
    assert code == 0 and "Threats by text message" in out
    code, _, err = run(tmp_path, "case", "show", "VG-NOPE-NOPE-NOPE")
    assert code == 3 and "no case" in err


def test_instances_side_by_side_do_not_see_each_other(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for home in (first, second):
        run(home, "db", "upgrade")
    _, out, _ = run(first, "case", "new", "--title", "only in a")
    _, listing, _ = run(second, "case", "list")
    assert out.strip() not in listing
    assert (first / "vigil.sqlite3").exists() and (second / "vigil.sqlite3").exists()


def test_demo_prints_a_password_once_and_it_signs_in(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, "demo", "--no-serve")
    assert code == 0
    assert "SYNTHETIC" in out
    password = re.search(r"password:\s+(\S+)", out)
    assert password
    from vigil.services import Services
    from vigil.settings import VigilSettings

    services = Services.from_settings(VigilSettings(home=tmp_path))
    try:
        result = services.accounts.login("demo-admin", password.group(1), client="t")
        assert result.mfa.value == "enrol"
    finally:
        services.close()
    # Running the demo again gives a new password and does not duplicate the demo data.
    code, again, _ = run(tmp_path, "demo", "--no-serve")
    assert code == 0
    assert re.search(r"password:\s+(\S+)", again).group(1) != password.group(1)  # type: ignore[union-attr]


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "serve", "--port", "1")
    assert code == 8 and "vigil db upgrade" in err


def test_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["case", "list"], env={"VIGIL_HOME": str(tmp_path), "VIGIL_PORTAL_RATE_LIMIT": "lots"}
    )
    assert result.exit_code == 8
    assert "VIGIL_PORTAL_RATE_LIMIT" in result.stderr
