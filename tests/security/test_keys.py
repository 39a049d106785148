"""Envelope encryption and key files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vigil.errors import ConfigurationError, IntegrityError
from vigil.security.keys import (
    MASTER_KEY_FILE,
    FieldCipher,
    load_field_cipher,
    read_secret_file,
)


def test_round_trip_and_fresh_data_key_per_value() -> None:
    cipher = FieldCipher.generate()
    a = cipher.encrypt(b"secret", b"ctx")
    b = cipher.encrypt(b"secret", b"ctx")
    assert a != b  # per-record data keys and nonces
    assert cipher.decrypt(a, b"ctx") == b"secret"


@pytest.mark.parametrize("position", [0, 5, 30, 70, -1])
def test_any_flipped_byte_is_detected(position: int) -> None:
    cipher = FieldCipher.generate()
    envelope = bytearray(cipher.encrypt(b"secret", b"ctx"))
    envelope[position] ^= 0x01
    with pytest.raises((IntegrityError, ConfigurationError)):
        cipher.decrypt(bytes(envelope), b"ctx")


def test_ciphertext_is_bound_to_its_column() -> None:
    cipher = FieldCipher.generate()
    envelope = cipher.encrypt(b"secret", b"cases.title")
    with pytest.raises(IntegrityError):
        cipher.decrypt(envelope, b"users.totp_secret")


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_field_cipher(tmp_path / "keys")
    path = tmp_path / "keys" / MASTER_KEY_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    second = load_field_cipher(tmp_path / "keys")
    assert second.decrypt(first.encrypt(b"x", b"c"), b"c") == b"x"


def test_retired_keys_still_decrypt(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    old = load_field_cipher(keys)
    envelope = old.encrypt(b"old value", b"c")
    (keys / MASTER_KEY_FILE).rename(keys / "retired-1.key")
    new = load_field_cipher(keys)
    assert new.decrypt(envelope, b"c") == b"old value"


def test_world_readable_key_is_refused(tmp_path: Path) -> None:
    load_field_cipher(tmp_path)
    os.chmod(tmp_path / MASTER_KEY_FILE, 0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        read_secret_file(tmp_path / MASTER_KEY_FILE, 32)


def test_truncated_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / MASTER_KEY_FILE).write_bytes(b"short")
    os.chmod(tmp_path / MASTER_KEY_FILE, 0o600)
    with pytest.raises(ConfigurationError, match="damaged"):
        load_field_cipher(tmp_path)
