"""The case service: the record every survivor case, evidence item and referral hangs on.

``CaseService`` is the one entry point; its parts live in small modules and are reachable
as attributes: ``intake`` (the portal), ``consent``, ``work`` (casework), ``risk``,
``referrals``, ``takedowns`` and ``retention``.
"""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases.base import EvidenceStore, MailSender
from vigil.cases.casework import CaseWork
from vigil.cases.consent import ConsentService
from vigil.cases.context import CaseDeps, CaseOptions, find_case
from vigil.cases.intake import IntakeService
from vigil.cases.references import new_reference, normalise_reference
from vigil.cases.referrals import ReferralServiceDirectory
from vigil.cases.retention import RetentionService, hold_in_force
from vigil.cases.risk import RiskService
from vigil.cases.schemas import (
    CaseCreate,
    CaseDetail,
    CasePublic,
    CaseSummary,
    EvidencePublic,
    IdentifierPublic,
    MessagePublic,
    NotePublic,
    StatusChangePublic,
    TaskPublic,
)
from vigil.cases.takedown import TakedownService
from vigil.cases.uploads import LocalEncryptedStore
from vigil.clock import utcnow
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.passwords import Passwords
from vigil.security.permissions import Action
from vigil.security.ratelimit import RateLimiter
from vigil.storage.database import Database
from vigil.storage.tables.case_work import (
    CaseEvidence,
    CaseMessage,
    CaseNote,
    CaseStatusChange,
    CaseTask,
    DeletionRequest,
)
from vigil.storage.tables.cases import Case, CaseIdentifier, CasePerson, json_list

LIST_LIMIT = 200


class _NoMail(MailSender):
    name = "none"

    def send(self, mail: Any) -> str:
        from vigil.errors import ConfigurationError

        raise ConfigurationError("no mail server is configured")


class CaseService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        authorizer: Authorizer,
        *,
        options: CaseOptions | None = None,
        passwords: Passwords | None = None,
        limiter: RateLimiter | None = None,
        store: EvidenceStore | None = None,
        mailer: MailSender | None = None,
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.options = options or CaseOptions()
        deps = CaseDeps(db, audit, authorizer, self.options)
        if store is None:
            import tempfile
            from pathlib import Path

            root = self.options.uploads_dir or Path(tempfile.mkdtemp(prefix="vigil-uploads-"))
            store = LocalEncryptedStore(root, db.cipher)
        self.store = store
        self.consent = ConsentService(deps)
        self.intake = IntakeService(
            deps, self.consent, passwords or Passwords(), limiter or RateLimiter(), store
        )
        self.work = CaseWork(deps)
        self.risk = RiskService(deps)
        self.referrals = ReferralServiceDirectory(deps, self.consent)
        self.takedowns = TakedownService(deps, self.consent, mailer or _NoMail())
        self.retention = RetentionService(deps, self.consent, store)

    def create(self, actor: Actor, data: CaseCreate) -> CasePublic:
        self.authorizer.require(actor, Action.CASE_CREATE, record_type="case")
        with self.db.transaction() as session:
            case = Case(
                reference=self._unique_reference(session),
                title=data.title,
                status="new",
                created_at=utcnow(),
                created_by=actor.user_id,
                source="staff",
                updated_at=utcnow(),
            )
            session.add(case)
            session.flush()
            self.audit.record(
                session, actor, "case.create", record_type="case", record_id=case.reference
            )
            return CasePublic.model_validate(case)

    def get(self, actor: Actor, reference: str) -> CasePublic:
        reference = normalise_reference(reference)
        self.authorizer.require(actor, Action.CASE_READ, record_type="case", record_id=reference)
        with self.db.transaction() as session:
            case = self.find(session, reference)
            self.audit.record(
                session, actor, "case.read", record_type="case", record_id=case.reference
            )
            return CasePublic.model_validate(case)

    def queue(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        assigned_to: int | None = None,
        limit: int = LIST_LIMIT,
    ) -> list[CaseSummary]:
        """The intake queue: newest first, optionally one status or one assignee."""
        self.authorizer.require(actor, Action.CASE_READ, record_type="case")
        with self.db.transaction() as session:
            stmt = select(Case).order_by(Case.id.desc()).limit(limit)
            if status:
                stmt = stmt.where(Case.status == status)
            if assigned_to is not None:
                stmt = stmt.where(Case.assigned_to == assigned_to)
            rows = [CaseSummary.model_validate(c) for c in session.scalars(stmt)]
            self.audit.record(
                session, actor, "case.list", record_type="case", purpose=f"{len(rows)} cases listed"
            )
            return rows

    def detail(self, actor: Actor, reference: str) -> CaseDetail:
        """Everything about one case; people's identity fields stay masked (see ``work.unmask``)."""
        reference = normalise_reference(reference)
        self.authorizer.require(actor, Action.CASE_READ, record_type="case", record_id=reference)
        with self.db.transaction() as session:
            case = find_case(session, reference)
            detail = self._detail(session, case)
            self.audit.record(
                session, actor, "case.read", record_type="case", record_id=case.reference
            )
            return detail

    def _detail(self, session: Session, case: Case) -> CaseDetail:
        def rows(model: Any) -> builtins.list[Any]:
            return list(
                session.scalars(select(model).where(model.case_id == case.id).order_by(model.id))
            )

        deletion = session.scalar(
            select(DeletionRequest.id)
            .where(DeletionRequest.case_id == case.id, DeletionRequest.status != "done")
            .limit(1)
        )
        return CaseDetail(
            reference=case.reference,
            title=case.title,
            status=case.status,
            source=case.source,
            category=case.category,
            description=case.description,
            anonymous=case.anonymous,
            language=case.language,
            platform=case.platform,
            incident_when=case.incident_when,
            wants=json_list(case.wants),
            risk_level=case.risk_level,
            assigned_to=case.assigned_to,
            created_at=case.created_at,
            consents=self.consent.current(session, case),
            people=CaseWork.masked_people(rows(CasePerson)),
            identifiers=[IdentifierPublic.model_validate(r) for r in rows(CaseIdentifier)],
            evidence=[EvidencePublic.model_validate(r) for r in rows(CaseEvidence)],
            notes=[NotePublic.model_validate(r) for r in rows(CaseNote)],
            tasks=[TaskPublic.model_validate(r) for r in rows(CaseTask)],
            history=[StatusChangePublic.model_validate(r) for r in rows(CaseStatusChange)],
            messages=[MessagePublic.model_validate(r) for r in rows(CaseMessage)],
            legal_hold=hold_in_force(session, case.id),
            deletion_requested=deletion is not None,
        )

    def export(self, actor: Actor, reference: str) -> dict[str, Any]:
        """A case as JSON for hand-over: identity fields are never included, only masked."""
        detail = self.detail(actor, reference)
        data = detail.model_dump(mode="json")
        data["people"] = [{"role": p.role, "identity": "withheld"} for p in detail.people]
        with self.db.transaction() as session:
            self.audit.record(
                session, actor, "case.export", record_type="case", record_id=detail.reference
            )
        return data

    @staticmethod
    def find(session: Session, reference: str) -> Case:
        """The case row for ``reference`` inside the caller's transaction (for flows)."""
        return find_case(session, reference)

    @staticmethod
    def _unique_reference(session: Session) -> str:
        while True:
            reference = new_reference()
            if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
                return reference

    def list(self, actor: Actor, *, limit: int = LIST_LIMIT) -> list[CasePublic]:
        self.authorizer.require(actor, Action.CASE_READ, record_type="case")
        with self.db.transaction() as session:
            rows = list(session.scalars(select(Case).order_by(Case.id.desc()).limit(limit)))
            self.audit.record(
                session, actor, "case.list", record_type="case", purpose=f"{len(rows)} cases listed"
            )
            return [CasePublic.model_validate(c) for c in rows]
