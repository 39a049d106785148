"""The vault: encrypted at rest, content-addressed, deduplicated, tamper-evident."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vigil.errors import IntegrityError, NotFound
from vigil.evidence.vault import Vault

CANARY = b"CANARY-7f3a-plaintext-must-never-reach-disk"


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault.open(tmp_path / "vault", tmp_path / "keys")


def test_round_trip_and_dedupe(vault: Vault) -> None:
    first = vault.put(CANARY * 10)
    second = vault.put(CANARY * 10)
    assert first == second
    assert len(list(vault.files())) == 1
    assert vault.get(first.sha256) == CANARY * 10
    assert len(first.sha512) == 128


def test_no_plaintext_canary_on_disk(vault: Vault, tmp_path: Path) -> None:
    stored = vault.put(CANARY)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CANARY not in data, path
            assert stored.sha256.encode() not in data  # not even the address
    assert stored.sha256 not in str(vault.path_for(stored.sha256))


def test_vault_key_is_separate_from_the_master_key(tmp_path: Path) -> None:
    Vault.open(tmp_path / "vault", tmp_path / "keys")
    assert (tmp_path / "keys" / "vault.key").stat().st_mode & 0o077 == 0
    assert not (tmp_path / "keys" / "master.key").exists()


def test_a_flipped_byte_is_refused(vault: Vault) -> None:
    stored = vault.put(CANARY)
    path = vault.path_for(stored.sha256)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        vault.get(stored.sha256)
    vault.put(CANARY)  # storing the same bytes again repairs the file
    assert vault.get(stored.sha256) == CANARY


def test_a_file_moved_to_another_address_is_refused(vault: Vault) -> None:
    one, two = vault.put(b"one"), vault.put(b"two")
    os.replace(vault.path_for(one.sha256), vault.path_for(two.sha256))
    with pytest.raises(IntegrityError):
        vault.get(two.sha256)
    with pytest.raises(NotFound):
        vault.get(one.sha256)


def test_other_key_cannot_open(tmp_path: Path) -> None:
    stored = Vault.open(tmp_path / "vault", tmp_path / "keys").put(CANARY)
    other = Vault(tmp_path / "vault", b"\x01" * 32)
    os.makedirs(other.path_for(stored.sha256).parent, exist_ok=True)
    os.replace(
        Vault.open(tmp_path / "vault", tmp_path / "keys").path_for(stored.sha256),
        other.path_for(stored.sha256),
    )
    with pytest.raises(IntegrityError):
        other.get(stored.sha256)


def test_stale_temporary_files_are_swept(vault: Vault) -> None:
    vault.put(b"x")
    stale = vault.tmp / "dead.part"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    fresh = vault.tmp / "live.part"
    fresh.write_bytes(b"being written")
    assert vault.sweep_temporary() == 1
    assert fresh.exists() and not stale.exists()
