"""``vigil stats export / verify / merge / brief``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from vigil.cli.main import app

runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"VIGIL_HOME": str(home), "VIGIL_DATABASE_URL": ""})
    return result.exit_code, result.stdout, result.stderr


def test_export_verify_merge_and_tamper(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "db", "upgrade")[0] == 0
    out = tmp_path / "q1.zip"
    code, stdout, err = run(
        home, "stats", "export", "--from", "2026-01-01", "--to", "2026-03-31", "--out", str(out)
    )
    assert code == 0, err
    assert "signed by key" in stdout
    code, stdout, err = run(home, "stats", "verify", str(out))
    assert code == 0 and stdout.startswith("OK: signed by key"), err
    fingerprint = stdout.split("key ")[1].split(",")[0]
    assert run(home, "stats", "verify", str(out), "--key", fingerprint)[0] == 0
    assert run(home, "stats", "verify", str(out), "--key", "0" * 16)[0] == 9
    merged = tmp_path / "region.zip"
    code, _o, err = run(home, "stats", "merge", str(out), str(out), "--out", str(merged))
    assert code == 0, err
    assert run(home, "stats", "verify", str(merged))[0] == 0
    data = bytearray(out.read_bytes())
    data[-200] ^= 0xFF
    (tmp_path / "bad.zip").write_bytes(bytes(data))
    assert run(home, "stats", "verify", str(tmp_path / "bad.zip"))[0] in (2, 9)
    pdf = tmp_path / "brief.pdf"
    code, _o, err = run(
        home, "stats", "brief", "--from", "2026-01-01", "--to", "2026-03-31", "--out", str(pdf)
    )
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    assert (
        run(
            home, "stats", "export", "--from", "2026-13-01", "--to", "2026-03-31", "--out", str(out)
        )[0]
        == 2
    )
