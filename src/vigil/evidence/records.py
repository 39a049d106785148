"""How an evidence row reads: its immutable metadata (hashed at ingest) and its public view."""

from __future__ import annotations

import mimetypes
import re
import secrets
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from vigil.errors import InvalidInput
from vigil.evidence.custody import format_time
from vigil.evidence.schemas import EvidencePublic
from vigil.evidence.verify_bundle import metadata_digest
from vigil.storage.tables.evidence import EvidenceBlob, EvidenceItem

__all__ = ["item_metadata", "metadata_digest", "new_uid", "to_public"]

UID_PREFIX = "EV"
UID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
UID_LENGTH = 12
MAX_FILENAME = 200
HOW = frozenset({"upload", "capture", "import", "derived"})
_HEX = re.compile(r"^[0-9a-f]+$")
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"WARC/", "application/warc"),
    (b"\x1f\x8b", "application/gzip"),
)


def new_uid() -> str:
    return f"{UID_PREFIX}-" + "".join(secrets.choice(UID_ALPHABET) for _ in range(UID_LENGTH))


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most ``MAX_FILENAME`` long."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[:MAX_FILENAME] or "unnamed"


def guess_media_type(data: bytes, filename: str) -> str:
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or "application/octet-stream"


def normalise_reporter_hash(value: str | None) -> str | None:
    """A reporter-supplied SHA-256 or SHA-512 in hex ("sha256:" prefixes allowed)."""
    if value is None or not value.strip():
        return None
    text = value.strip().lower()
    for prefix in ("sha256:", "sha512:", "sha-256:", "sha-512:"):
        text = text.removeprefix(prefix)
    if len(text) not in (64, 128) or not _HEX.match(text):
        raise InvalidInput(
            "a reporter hash must be a SHA-256 or SHA-512 in hex", field="reporter_hash"
        )
    return text


def reporter_mismatch(reporter_hash: str | None, sha256: str, sha512: str) -> bool:
    if reporter_hash is None:
        return False
    return reporter_hash != (sha256 if len(reporter_hash) == 64 else sha512)


def item_metadata(
    item: EvidenceItem, blob: EvidenceBlob, case_reference: str, derived_uid: str | None
) -> dict[str, Any]:
    """What was true when the item entered the vault; its digest goes into the "add" event."""
    return {
        "uid": item.uid,
        "case": case_reference,
        "kind": item.kind,
        "derived_from": derived_uid,
        "derivation": item.derivation,
        "how": item.how,
        "filename": item.filename,
        "media_type": item.media_type,
        "size": blob.size,
        "sha256": blob.sha256,
        "sha512": blob.sha512,
        "source_url": item.source_url,
        "capture_id": item.capture_id,
        "part": item.part,
        "reporter_hash": item.reporter_hash,
        "reporter_hash_mismatch": item.reporter_hash_mismatch,
        "sensitive": item.sensitive,
        "added_by": item.added_by_label,
        "added_at": format_time(item.added_at),
    }


def to_public(
    item: EvidenceItem,
    blob: EvidenceBlob,
    case_reference: str,
    derived_uid: str | None,
    *,
    duplicate: bool = False,
) -> EvidencePublic:
    return EvidencePublic(
        uid=item.uid,
        case_reference=case_reference,
        kind=item.kind,
        derived_from=derived_uid,
        derivation=item.derivation,
        how=item.how,
        filename=item.filename,
        media_type=item.media_type,
        size=blob.size,
        sha256=blob.sha256,
        sha512=blob.sha512,
        source_url=item.source_url,
        capture_id=item.capture_id,
        part=item.part,
        reporter_hash=item.reporter_hash,
        reporter_hash_mismatch=item.reporter_hash_mismatch,
        sensitive=item.sensitive,
        added_by=item.added_by_label,
        added_at=item.added_at,
        legal_hold=item.legal_hold,
        deleted=item.deleted_at is not None,
        duplicate=duplicate,
    )
