"""After ingest: legal holds, sharing, deletion, checkpoints; and captures turned into items.

``EvidenceService`` delegates here, so each module stays small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from vigil.cases.service import CaseService
from vigil.clock import utcnow
from vigil.errors import Conflict
from vigil.evidence.custody import CustodyAction, checkpoint_dict
from vigil.evidence.queries import Loaded, load_item
from vigil.evidence.schemas import CaptureResult, EvidencePublic
from vigil.security.actor import Actor
from vigil.security.permissions import Action
from vigil.storage.tables.evidence import EvidenceBlob, EvidenceItem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vigil.evidence.capture import CaptureOptions
    from vigil.evidence.service import EvidenceService

RECORD = "evidence"


def log_item_event(
    service: EvidenceService,
    session: Session,
    loaded: Loaded,
    action: CustodyAction,
    actor: Actor,
    *,
    reason: str | None,
    purpose: str | None = None,
    audit_action: str | None = None,
) -> None:
    """What every touch of an item leaves, in the caller's transaction: a custody event on
    the case's chain and an audit record (``evidence.<action>`` unless named)."""
    service.custody.append(
        session,
        loaded.case,
        action,
        actor,
        item_uid=loaded.item.uid,
        sha256=loaded.blob.sha256,
        reason=reason,
    )
    service.audit.record(
        session,
        actor,
        audit_action or f"evidence.{action}",
        record_type=RECORD,
        record_id=loaded.item.uid,
        purpose=purpose,
    )


def set_legal_hold(
    service: EvidenceService, actor: Actor, uid: str, on: bool, reason: str
) -> EvidencePublic:
    service.authorizer.require(actor, Action.EVIDENCE_LEGAL_HOLD, record_type=RECORD, record_id=uid)
    with service.db.transaction() as session:
        loaded = load_item(session, uid, lock=True)
        if loaded.item.legal_hold == on:
            return loaded.public()
        loaded.item.legal_hold = on
        action = CustodyAction.LEGAL_HOLD if on else CustodyAction.LEGAL_HOLD_RELEASE
        log_item_event(service, session, loaded, action, actor, reason=reason, purpose=reason)
        return loaded.public()


def share(
    service: EvidenceService, actor: Actor, uid: str, recipient: str, reason: str
) -> EvidencePublic:
    """Record that an item was handed to someone outside Vigil (who, to whom, why)."""
    service.authorizer.require(actor, Action.EVIDENCE_EXPORT, record_type=RECORD, record_id=uid)
    with service.db.transaction() as session:
        loaded = load_item(session, uid)
        log_item_event(
            service,
            session,
            loaded,
            CustodyAction.SHARE,
            actor,
            reason=f"to {recipient}: {reason}",
            purpose=reason,
        )
        return loaded.public()


def delete(service: EvidenceService, actor: Actor, uid: str, reason: str) -> EvidencePublic:
    """Delete an item's content (approved by a supervisor; never under legal hold).

    The row and its custody events stay; the vault file goes once no live item uses it.
    """
    service.authorizer.require(actor, Action.DELETION_APPROVE, record_type=RECORD, record_id=uid)
    with service.db.transaction() as session:
        loaded = load_item(session, uid, lock=True)
        if loaded.item.legal_hold:
            raise Conflict("this item is under legal hold; release the hold first")
        if loaded.item.deleted_at is not None:
            return loaded.public()
        loaded.item.deleted_at = utcnow()
        log_item_event(
            service,
            session,
            loaded,
            CustodyAction.DELETION,
            actor,
            reason=reason,
            purpose=reason,
            audit_action="evidence.delete",
        )
        public = loaded.public()
    purge_if_unused(service, loaded.blob.sha256)
    return public


def purge_if_unused(service: EvidenceService, sha256: str) -> None:
    with service.db.transaction() as session:
        blob = session.scalar(
            select(EvidenceBlob).where(EvidenceBlob.sha256 == sha256).with_for_update()
        )
        live = session.scalar(
            select(func.count())
            .select_from(EvidenceItem)
            .where(EvidenceItem.sha256 == sha256, EvidenceItem.deleted_at.is_(None))
        )
        if blob is None or live:
            return
        # The blob row stays locked until the file is gone: a concurrent add of the same
        # bytes waits, then finds it purged and writes the file again.
        session.execute(
            update(EvidenceBlob).where(EvidenceBlob.sha256 == sha256).values(purged_at=utcnow())
        )
        session.flush()
        service.vault.remove(sha256)


def checkpoint(
    service: EvidenceService, actor: Actor, case_reference: str
) -> dict[str, Any] | None:
    """Sign the head of a case's custody chain now; returns the checkpoint."""
    service.authorizer.require(
        actor, Action.EVIDENCE_EXPORT, record_type="case", record_id=case_reference
    )
    with service.db.transaction() as session:
        case = CaseService.find(session, case_reference)
        checkpoint = service.custody.checkpoint(session, case)
        service.audit.record(
            session, actor, "evidence.checkpoint", record_type="case", record_id=case.reference
        )
        return None if checkpoint is None else checkpoint_dict(checkpoint, case.reference)


def capture(
    service: EvidenceService,
    actor: Actor,
    case_reference: str,
    url: str,
    options: CaptureOptions | None = None,
    *,
    reason: str | None = None,
) -> CaptureResult:
    """Capture ``url`` (see ``capture.py``) and add each part to the case as evidence."""
    from vigil.evidence.capture import WebCapturer

    service.require_add(actor, case_reference, "capture")
    with service.db.transaction() as session:
        CaseService.find(session, case_reference)  # fail before touching the network
    capture = WebCapturer(options).capture(url)
    items = [
        service.add_bytes(
            actor,
            case_reference,
            part.data,
            part.filename,
            "capture",
            part.source_url,
            media_type=part.media_type,
            reason=reason,
            capture_id=capture.capture_id,
            part=part.part,
        )
        for part in capture.parts
    ]
    return CaptureResult(capture_id=capture.capture_id, items=items, notes=capture.notes)
