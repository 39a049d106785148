"""Takedown requests: drafted from a template, approved by a second person, then e-mailed.

Each URL keeps its own state (pending → sent → acknowledged → removed, or refused), and the
draft, approval and sending times are kept so the whole path can be measured.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases.base import MailSender, OutgoingMail
from vigil.cases.consent import ConsentService
from vigil.cases.context import CaseDeps, find_case
from vigil.cases.schemas import check_url
from vigil.cases.takedown_templates import render_letter
from vigil.clock import utcnow
from vigil.errors import Conflict, ConsentRequired, InvalidInput, NotFound
from vigil.security.actor import Actor
from vigil.security.audit import Outcome
from vigil.security.permissions import Action
from vigil.storage.tables.case_work import CaseEvidence
from vigil.storage.tables.referrals import TakedownRequest, TakedownUrl

URL_STATES = ("pending", "sent", "acknowledged", "removed", "refused")


class TakedownDraft(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    platform: str
    language: str = "en"
    basis: str
    recipient: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    urls: list[str] = Field(min_length=1, max_length=100)
    override_reason: str | None = Field(default=None, max_length=2000)

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return [check_url(v) for v in value]


class UrlPublic(BaseModel):
    id: int
    url: str
    state: str


class TakedownPublic(BaseModel):
    id: int
    reference: str
    platform: str
    language: str
    recipient: str
    basis: str
    subject: str
    body: str
    status: str
    drafted_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    urls: list[UrlPublic]


class TakedownTiming(BaseModel):
    draft_to_approve_s: float | None
    approve_to_sent_s: float | None
    draft_to_sent_s: float | None


class TakedownService:
    def __init__(self, deps: CaseDeps, consent: ConsentService, mailer: MailSender) -> None:
        self.deps = deps
        self.consent = consent
        self.mailer = mailer
        consent.register_stopper("takedown", self._stop)

    def _public(self, session: Session, row: TakedownRequest, reference: str) -> TakedownPublic:
        urls = session.scalars(
            select(TakedownUrl).where(TakedownUrl.request_id == row.id).order_by(TakedownUrl.id)
        )
        return TakedownPublic(
            id=row.id,
            reference=reference,
            platform=row.platform,
            language=row.language,
            recipient=row.recipient,
            basis=row.basis,
            subject=row.subject,
            body=row.body,
            status=row.status,
            drafted_at=row.drafted_at,
            approved_at=row.approved_at,
            sent_at=row.sent_at,
            urls=[UrlPublic(id=u.id, url=u.url, state=u.state) for u in urls],
        )

    def _request(
        self, session: Session, reference: str, request_id: int
    ) -> tuple[TakedownRequest, str]:
        case = find_case(session, reference)
        row = session.get(TakedownRequest, request_id)
        if row is None or row.case_id != case.id:
            raise NotFound("no such takedown request in this case")
        return row, case.reference

    def draft(self, actor: Actor, reference: str, data: TakedownDraft) -> TakedownPublic:
        self.deps.authorizer.require(
            actor, Action.TAKEDOWN_DRAFT, record_type="case", record_id=reference
        )
        self.consent.precheck(actor, reference, "takedown", data.override_reason)
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            override_id = self.consent.require(
                session, case, "takedown", actor, override_reason=data.override_reason
            )
            hashes = list(
                session.scalars(
                    select(CaseEvidence.sha256)
                    .where(CaseEvidence.case_id == case.id)
                    .order_by(CaseEvidence.id)
                )
            )
            letter = render_letter(
                platform=data.platform,
                language=data.language,
                basis=data.basis,
                reference=case.reference,
                urls=data.urls,
                hashes=hashes,
                organisation=self.deps.options.organisation_name,
            )
            now = utcnow()
            row = TakedownRequest(
                case_id=case.id,
                platform=data.platform,
                language=data.language,
                recipient=data.recipient,
                basis=data.basis,
                subject=letter.subject,
                body=letter.body,
                status="draft",
                override_id=override_id,
                drafted_by=actor.user_id,
                drafted_at=now,
            )
            session.add(row)
            session.flush()
            for url in data.urls:
                session.add(
                    TakedownUrl(request_id=row.id, url=url, state="pending", updated_at=now)
                )
            self.consent.record_dependent(session, case, "takedown", "takedown", row.id)
            self.deps.audit.record(
                session,
                actor,
                "takedown.draft",
                record_type="case",
                record_id=case.reference,
                purpose=f"request {row.id}",
            )
            session.flush()
            return self._public(session, row, case.reference)

    def approve(self, actor: Actor, reference: str, request_id: int) -> TakedownPublic:
        """A second person approves; only approved requests can be sent."""
        self.deps.authorizer.require(
            actor, Action.TAKEDOWN_APPROVE, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            row, ref = self._request(session, reference, request_id)
            if row.status != "draft":
                raise Conflict(f"this request is {row.status}, not a draft", field="status")
            if row.drafted_by is not None and row.drafted_by == actor.user_id:
                raise Conflict(
                    "someone other than its author must approve a request", field="approved_by"
                )
            row.status, row.approved_by, row.approved_at = "approved", actor.user_id, utcnow()
            self.deps.audit.record(
                session,
                actor,
                "takedown.approve",
                record_type="case",
                record_id=ref,
                purpose=f"request {row.id}",
            )
            return self._public(session, row, ref)

    def send(self, actor: Actor, reference: str, request_id: int) -> TakedownPublic:
        self.deps.authorizer.require(
            actor, Action.TAKEDOWN_DRAFT, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            row, ref = self._request(session, reference, request_id)
            if row.status != "approved":
                raise Conflict("only an approved request can be sent", field="status")
            case = find_case(session, reference)
            if row.override_id is None and not self.consent.current(session, case)["takedown"]:
                raise ConsentRequired("the survivor has withdrawn consent to takedown requests")
            row.status = "sending"  # no second sender while this one talks to the server
            mail = OutgoingMail(recipient=row.recipient, subject=row.subject, body=row.body)
        try:
            message_id = self.mailer.send(mail)
        except Exception:
            with self.deps.db.transaction() as session:
                row, ref = self._request(session, reference, request_id)
                row.status = "approved"
                self.deps.audit.record(
                    session,
                    actor,
                    "takedown.send",
                    record_type="case",
                    record_id=ref,
                    outcome=Outcome.FAILURE,
                )
            raise
        with self.deps.db.transaction() as session:
            row, ref = self._request(session, reference, request_id)
            now = utcnow()
            row.status, row.sent_at, row.message_id = "sent", now, message_id[:200]
            for url in session.scalars(select(TakedownUrl).where(TakedownUrl.request_id == row.id)):
                url.state, url.updated_at = "sent", now
            self.deps.audit.record(
                session,
                actor,
                "takedown.send",
                record_type="case",
                record_id=ref,
                purpose=f"request {row.id}",
            )
            return self._public(session, row, ref)

    def set_url_state(
        self, actor: Actor, reference: str, request_id: int, url_id: int, state: str
    ) -> TakedownPublic:
        self.deps.authorizer.require(
            actor, Action.TAKEDOWN_DRAFT, record_type="case", record_id=reference
        )
        if state not in URL_STATES[2:]:
            raise InvalidInput("state must be acknowledged, removed or refused", field="state")
        with self.deps.db.transaction() as session:
            row, ref = self._request(session, reference, request_id)
            url = session.get(TakedownUrl, url_id)
            if url is None or url.request_id != row.id:
                raise NotFound("no such URL in this request")
            if row.status != "sent":
                raise Conflict("the request has not been sent yet", field="state")
            url.state, url.updated_at = state, utcnow()
            self.deps.audit.record(
                session,
                actor,
                "takedown.url_state",
                record_type="case",
                record_id=ref,
                purpose=state,
            )
            return self._public(session, row, ref)

    def for_case(self, actor: Actor, reference: str) -> list[TakedownPublic]:
        self.deps.authorizer.require(
            actor, Action.CASE_READ, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            rows = session.scalars(
                select(TakedownRequest)
                .where(TakedownRequest.case_id == case.id)
                .order_by(TakedownRequest.id)
            )
            return [self._public(session, r, case.reference) for r in rows]

    def timing(self, actor: Actor, reference: str, request_id: int) -> TakedownTiming:
        self.deps.authorizer.require(
            actor, Action.CASE_READ, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            row, _ = self._request(session, reference, request_id)

            def seconds(a: datetime | None, b: datetime | None) -> float | None:
                return None if a is None or b is None else (b - a).total_seconds()

            return TakedownTiming(
                draft_to_approve_s=seconds(row.drafted_at, row.approved_at),
                approve_to_sent_s=seconds(row.approved_at, row.sent_at),
                draft_to_sent_s=seconds(row.drafted_at, row.sent_at),
            )

    @staticmethod
    def _stop(session: Session, ref: str) -> None:
        row = session.get(TakedownRequest, int(ref))
        if row is not None and row.status in ("draft", "approved"):
            row.status = "withdrawn"
