"""The case service: the record every survivor case, evidence item and referral hangs on."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases.references import new_reference, normalise_reference
from vigil.cases.schemas import CaseCreate, CasePublic
from vigil.clock import utcnow
from vigil.errors import NotFound
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.permissions import Action
from vigil.storage.database import Database
from vigil.storage.tables.cases import Case

LIST_LIMIT = 200


class CaseService:
    def __init__(self, db: Database, audit: AuditLog, authorizer: Authorizer) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer

    def create(self, actor: Actor, data: CaseCreate) -> CasePublic:
        self.authorizer.require(actor, Action.CASE_CREATE, record_type="case")
        with self.db.transaction() as session:
            case = Case(
                reference=self._unique_reference(session),
                title=data.title,
                status="new",
                created_at=utcnow(),
                created_by=actor.user_id,
            )
            session.add(case)
            session.flush()
            self.audit.record(session, actor, "case.create", record_type="case",
                              record_id=case.reference)
            return CasePublic.model_validate(case)

    def get(self, actor: Actor, reference: str) -> CasePublic:
        reference = normalise_reference(reference)
        self.authorizer.require(actor, Action.CASE_READ, record_type="case", record_id=reference)
        with self.db.transaction() as session:
            case = self.find(session, reference)
            self.audit.record(session, actor, "case.read", record_type="case",
                              record_id=case.reference)
            return CasePublic.model_validate(case)

    def list(self, actor: Actor, *, limit: int = LIST_LIMIT) -> list[CasePublic]:
        self.authorizer.require(actor, Action.CASE_READ, record_type="case")
        with self.db.transaction() as session:
            rows = list(session.scalars(select(Case).order_by(Case.id.desc()).limit(limit)))
            self.audit.record(session, actor, "case.list", record_type="case",
                              purpose=f"{len(rows)} cases listed")
            return [CasePublic.model_validate(c) for c in rows]

    @staticmethod
    def find(session: Session, reference: str) -> Case:
        """The case row for ``reference`` inside the caller's transaction (for flows)."""
        case = session.scalar(
            select(Case).where(Case.reference == normalise_reference(reference))
        )
        if case is None:
            raise NotFound("no case with that reference")
        return case

    @staticmethod
    def _unique_reference(session: Session) -> str:
        while True:
            reference = new_reference()
            if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
                return reference
