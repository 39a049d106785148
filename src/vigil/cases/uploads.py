"""The built-in evidence store (encrypted files in the data folder) and upload checks."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from vigil.cases.base import EvidenceStore, StoredObject
from vigil.errors import InvalidInput, NotFound
from vigil.security.keys import FieldCipher

#: Accepted uploads, recognised by their first bytes (never by the name the browser sends).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
MAX_FILENAME = 200


def sniff_media_type(data: bytes) -> str:
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "this kind of file is not accepted; send a picture, PDF, video or text file",
            field="evidence",
        ) from None
    return "text/plain"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalEncryptedStore(EvidenceStore):
    """Files encrypted with the install's field cipher, written atomically (temp, fsync, rename)."""

    name = "local"

    def __init__(self, root: Path, cipher: FieldCipher) -> None:
        self.root = root
        self.cipher = cipher

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise NotFound("no such stored file")
        return self.root / key[:2] / key

    def put(self, data: bytes, *, media_type: str) -> StoredObject:
        digest = hashlib.sha256(data).hexdigest()
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        envelope = self.cipher.encrypt(data, f"upload:{key}".encode())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, envelope)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        return StoredObject(key=key, sha256=digest, size=len(data))

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.exists():
            raise NotFound("no such stored file")
        return self.cipher.decrypt(path.read_bytes(), f"upload:{key}".encode())

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
