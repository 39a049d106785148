"""The caseworker's daily work: assignment, status with reasons, notes, tasks, people,
identifiers, unmasking, and messages to the survivor."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from vigil.cases.context import CaseDeps, find_case
from vigil.cases.schemas import (
    IdentifierCreate,
    NoteCreate,
    PersonCreate,
    PersonPublic,
    StatusChange,
    TaskCreate,
)
from vigil.cases.taxonomy import FORWARD, TRANSITIONS
from vigil.clock import utcnow
from vigil.errors import InvalidInput, NotFound
from vigil.security.actor import Actor
from vigil.security.permissions import Action
from vigil.storage.tables.accounts import User
from vigil.storage.tables.case_work import CaseMessage, CaseNote, CaseStatusChange, CaseTask
from vigil.storage.tables.cases import CaseIdentifier, CasePerson


class CaseWork:
    def __init__(self, deps: CaseDeps) -> None:
        self.deps = deps

    def _require(self, actor: Actor, action: Action, reference: str) -> None:
        self.deps.authorizer.require(actor, action, record_type="case", record_id=reference)

    def assign(self, actor: Actor, reference: str, user_id: int | None) -> None:
        self._require(actor, Action.CASE_UPDATE, reference)
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            if user_id is not None:
                user = session.get(User, user_id)
                if user is None or not user.active:
                    raise InvalidInput("no active staff member with that id", field="user_id")
            case.assigned_to = user_id
            case.updated_at = utcnow()
            self.deps.audit.record(
                session,
                actor,
                "case.assign",
                record_type="case",
                record_id=case.reference,
                purpose=f"user {user_id}",
            )

    def change_status(self, actor: Actor, reference: str, change: StatusChange) -> None:
        self._require(actor, Action.CASE_UPDATE, reference)
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            if change.status not in TRANSITIONS.get(case.status, frozenset()):
                raise InvalidInput(
                    f"a case cannot go from {case.status} to {change.status}", field="status"
                )
            if (case.status, change.status) not in FORWARD and not change.reason:
                raise InvalidInput("say why: closing or going back needs a reason", field="reason")
            session.add(
                CaseStatusChange(
                    case_id=case.id,
                    from_status=case.status,
                    to_status=change.status,
                    reason=change.reason,
                    actor_id=actor.user_id,
                    at=utcnow(),
                )
            )
            now = utcnow()
            if change.status == "closed":
                case.closed_at = now
                case.retention_until = now + timedelta(days=self.deps.options.retention_days)
            elif case.status == "closed":
                case.closed_at = case.retention_until = None
            case.status = change.status
            case.updated_at = now
            self.deps.audit.record(
                session,
                actor,
                "case.status",
                record_type="case",
                record_id=case.reference,
                purpose=change.status,
            )

    def add_note(self, actor: Actor, reference: str, note: NoteCreate) -> int:
        self._require(actor, Action.CASE_UPDATE, reference)
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            row = CaseNote(
                case_id=case.id, body=note.body, author_id=actor.user_id, created_at=utcnow()
            )
            session.add(row)
            session.flush()
            self.deps.audit.record(
                session, actor, "case.note", record_type="case", record_id=case.reference
            )
            return row.id

    def add_task(self, actor: Actor, reference: str, task: TaskCreate) -> int:
        self._require(actor, Action.CASE_UPDATE, reference)
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            row = CaseTask(
                case_id=case.id,
                title=task.title,
                due_at=task.due_at,
                done=False,
                assigned_to=task.assigned_to,
                created_by=actor.user_id,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            self.deps.audit.record(
                session, actor, "case.task", record_type="case", record_id=case.reference
            )
            return row.id

    def complete_task(self, actor: Actor, reference: str, task_id: int) -> None:
        self._require(actor, Action.CASE_UPDATE, reference)
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            task = session.get(CaseTask, task_id)
            if task is None or task.case_id != case.id:
                raise NotFound("no such task in this case")
            task.done = True
            self.deps.audit.record(
                session, actor, "case.task_done", record_type="case", record_id=case.reference
            )

    def add_person(self, actor: Actor, reference: str, person: PersonCreate) -> int:
        self._require(actor, Action.CASE_UPDATE, reference)
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            row = CasePerson(
                case_id=case.id,
                role=person.role,
                name=person.name,
                contact=person.contact,
                details=person.details,
                supplied_by="staff",
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            self.deps.audit.record(
                session, actor, "case.person_add", record_type="case", record_id=case.reference
            )
            return row.id

    def add_identifier(self, actor: Actor, reference: str, item: IdentifierCreate) -> int:
        self._require(actor, Action.CASE_UPDATE, reference)
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            row = CaseIdentifier(
                case_id=case.id,
                kind=item.kind,
                platform=item.platform,
                value=item.value,
                supplied_by="staff",
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            self.deps.audit.record(
                session, actor, "case.identifier_add", record_type="case", record_id=case.reference
            )
            return row.id

    def unmask(self, actor: Actor, reference: str, person_id: int, purpose: str) -> PersonPublic:
        """Show one person's identity fields: only for roles that need them, always logged."""
        self._require(actor, Action.SURVIVOR_UNMASK, reference)
        if len(purpose.strip()) < 5:
            raise InvalidInput("say why you need to see this person's identity", field="purpose")
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            person = session.get(CasePerson, person_id)
            if person is None or person.case_id != case.id:
                raise NotFound("no such person in this case")
            self.deps.audit.record(
                session,
                actor,
                "survivor.unmask",
                record_type="case",
                record_id=case.reference,
                purpose=purpose.strip(),
            )
            return PersonPublic(
                id=person.id,
                role=person.role,
                name=person.name,
                contact=person.contact,
                details=person.details,
                masked=False,
            )

    def message_survivor(self, actor: Actor, reference: str, body: str) -> None:
        self._require(actor, Action.CASE_UPDATE, reference)
        body = body.strip()
        if not body or len(body) > 5000:
            raise InvalidInput("write a message of up to 5000 characters", field="body")
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            if case.source != "portal":
                raise InvalidInput("this case was not reported through the portal", field="body")
            session.add(
                CaseMessage(
                    case_id=case.id,
                    direction="to_survivor",
                    body=body,
                    author_id=actor.user_id,
                    created_at=utcnow(),
                )
            )
            self.deps.audit.record(
                session, actor, "message.create", record_type="case", record_id=case.reference
            )

    @staticmethod
    def masked_people(rows: list[CasePerson]) -> list[PersonPublic]:
        return [
            PersonPublic(
                id=p.id,
                role=p.role,
                name="•••" if p.name else None,
                contact="•••" if p.contact else None,
                details="•••" if p.details else None,
                masked=True,
            )
            for p in rows
        ]

    def people(self, reference: str) -> list[CasePerson]:
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            return list(session.scalars(select(CasePerson).where(CasePerson.case_id == case.id)))
