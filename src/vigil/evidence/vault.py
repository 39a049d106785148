"""The vault: content-addressed evidence files, encrypted at rest, written atomically.

A file is addressed by the SHA-256 of its plaintext, but its name on disk is an HMAC of that
hash under the vault key, so a copy of the folder does not even reveal which known image it
holds. Each file is sealed with AES-256-GCM under a key kept in the keys folder (separate from
the database's field master key), in 1 MiB segments (``sealing.py``), so a file of any size is
hashed and sealed in one pass with a few MiB of memory; the hash is bound in as associated
data, so a file renamed onto another address fails to open. Writes go to a temporary file, are
fsynced, then renamed into place: a crash leaves either the whole file or none, and the caller
writes its database row only after ``put`` returns.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from vigil.errors import IntegrityError, NotFound
from vigil.evidence.sealing import open_stream, seal_stream
from vigil.security.keys import load_or_create_key

VAULT_KEY_FILE = "vault.key"
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

    def put(self, data: bytes) -> StoredBlob:
        """Store ``data`` (once: the same bytes are kept once) and return its hashes."""
        return self.put_stream(io.BytesIO(data))

    def put_stream(self, source: BinaryIO, *, max_bytes: int | None = None) -> StoredBlob:
        """Store what ``source`` holds, read once in segments (bounded memory), hashed as it
        is sealed; ``PayloadTooLarge`` past ``max_bytes``, leaving nothing behind."""
        self._ensure_dirs()
        tmp = self.tmp / f"{secrets.token_hex(8)}.part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                sealed = seal_stream(
                    source,
                    handle,
                    self._seal_key,
                    bytes.fromhex(self.key_id),
                    max_bytes=max_bytes,
                )
                handle.flush()
                os.fsync(handle.fileno())
            final = self.path_for(sealed.sha256)
            # Rewriting an existing address is harmless (same plaintext) and repairs a damaged
            # file; an intact one is left as it is.
            if final.exists() and self._intact(final, sealed.sha256):
                tmp.unlink()
            else:
                final.parent.mkdir(exist_ok=True, mode=0o700)
                os.replace(tmp, final)
                _fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredBlob(sealed.sha256, sealed.sha512, sealed.size, self.key_id)

    def _intact(self, path: Path, sha256: str) -> bool:
        try:
            return self._measure(path, sha256)[0] == sha256
        except (IntegrityError, NotFound, OSError):
            return False

    def _plaintext(self, path: Path, sha256: str) -> Iterator[bytes]:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise NotFound("the evidence file is missing from the vault") from None
        with handle:
            yield from open_stream(handle, self._seal_key, bytes.fromhex(self.key_id), sha256)

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The plaintext stored at ``sha256``, in segments, each authenticated; the whole is
        checked against its address at the end (``IntegrityError`` then: discard what came)."""
        digest = hashlib.sha256()
        for chunk in self._plaintext(self.path_for(sha256), sha256):
            digest.update(chunk)
            yield chunk
        if digest.hexdigest() != sha256:
            raise IntegrityError("vault file does not hash to its address")

    def get(self, sha256: str) -> bytes:
        """The plaintext stored at ``sha256``, checked against its address."""
        return b"".join(self.chunks(sha256))

    def measure(self, sha256: str) -> tuple[str, str, int]:
        """SHA-256, SHA-512 and size of the plaintext at ``sha256``, in bounded memory."""
        return self._measure(self.path_for(sha256), sha256)

    def _measure(self, path: Path, sha256: str) -> tuple[str, str, int]:
        sha256_, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
        for chunk in self._plaintext(path, sha256):
            sha256_.update(chunk)
            sha512.update(chunk)
            size += len(chunk)
        return sha256_.hexdigest(), sha512.hexdigest(), size

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
