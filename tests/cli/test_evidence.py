"""``vigil evidence``: the exact commands scripts rely on, end to end on a fresh data folder."""

from __future__ import annotations

import http.server
import threading
import zipfile
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.errors import IntegrityError

CANARY = "CANARY-c1i-plaintext-4d2e"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VIGIL_LOG_JSON", "false")
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return CliRunner()


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def test_add_capture_export_verify(runner: CliRunner, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(f"<html><body><p>{CANARY}</p></body></html>")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ref = _ok(runner, "case", "new", "--title", "synthetic").strip()
        one, two = tmp_path / "one.txt", tmp_path / "two.bin"
        one.write_text(CANARY)
        two.write_bytes(b"\x00\x01synthetic")
        added = _ok(runner, "evidence", "add", str(one), str(two), "--case", ref)
        assert [line.split("\t")[3] for line in added.splitlines()] == ["added", "added"]
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        captured = _ok(runner, "evidence", "capture", url, "--case", ref)
        assert {"warc", "html", "metadata"} <= {
            line.split("\t")[2] for line in captured.splitlines()
        }
    finally:
        server.shutdown()
        server.server_close()
    bundle = tmp_path / "bundle.zip"
    exported = _ok(runner, "evidence", "export", "--case", ref, "--out", str(bundle))
    assert "custody events" in exported
    assert "VERIFIED" in _ok(runner, "evidence", "verify", str(bundle))
    assert "VERIFIED" in _ok(runner, "evidence", "verify", "--vault")

    # The vault never holds the plaintext.
    for path in (tmp_path / "home" / "vault").rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes()

    # One flipped byte in an item: exit non-zero, the file named.
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bundle) as zin, zipfile.ZipFile(bad, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name.endswith("one.txt"):
                data = data[:3] + bytes([data[3] ^ 1]) + data[4:]
            zout.writestr(name, data)
    result = runner.invoke(app, ["evidence", "verify", str(bad)])
    assert result.exit_code == IntegrityError.exit_code
    assert "one.txt" in result.stdout and "NOT VERIFIED" in result.stdout


def test_verify_needs_exactly_one_target(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(app, ["evidence", "verify"]).exit_code == 2
    assert runner.invoke(app, ["evidence", "verify", "x.zip", "--vault"]).exit_code == 2
    assert runner.invoke(app, ["evidence", "verify", str(tmp_path / "none.zip")]).exit_code == 3


def test_unknown_case_and_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    result = runner.invoke(app, ["evidence", "add", str(tmp_path / "f.txt"), "--case", "VG-NOPE"])
    assert result.exit_code == 3
    result = runner.invoke(app, ["evidence", "add", str(tmp_path / "gone.txt"), "--case", "X"])
    assert result.exit_code == 3
