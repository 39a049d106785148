"""The vault: content-addressed evidence files, encrypted at rest, written atomically.

A file is addressed by the SHA-256 of its plaintext, but its name on disk is an HMAC of that
hash under the vault key, so a copy of the folder does not even reveal which known image it
holds. Each file is sealed with AES-256-GCM under a key kept in the keys folder (separate from
the database's field master key); the hash is bound in as associated data, so a file renamed
onto another address fails to open. Writes go to a temporary file, are fsynced, then renamed
into place: a crash leaves either the whole file or none, and the caller writes its database
row only after ``put`` returns.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vigil.errors import IntegrityError, NotFound
from vigil.security.keys import load_or_create_key

VAULT_KEY_FILE = "vault.key"
MAGIC = b"VGVT"
FORMAT_VERSION = 1
NONCE_BYTES = 12
KEY_ID_BYTES = 8
_HEADER = len(MAGIC) + 1 + KEY_ID_BYTES + NONCE_BYTES
#: Temporary files older than this were left by a crashed writer and may be removed.
STALE_TEMP_SECONDS = 3600


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    sha512: str
    size: int
    key_id: str


def digests(data: bytes) -> tuple[str, str]:
    return hashlib.sha256(data).hexdigest(), hashlib.sha512(data).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Vault:
    """Encrypted, content-addressed files under ``root``."""

    def __init__(self, root: Path, key: bytes) -> None:
        self.root = root
        self._seal_key = hmac.new(key, b"vigil-vault-seal", hashlib.sha256).digest()
        self._name_key = hmac.new(key, b"vigil-vault-name", hashlib.sha256).digest()
        self.key_id = hashlib.sha256(b"vigil-vault-key-id" + key).hexdigest()[:16]
        self.objects = root / "objects"
        self.tmp = root / "tmp"

    @classmethod
    def open(cls, root: Path, keys_dir: Path) -> Vault:
        return cls(root, load_or_create_key(keys_dir, VAULT_KEY_FILE))

    def _ensure_dirs(self) -> None:
        for path in (self.root, self.objects, self.tmp):
            path.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path_for(self, sha256: str) -> Path:
        name = hmac.new(self._name_key, sha256.encode(), hashlib.sha256).hexdigest()
        return self.objects / name[:2] / name

    def _seal(self, data: bytes, sha256: str) -> bytes:
        header = MAGIC + bytes([FORMAT_VERSION]) + bytes.fromhex(self.key_id)
        nonce = secrets.token_bytes(NONCE_BYTES)
        body = AESGCM(self._seal_key).encrypt(nonce, data, header + sha256.encode())
        return header + nonce + body

    def _open(self, sealed: bytes, sha256: str) -> bytes:
        header = sealed[: len(MAGIC) + 1 + KEY_ID_BYTES]
        if len(sealed) < _HEADER + 16 or not sealed.startswith(MAGIC):
            raise IntegrityError("vault file is malformed")
        if header[len(MAGIC)] != FORMAT_VERSION or header[-KEY_ID_BYTES:].hex() != self.key_id:
            raise IntegrityError("vault file was sealed by another vault key")
        nonce = sealed[len(header) : _HEADER]
        try:
            return AESGCM(self._seal_key).decrypt(nonce, sealed[_HEADER:], header + sha256.encode())
        except InvalidTag:
            raise IntegrityError(
                "vault file failed authentication (altered or misplaced)"
            ) from None

    def put(self, data: bytes) -> StoredBlob:
        """Store ``data`` (once: the same bytes are kept once) and return its hashes."""
        sha256, sha512 = digests(data)
        self._ensure_dirs()
        final = self.path_for(sha256)
        # Rewriting an existing address is harmless (same plaintext) and repairs a damaged file.
        if not (final.exists() and self._intact(final, sha256)):
            final.parent.mkdir(exist_ok=True, mode=0o700)
            tmp = self.tmp / f"{secrets.token_hex(8)}.part"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(self._seal(data, sha256))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, final)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            _fsync_dir(final.parent)
        return StoredBlob(sha256, sha512, len(data), self.key_id)

    def _intact(self, path: Path, sha256: str) -> bool:
        try:
            return hashlib.sha256(self._open(path.read_bytes(), sha256)).hexdigest() == sha256
        except (IntegrityError, OSError):
            return False

    def get(self, sha256: str) -> bytes:
        """The plaintext stored at ``sha256``, checked against its address."""
        path = self.path_for(sha256)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise NotFound("the evidence file is missing from the vault") from None
        data = self._open(sealed, sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityError("vault file does not hash to its address")
        return data

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def remove(self, sha256: str) -> None:
        path = self.path_for(sha256)
        path.unlink(missing_ok=True)
        if path.parent.exists():
            _fsync_dir(path.parent)

    def files(self) -> Iterator[Path]:
        if self.objects.exists():
            yield from (p for p in self.objects.glob("*/*") if p.is_file())

    def sweep_temporary(self, older_than: float = STALE_TEMP_SECONDS) -> int:
        """Remove temporary files a crashed writer left behind; returns how many."""
        if not self.tmp.exists():
            return 0
        cutoff = time.time() - older_than
        removed = 0
        for path in self.tmp.glob("*.part"):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
