"""Key files outside the database, and envelope encryption for sensitive fields.

Each value gets its own random 256-bit data key; the data key is wrapped with the master key
(AES-256-GCM both times). The master key lives in ``VIGIL_HOME/keys`` (mode 0600), never in the
database, so a copy of the database alone reveals nothing. The key id in each envelope lets a
later rotation add keys while old values still decrypt.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vigil.errors import ConfigurationError, IntegrityError

ENVELOPE_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_BYTES = 8
_WRAPPED_BYTES = KEY_BYTES + 16  # data key + GCM tag
_HEADER = 1 + KEY_ID_BYTES + NONCE_BYTES + _WRAPPED_BYTES + NONCE_BYTES
MASTER_KEY_FILE = "master.key"


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"vigil-key-id" + key).digest()[:KEY_ID_BYTES]


class FieldCipher:
    """Encrypts and decrypts field values; holds every master key it may need to read."""

    def __init__(self, master_keys: list[bytes]) -> None:
        if not master_keys or any(len(k) != KEY_BYTES for k in master_keys):
            raise ConfigurationError("a master key must be exactly 32 bytes")
        self._current = master_keys[0]
        self._current_id = key_id(self._current)
        self._by_id = {key_id(k): k for k in master_keys}

    @classmethod
    def generate(cls) -> FieldCipher:
        return cls([secrets.token_bytes(KEY_BYTES)])

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce = secrets.token_bytes(NONCE_BYTES)
        wrapped = AESGCM(self._current).encrypt(wrap_nonce, data_key, self._current_id + context)
        nonce = secrets.token_bytes(NONCE_BYTES)
        body = AESGCM(data_key).encrypt(nonce, plaintext, context)
        return bytes([ENVELOPE_VERSION]) + self._current_id + wrap_nonce + wrapped + nonce + body

    def decrypt(self, envelope: bytes, context: bytes) -> bytes:
        if len(envelope) < _HEADER + 16 or envelope[0] != ENVELOPE_VERSION:
            raise IntegrityError("encrypted value is malformed")
        pos = 1
        kid = envelope[pos : pos + KEY_ID_BYTES]
        pos += KEY_ID_BYTES
        wrap_nonce = envelope[pos : pos + NONCE_BYTES]
        pos += NONCE_BYTES
        wrapped = envelope[pos : pos + _WRAPPED_BYTES]
        pos += _WRAPPED_BYTES
        nonce = envelope[pos : pos + NONCE_BYTES]
        pos += NONCE_BYTES
        master = self._by_id.get(kid)
        if master is None:
            raise ConfigurationError("encrypted value uses a master key this install does not have")
        try:
            data_key = AESGCM(master).decrypt(wrap_nonce, wrapped, kid + context)
            return AESGCM(data_key).decrypt(nonce, envelope[pos:], context)
        except InvalidTag:
            raise IntegrityError("encrypted value failed authentication") from None


def write_secret_file(path: Path, data: bytes) -> None:
    """Create ``path`` atomically with mode 0600; refuse to overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process created the key first
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_secret_file(path: Path, size: int) -> bytes:
    data = path.read_bytes()
    if len(data) != size:
        raise ConfigurationError(f"key file {path.name} is damaged (expected {size} bytes)")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise ConfigurationError(f"key file {path.name} is readable by others; chmod 600 it")
    return data


def load_or_create_key(keys_dir: Path, name: str, size: int = KEY_BYTES) -> bytes:
    path = keys_dir / name
    if not path.exists():
        write_secret_file(path, secrets.token_bytes(size))
    return read_secret_file(path, size)


def load_field_cipher(keys_dir: Path) -> FieldCipher:
    """The cipher for this install, creating its master key on first run."""
    current = load_or_create_key(keys_dir, MASTER_KEY_FILE)
    retired = [read_secret_file(p, KEY_BYTES) for p in sorted(keys_dir.glob("retired-*.key"))]
    return FieldCipher([current, *retired])
