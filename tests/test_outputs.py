"""Output files the user names (``vigil.outputs``): atomic for files, in place for devices."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from vigil.outputs import is_special, write_output


def test_a_file_is_replaced_whole_and_no_temporary_is_left(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "stats.csv"
    write_output(out, b"first\n")
    write_output(out, b"second\n")
    assert out.read_bytes() == b"second\n"
    assert [p.name for p in out.parent.iterdir()] == ["stats.csv"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "list.json"
    out.write_bytes(b"old")

    def fail(_fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        write_output(out, b"new")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["list.json"]


def test_a_link_keeps_pointing_at_the_new_content(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_bytes(b"old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    write_output(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"


def test_a_pipe_is_written_in_place_and_stays_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert is_special(fifo) and not is_special(tmp_path) and not is_special(tmp_path / "none")
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_output(fifo, b"rows\n")
    reader.join(timeout=30)
    assert got == [b"rows\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_dev_null_is_special() -> None:
    assert is_special(Path("/dev/null"))


def test_archives_refuse_a_device_with_a_clear_error(tmp_path: Path) -> None:
    from vigil.errors import InvalidInput
    from vigil.outputs import refuse_special

    with pytest.raises(InvalidInput, match="device or a pipe"):
        refuse_special(Path("/dev/null"), "out")
    refuse_special(tmp_path / "backup.tar.gz", "out")  # a file to be: fine


def test_a_backup_to_dev_null_is_refused_before_any_work(tmp_path: Path) -> None:
    from vigil.errors import InvalidInput
    from vigil.settings import VigilSettings
    from vigil.storage.backup import create_backup

    settings = VigilSettings(home=tmp_path)
    with pytest.raises(InvalidInput):
        create_backup(settings, Path("/dev/null"), include_keys=False)
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
