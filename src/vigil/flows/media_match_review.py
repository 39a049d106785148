"""A hash match reaching people: the review item and the caseworker of the linked case.

Whatever saw the image (a monitored post, a captured page, a staff upload, a partner feed,
``vigil media match``), ``HashBankService.match`` records the match and its review item (the
media kept encrypted, shown blurred). This flow then, once that is committed:

1. puts a notice in the inbox of the case's caseworker (assigned, else whoever opened it);
2. sends the same notice through monitoring's alert channels (webhook, e-mail).

A notice carries no image and nothing about the survivor: "possible re-upload of reported
images", the case reference, how many items and a console link. Negative banks and withdrawn
hashes never produce a match, so never a notice.

``MonitoredMediaMatcher`` is monitoring's ``BankMatcher``: posts' media go through the same
``match`` (source "monitoring"), so their matches follow the same path; ``match_capture``
does the same for the images a web capture fetched (source "capture").
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from vigil.errors import VigilError
from vigil.evidence.custody import CustodyAction
from vigil.evidence.schemas import EvidencePublic
from vigil.evidence.service import EvidenceService
from vigil.hashbanks.indexes import Query
from vigil.hashbanks.reviews import ReviewCreated, ReviewPublic
from vigil.hashbanks.service import HashBankService
from vigil.media.hashers import PdqHasher
from vigil.monitoring.media import MediaRef
from vigil.monitoring.notify import Notifier
from vigil.notifications.service import NotificationService
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.storage.database import Database
from vigil.storage.tables.cases import Case

log = logging.getLogger(__name__)
NOTICE_KIND = "media_match"
REVIEW_PATH = "/console/media/reviews"
#: Images a capture fetched above this size are not matched (a page's photos are far smaller).
MAX_CAPTURED_IMAGE_BYTES = 20 * 1024 * 1024
_SUFFIX = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


def notice_subject(reference: str, count: int) -> str:
    items = "item" if count == 1 else "items"
    return f"Possible re-upload of reported images in case {reference}: {count} {items} to review"


class MatchAlerts:
    """Registered with ``HashBankService.on_review``."""

    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        notifications: NotificationService,
        notifier: Notifier | None = None,
    ) -> None:
        self.db = db
        self.audit = audit
        self.notifications = notifications
        self.notifier = notifier

    def __call__(self, created: Sequence[ReviewCreated]) -> None:
        per_case = Counter(c.case_id for c in created if c.case_id is not None)
        if not per_case:
            return
        sent: list[tuple[str, int]] = []
        with self.db.transaction() as session:
            cases = session.execute(
                select(Case.id, Case.reference, Case.assigned_to, Case.created_by).where(
                    Case.id.in_(list(per_case))
                )
            ).all()
            for case_id, reference, assigned_to, created_by in cases:
                count = per_case[case_id]
                sent.append((reference, count))
                caseworker = assigned_to or created_by
                if caseworker is None:
                    continue  # nobody holds the case yet: the review queue still shows it
                row = self.notifications.add(
                    session,
                    caseworker,
                    NOTICE_KIND,
                    notice_subject(reference, count),
                    f"{REVIEW_PATH}?case={reference}",
                    case_reference=reference,
                )
                session.flush()
                self.audit.record(
                    session,
                    Actor.operator("media-match"),
                    "notification.create",
                    record_type="case",
                    record_id=reference,
                    purpose=f"{NOTICE_KIND} notice {row.id}",
                )
        if self.notifier is None:
            return
        for reference, count in sent:
            payload = {
                "type": "vigil.media.match",
                "case_reference": reference,
                "items": count,
                "link": f"{REVIEW_PATH}?case={reference}",
            }
            if not self.notifier.send_notice(notice_subject(reference, count), payload):
                log.warning("media match notice not delivered", extra={"event": NOTICE_KIND})


class MonitoredMediaMatcher:
    """Monitoring's ``BankMatcher``: posts' media against every bank, with review items."""

    def __init__(self, hashbanks: HashBankService) -> None:
        self.hashbanks = hashbanks
        self.actor = Actor.operator("monitoring")

    def match(self, media: Sequence[MediaRef]) -> list[list[str]]:
        queries = []
        for ref in media:
            kind, _, value = ref.key.partition(":")
            # The probes and variants the monitoring step computed, as ``vigil media match``
            # looks an image up: crops, borders and turns of a banked image match too.
            hashes = list(dict.fromkeys([(kind, value), *ref.probes]))
            if ref.sha256 and kind != "sha256":
                hashes.append(("sha256", ref.sha256))
            path = Path(ref.path) if ref.path else None
            queries.append(Query(ref.post, tuple(hashes), path))
        results = self.hashbanks.match(self.actor, queries, source="monitoring")
        return [sorted({m.bank for m in r.matches}) for r in results]


def confirm_match(
    hashbanks: HashBankService, evidence: EvidenceService, actor: Actor, review_id: int
) -> tuple[ReviewPublic, str | None]:
    """Confirm a review item and, when it has a file and a case, keep the file as evidence
    of the case (vault, custody log). Returns the item and the evidence uid, if any."""
    item = hashbanks.reviews.decide(actor, review_id, "confirm")
    if not (item.has_media and item.case_reference):
        return item, None
    data, media_type = hashbanks.reviews.reveal(actor, review_id)
    stored = evidence.add_bytes(
        actor,
        item.case_reference,
        data,
        f"media-match-{review_id}{_SUFFIX.get(media_type, '')}",
        how="import",
        media_type=media_type,
        sensitive=True,
        notify=False,  # matched already: matching it again as an upload would repeat it
        reason=f"re-upload matched bank {item.bank} at distance {item.distance} ({item.source})",
    )
    return item, stored.uid


def match_capture(
    hashbanks: HashBankService,
    evidence: EvidenceService,
    actor: Actor,
    items: Sequence[EvidencePublic],
) -> int:
    """The images a web capture fetched (in its WARC) against the banks (source "capture");
    returns how many matched. Reading the WARC is a custody event like any other view."""
    queries: list[Query] = []
    hasher = PdqHasher()
    for item in items:
        if item.part != "warc":
            continue
        _, data = evidence.content(
            actor, item.uid, CustodyAction.VIEW, "matching captured images against hash banks"
        )
        for uri, payload in _warc_images(data):
            try:
                result = hasher.hash_bytes(payload)
            except VigilError:
                continue  # not an image we can read: nothing to match
            queries.append(Query.from_result(f"{item.capture_id}: {uri}"[:500], result, payload))
    if not queries:
        return 0
    results = hashbanks.match(actor, queries, source="capture")
    return sum(1 for r in results if r.matches)


def _warc_images(data: bytes) -> list[tuple[str, bytes]]:
    out = []
    for record in ArchiveIterator(io.BytesIO(data)):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        kind = (record.http_headers.get_header("Content-Type") or "").lower()
        if kind.startswith("image/"):
            payload = record.content_stream().read(MAX_CAPTURED_IMAGE_BYTES + 1)
            if len(payload) <= MAX_CAPTURED_IMAGE_BYTES:
                out.append((record.rec_headers.get_header("WARC-Target-URI") or "?", payload))
    return out
