"""Evidence uploads against the hash banks: a file a caseworker or a survivor adds to a case
may be a re-upload of images another survivor banked.

Registered with ``EvidenceService.on_add``, so it runs for every way an original item arrives
(API and console uploads, ``vigil evidence add``, the survivor portal), once the item is
committed. Read top to bottom:

1. only originals uploaded or imported are matched (captures match their WARC in
   ``match_capture``; working copies and confirmed matches are derived from matched media);
2. the file must be an image or a video by its content (magic bytes), not by its name or
   declared type; anything else is never parsed;
3. images are hashed by PDQ with the probes ``vigil media match`` uses, through
   ``open_image`` and its hostile-file limits; videos by vPDQ when installed;
4. ``HashBankService.match`` (source ``evidence``, or ``portal`` for a survivor's upload)
   records matches and review items, leaving out the item's own case's banks; the review
   listener (``MatchAlerts``) then tells the other case's caseworker, as for any match.

Matching never fails or undoes the upload: a file that cannot be hashed or a failure of the
banks is logged (error code only) and recorded in the audit log as ``media.match`` with
outcome ``failure`` against the item.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

from vigil.errors import VigilError
from vigil.evidence.schemas import EvidencePublic
from vigil.hashbanks.indexes import Query
from vigil.hashbanks.reviews import sniff_image_type
from vigil.hashbanks.service import HashBankService
from vigil.media.base import HashResult
from vigil.media.hashers import VIDEO_EXTENSIONS, PdqHasher, VpdqHasher
from vigil.media.images import MAX_IMAGE_BYTES, open_image
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog, Outcome

log = logging.getLogger(__name__)
MATCHED_HOWS = frozenset({"upload", "import"})
#: Videos above this are not decoded for matching (vPDQ decodes every second of them).
MAX_VIDEO_BYTES = 512 * 1024 * 1024
SNIFF_BYTES = 16


def sniff_video_suffix(head: bytes) -> str | None:
    """The container a video's first bytes show, as the suffix vPDQ expects, else None."""
    if head[4:8] == b"ftyp":
        return ".mov" if head[8:10] == b"qt" else ".mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM and Matroska
        return ".mkv"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return ".avi"
    return None


def _head(content: bytes | Path) -> bytes:
    if isinstance(content, bytes):
        return content[:SNIFF_BYTES]
    with content.open("rb") as handle:
        return handle.read(SNIFF_BYTES)


def _size(content: bytes | Path) -> int:
    return len(content) if isinstance(content, bytes) else content.stat().st_size


class EvidenceMediaMatch:
    """Registered with ``EvidenceService.on_add``."""

    def __init__(self, hashbanks: HashBankService, audit: AuditLog) -> None:
        self.hashbanks = hashbanks
        self.audit = audit
        # Matching is the system's duty, whoever uploaded (the portal has no role).
        self.actor = Actor.operator("evidence-match")
        self.video = importlib.util.find_spec("vpdq") is not None

    def __call__(self, uploader: Actor, item: EvidencePublic, content: bytes | Path) -> None:
        if item.kind != "original" or item.how not in MATCHED_HOWS or item.capture_id:
            return
        try:
            query = self._query(item, content)
            if query is None:
                return
            source = "portal" if uploader == Actor.portal() else "evidence"
            self.hashbanks.match(self.actor, [query], source=source, own_case=item.case_reference)
        except Exception as exc:  # never the upload's failure; say so where staff can see it
            code = exc.code if isinstance(exc, VigilError) else type(exc).__name__
            log.warning(
                "matching an evidence item against hash banks failed", extra={"event": code}
            )
            try:
                self.audit.record_alone(
                    self.actor,
                    "media.match",
                    record_type="evidence",
                    record_id=item.uid,
                    purpose=f"evidence matching failed: {code}",
                    outcome=Outcome.FAILURE,
                )
            except Exception as failed:  # the database itself is failing: the log must do
                log.warning(
                    "could not record a failed evidence match",
                    extra={"event": type(failed).__name__},
                )

    def _query(self, item: EvidencePublic, content: bytes | Path) -> Query | None:
        head = _head(content)
        label = f"evidence {item.uid}"  # never the file's name: it may name the survivor
        if sniff_image_type(head) is not None:
            if _size(content) > MAX_IMAGE_BYTES:
                return None  # open_image would refuse it: not a photo anyone shares
            image = open_image(content, name=label)
            return Query.from_result(label, PdqHasher().hash_image(image), content)
        suffix = sniff_video_suffix(head)
        if suffix is None or not self.video or _size(content) > MAX_VIDEO_BYTES:
            return None
        return Query.from_result(label, self._hash_video(content, suffix))

    @staticmethod
    def _hash_video(content: bytes | Path, suffix: str) -> HashResult:
        if isinstance(content, Path) and content.suffix.lower() in VIDEO_EXTENSIONS:
            return VpdqHasher().hash_file(content)
        # vPDQ reads a named file with a video extension: a private temporary copy.
        fd, name = tempfile.mkstemp(suffix=suffix, prefix="vigil-match-")
        try:
            with os.fdopen(fd, "wb") as handle:
                if isinstance(content, bytes):
                    handle.write(content)
                else:
                    with content.open("rb") as source:
                        shutil.copyfileobj(source, handle)
            return VpdqHasher().hash_file(Path(name))
        finally:
            os.unlink(name)
