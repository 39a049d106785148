"""``vigil backup`` / ``vigil restore``: the same database and vault come back, checked."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigil.cli.main import app

runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"VIGIL_HOME": str(home), "VIGIL_DATABASE_URL": ""})
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def populated(tmp_path: Path) -> Path:
    home = tmp_path / "source"
    run(home, "db", "upgrade")
    run(home, "case", "new", "--title", "Backup canary case")
    vault = home / "vault" / "ab"
    vault.mkdir(parents=True)
    (vault / "abcdef").write_bytes(b"\x00encrypted evidence bytes")
    return home


def test_backup_and_restore_round_trip(populated: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.tar.gz"
    code, out = run(populated, "backup", "--out", str(archive), "--include-keys")
    assert code == 0, out
    assert archive.stat().st_mode & 0o777 == 0o600
    target = tmp_path / "restored"
    code, out = run(target, "restore", str(archive))
    assert code == 0, out
    code, listing = run(target, "case", "list")
    assert code == 0 and "Backup canary case" in listing  # decrypts: keys came back too
    assert (target / "vault" / "ab" / "abcdef").read_bytes() == b"\x00encrypted evidence bytes"
    assert (target / "keys" / "master.key").stat().st_mode & 0o777 == 0o600


def test_backup_without_keys_warns(populated: Path, tmp_path: Path) -> None:
    code, out = run(populated, "backup", "--out", str(tmp_path / "nokeys.tar.gz"))
    assert code == 0 and "keys NOT included" in out
    with tarfile.open(tmp_path / "nokeys.tar.gz") as archive:
        assert not any(name.startswith("keys/") for name in archive.getnames())


def test_restore_refuses_a_tampered_archive(populated: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.tar.gz"
    run(populated, "backup", "--out", str(archive), "--include-keys")
    tampered = tmp_path / "t.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("vault/"):
                data = data[:-1] + b"X"
            dst.addfile(member, io.BytesIO(data))
    code, out = run(tmp_path / "t", "restore", str(tampered))
    assert code == 9 and "does not match its hash" in out
    assert not (tmp_path / "t" / "vigil.sqlite3").exists()


def test_restore_refuses_path_traversal(tmp_path: Path) -> None:
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        for name, data in (
            ("vigil-backup.json", b'{"files": {"../escape": "00"}}'),
            ("../escape", b"x"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    code, out = run(tmp_path / "t", "restore", str(evil))
    assert code == 9 and "unsafe path" in out
    assert not (tmp_path / "escape").exists()


def test_restore_will_not_overwrite_a_live_database(populated: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.tar.gz"
    run(populated, "backup", "--out", str(archive))
    code, out = run(populated, "restore", str(archive))
    assert code == 2 and "already holds a database" in out


def test_garbage_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    code, out = run(tmp_path / "t", "restore", str(junk))
    assert code == 2 and "not a Vigil backup" in out
