"""Retention and deletion: legal holds (two people), survivors' deletion requests, purging.

A deletion request removes what identifies her and the evidence she supplied, unless a legal
hold approved by a second person is in force. Closed cases are purged when their retention
period ends, again unless held. Every step is audited; the audit rows keep only the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError as SQLAlchemyIntegrityError
from sqlalchemy.orm import Session

from vigil.cases.base import EvidenceStore
from vigil.cases.consent import ConsentChangeResult, ConsentService
from vigil.cases.context import CaseDeps, find_case
from vigil.clock import utcnow
from vigil.errors import Conflict, InvalidInput, NotFound
from vigil.security.actor import Actor
from vigil.security.audit import Outcome
from vigil.security.permissions import Action
from vigil.storage.tables.case_work import (
    CaseEvidence,
    CaseMessage,
    DeletionRequest,
    LegalHold,
)
from vigil.storage.tables.cases import Case, CaseIdentifier, CasePerson

#: Storage keys of files kept by the evidence vault rather than the cases store.
VAULT_PREFIX = "vault:"


@dataclass(frozen=True)
class DeletionOutcome:
    reference: str
    status: str  # "done" or "held"
    consent: ConsentChangeResult | None
    #: Evidence-vault item ids of the files she supplied, for the flow to delete under custody.
    vault_items: tuple[str, ...] = ()


def hold_in_force(session: Session, case_id: int) -> bool:
    return (
        session.scalar(
            select(LegalHold.id)
            .where(
                LegalHold.case_id == case_id,
                LegalHold.approved_at.is_not(None),
                LegalHold.released_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


class RetentionService:
    def __init__(self, deps: CaseDeps, consent: ConsentService, store: EvidenceStore) -> None:
        self.deps = deps
        self.consent = consent
        self.store = store

    # ---- legal holds --------------------------------------------------------------------

    def request_hold(self, actor: Actor, reference: str, reason: str) -> int:
        self.deps.authorizer.require(
            actor, Action.EVIDENCE_LEGAL_HOLD, record_type="case", record_id=reference
        )
        if len(reason.strip()) < 10:
            raise InvalidInput(
                "a legal hold needs a reason of at least 10 characters", field="reason"
            )
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            hold = LegalHold(
                case_id=case.id,
                reason=reason.strip(),
                requested_by=actor.user_id,
                requested_label=actor.label[:64],
                created_at=utcnow(),
            )
            session.add(hold)
            session.flush()
            self.deps.audit.record(
                session, actor, "legal_hold.request", record_type="case", record_id=case.reference
            )
            return hold.id

    def approve_hold(self, actor: Actor, reference: str, hold_id: int) -> None:
        self.deps.authorizer.require(
            actor, Action.EVIDENCE_LEGAL_HOLD, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            hold = session.get(LegalHold, hold_id)
            if hold is None or hold.case_id != case.id:
                raise NotFound("no such legal hold in this case")
            if hold.approved_at is not None:
                raise Conflict("this hold is already approved")
            if hold.requested_label == actor.label[:64]:
                raise Conflict("a second person must approve a legal hold", field="approved_by")
            hold.approved_by, hold.approved_label = actor.user_id, actor.label[:64]
            hold.approved_at = utcnow()
            self.deps.audit.record(
                session, actor, "legal_hold.approve", record_type="case", record_id=case.reference
            )

    def release_hold(self, actor: Actor, reference: str, hold_id: int) -> None:
        self.deps.authorizer.require(
            actor, Action.EVIDENCE_LEGAL_HOLD, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            hold = session.get(LegalHold, hold_id)
            if hold is None or hold.case_id != case.id:
                raise NotFound("no such legal hold in this case")
            hold.released_at = utcnow()
            self.deps.audit.record(
                session, actor, "legal_hold.release", record_type="case", record_id=case.reference
            )

    # ---- a survivor's deletion request ------------------------------------------------

    def process_deletion(self, actor: Actor, reference: str) -> DeletionOutcome:
        """Carry out her deletion request (supervisor), unless a legal hold is in force."""
        self.deps.authorizer.require(
            actor, Action.DELETION_APPROVE, record_type="case", record_id=reference
        )
        keys: list[str] = []
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            request = session.scalar(
                select(DeletionRequest)
                .where(
                    DeletionRequest.case_id == case.id,
                    DeletionRequest.status.in_(("pending", "held")),
                )
                .order_by(DeletionRequest.id.desc())
                .limit(1)
            )
            if request is None:
                raise NotFound("there is no open deletion request for this case")
            request.decided_by, request.decided_at = actor.user_id, utcnow()
            if hold_in_force(session, case.id):
                request.status = "held"
                self.deps.audit.record(
                    session,
                    actor,
                    "case.deletion_held",
                    record_type="case",
                    record_id=case.reference,
                )
                return DeletionOutcome(case.reference, "held", None)
            consent = self.consent.apply(session, case, (), actor)
            keys = self._redact(session, case)
            request.status = "done"
            self.deps.audit.record(
                session,
                actor,
                "case.deletion",
                record_type="case",
                record_id=case.reference,
                purpose=f"{len(keys)} files removed",
            )
        for key in keys:  # after commit: a rolled-back deletion must not lose files
            if not key.startswith(VAULT_PREFIX):
                self.store.delete(key)
        vault = tuple(k.removeprefix(VAULT_PREFIX) for k in keys if k.startswith(VAULT_PREFIX))
        return DeletionOutcome(reference, "done", consent, vault)

    @staticmethod
    def _redact(session: Session, case: Case) -> list[str]:
        evidence = list(
            session.scalars(
                select(CaseEvidence).where(
                    CaseEvidence.case_id == case.id, CaseEvidence.supplied_by == "survivor"
                )
            )
        )
        keys = [e.storage_key for e in evidence]
        for row in evidence:
            session.delete(row)
        session.execute(
            delete(CasePerson).where(CasePerson.case_id == case.id, CasePerson.role == "survivor")
        )
        session.execute(
            delete(CaseIdentifier).where(
                CaseIdentifier.case_id == case.id, CaseIdentifier.supplied_by == "survivor"
            )
        )
        session.execute(delete(CaseMessage).where(CaseMessage.case_id == case.id))
        case.description = None
        case.incident_when = None
        case.passphrase_hash = None  # her reference no longer opens anything
        case.redacted_at = utcnow()
        return keys

    # ---- purging on schedule -----------------------------------------------------------

    def purge_due(self, actor: Actor, *, now: datetime | None = None) -> list[str]:
        """Delete closed cases whose retention has ended and that no legal hold keeps."""
        self.deps.authorizer.require(actor, Action.RETENTION_MANAGE, record_type="case")
        now = now or utcnow()
        purged: list[str] = []
        keys: list[str] = []
        with self.deps.db.transaction() as session:
            due = list(
                session.scalars(
                    select(Case).where(
                        Case.status == "closed",
                        Case.retention_until.is_not(None),
                        Case.retention_until <= now,
                    )
                )
            )
            for case in due:
                if hold_in_force(session, case.id):
                    continue
                case_keys = list(
                    session.scalars(
                        select(CaseEvidence.storage_key).where(CaseEvidence.case_id == case.id)
                    )
                )
                reference = case.reference
                try:
                    with session.begin_nested():
                        session.delete(case)
                        session.flush()
                except SQLAlchemyIntegrityError:
                    # Evidence under chain of custody refers to the case: it stays until the
                    # evidence is dealt with, and the refusal is audited.
                    session.expire_all()
                    self.deps.audit.record(
                        session,
                        actor,
                        "case.purge",
                        record_type="case",
                        record_id=reference,
                        outcome=Outcome.FAILURE,
                        purpose="evidence under custody refers to it",
                    )
                    continue
                keys.extend(case_keys)
                purged.append(reference)
                self.deps.audit.record(
                    session, actor, "case.purge", record_type="case", record_id=reference
                )
        for key in keys:
            if not key.startswith(VAULT_PREFIX):
                self.store.delete(key)
        return purged

    def set_retention(self, actor: Actor, reference: str, until: datetime | None) -> None:
        """A per-record retention date (e.g. longer for a case going to court)."""
        self.deps.authorizer.require(
            actor, Action.RETENTION_MANAGE, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            case.retention_until = until
            self.deps.audit.record(
                session, actor, "case.retention", record_type="case", record_id=case.reference
            )
