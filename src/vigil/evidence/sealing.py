"""How a vault file is sealed: AES-256-GCM in 1 MiB segments, streamed in bounded memory.

Format 2 (written since streaming ingest) follows the STREAM construction (Hoang, Reyhanitabar,
Rogaway and Vizár, 2015; the same shape as Tink's streaming AEAD)::

    header  = "VGVT" | 0x02 | key id (8) | nonce prefix (7, random) | segment size (4, BE)
    segment = AES-GCM(nonce = prefix | index (4, BE) | last (1), data, aad = header [+ sha256])

Every segment carries its own tag, so a reader checks each before using it; the index in the
nonce stops reordering, the ``last`` flag stops truncation, and the last segment binds the
plaintext's SHA-256 (its vault address) as associated data, so a file moved to another address
fails to open. The writer hashes (SHA-256 and SHA-512) the very bytes it seals, in one pass,
so the hash taken at ingest is the hash of what is stored, even if the source changes.

Format 1 (one AES-GCM message over the whole file, the address as associated data) is still
read, whole, as before; it is never written any more.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vigil.errors import IntegrityError, PayloadTooLarge

MAGIC = b"VGVT"
WHOLE = 1  # format 1: one AES-GCM message (read only)
SEGMENTED = 2  # format 2: STREAM segments
KEY_ID_BYTES = 8
NONCE_BYTES = 12
PREFIX_BYTES = 7
TAG_BYTES = 16
SEGMENT_BYTES = 1024 * 1024
#: A header naming a bigger segment is refused before anything that size is read.
MAX_SEGMENT_BYTES = 64 * 1024 * 1024
_WHOLE_HEADER = len(MAGIC) + 1 + KEY_ID_BYTES
_SEGMENTED_HEADER = _WHOLE_HEADER + PREFIX_BYTES + 4


@dataclass(frozen=True)
class Sealed:
    """What sealing a stream measured: the plaintext's hashes and size."""

    sha256: str
    sha512: str
    size: int


def _read_full(source: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes: short only at the end (pipes and sockets return less)."""
    parts: list[bytes] = []
    wanted = size
    while wanted > 0:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= 2**32:
        raise PayloadTooLarge("the file has too many segments for the vault format")
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def seal_stream(
    source: BinaryIO,
    out: BinaryIO,
    key: bytes,
    key_id: bytes,
    *,
    max_bytes: int | None = None,
    segment_bytes: int = SEGMENT_BYTES,
) -> Sealed:
    """Seal ``source`` into ``out`` (format 2), hashing as it goes; about 3 segments in memory."""
    header = (
        MAGIC
        + bytes([SEGMENTED])
        + key_id
        + secrets.token_bytes(PREFIX_BYTES)
        + struct.pack(">I", segment_bytes)
    )
    prefix = header[_WHOLE_HEADER : _WHOLE_HEADER + PREFIX_BYTES]
    aead = AESGCM(key)
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    out.write(header)
    size, index = 0, 0
    chunk = _read_full(source, segment_bytes)
    while True:
        # Read one segment ahead: only then is it known whether this one is the last.
        ahead = _read_full(source, segment_bytes) if len(chunk) == segment_bytes else b""
        last = not ahead
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise PayloadTooLarge("the file is larger than this installation accepts")
        sha256.update(chunk)
        sha512.update(chunk)
        aad = header + (sha256.hexdigest().encode() if last else b"")
        out.write(aead.encrypt(_nonce(prefix, index, last), chunk, aad))
        if last:
            return Sealed(sha256.hexdigest(), sha512.hexdigest(), size)
        chunk, index = ahead, index + 1


def open_stream(sealed: BinaryIO, key: bytes, key_id: bytes, sha256: str) -> Iterator[bytes]:
    """The plaintext of a sealed file, segment by segment, each authenticated before it is
    yielded. The file's binding to ``sha256`` is only known once the last segment is read:
    treat the bytes as unverified until the iteration ends without ``IntegrityError``."""
    start = _read_full(sealed, _WHOLE_HEADER)
    if len(start) < _WHOLE_HEADER or not start.startswith(MAGIC):
        raise IntegrityError("vault file is malformed")
    version = start[len(MAGIC)]
    if version not in (WHOLE, SEGMENTED):
        raise IntegrityError("vault file has an unknown format")
    if start[-KEY_ID_BYTES:] != key_id:
        raise IntegrityError("vault file was sealed by another vault key")
    if version == WHOLE:
        yield _open_whole(start, sealed.read(), key, sha256)
        return
    rest = _read_full(sealed, _SEGMENTED_HEADER - _WHOLE_HEADER)
    if len(rest) < _SEGMENTED_HEADER - _WHOLE_HEADER:
        raise IntegrityError("vault file is malformed")
    header = start + rest
    prefix = rest[:PREFIX_BYTES]
    (segment_bytes,) = struct.unpack(">I", rest[PREFIX_BYTES:])
    if not 0 < segment_bytes <= MAX_SEGMENT_BYTES:
        raise IntegrityError("vault file is malformed")
    aead = AESGCM(key)
    whole = segment_bytes + TAG_BYTES
    segment = _read_full(sealed, whole)
    index = 0
    while True:
        ahead = _read_full(sealed, whole) if len(segment) == whole else b""
        last = not ahead
        if len(segment) < TAG_BYTES:
            raise IntegrityError("vault file is truncated")
        aad = header + (sha256.encode() if last else b"")
        try:
            yield aead.decrypt(_nonce(prefix, index, last), segment, aad)
        except InvalidTag:
            raise IntegrityError(
                "vault file failed authentication (altered, truncated or misplaced)"
            ) from None
        if last:
            return
        segment, index = ahead, index + 1


def _open_whole(header: bytes, rest: bytes, key: bytes, sha256: str) -> bytes:
    if len(rest) < NONCE_BYTES + TAG_BYTES:
        raise IntegrityError("vault file is malformed")
    try:
        return AESGCM(key).decrypt(rest[:NONCE_BYTES], rest[NONCE_BYTES:], header + sha256.encode())
    except InvalidTag:
        raise IntegrityError("vault file failed authentication (altered or misplaced)") from None


def seal_whole(data: bytes, key: bytes, key_id: bytes, sha256: str) -> bytes:
    """A format 1 file, as written before streaming ingest (kept to test that it still opens)."""
    header = MAGIC + bytes([WHOLE]) + key_id
    nonce = secrets.token_bytes(NONCE_BYTES)
    return header + nonce + AESGCM(key).encrypt(nonce, data, header + sha256.encode())
