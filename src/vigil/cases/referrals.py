"""The directory of support services (admin-edited) and referrals of cases to them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases.consent import ConsentService
from vigil.cases.context import CaseDeps, find_case
from vigil.clock import utcnow
from vigil.errors import InvalidInput, NotFound
from vigil.security.actor import Actor
from vigil.security.permissions import Action
from vigil.storage.tables.referrals import Referral, ReferralService

SERVICE_KINDS = ("shelter", "legal_aid", "psychosocial", "hotline", "medical", "police", "other")
REFERRAL_STATES = ("pending", "sent", "accepted", "declined", "completed", "withdrawn")


class ServiceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, from_attributes=True)

    name: str = Field(min_length=1, max_length=200)
    kind: str
    country: str = Field(min_length=2, max_length=2)
    languages: str = Field(min_length=2, max_length=64, description="comma-separated codes")
    contact: str = Field(min_length=1, max_length=300)
    email: str | None = Field(default=None, max_length=254)
    description: str | None = Field(default=None, max_length=5000)
    active: bool = True

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in SERVICE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(SERVICE_KINDS)}")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return value.upper()


class ServicePublic(ServiceEntry):
    id: int


class ReferralCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    service_id: int
    shared: str = Field(min_length=1, max_length=5000, description="what is shared, and how")
    override_reason: str | None = Field(default=None, max_length=2000)


class ReferralUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: str
    outcome: str | None = Field(default=None, max_length=5000)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in REFERRAL_STATES:
            raise ValueError(f"status must be one of {', '.join(REFERRAL_STATES)}")
        return value


class ReferralPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    service_id: int | None
    shared: str
    status: str
    outcome: str | None
    overridden: bool
    created_at: datetime


def _public(row: Referral) -> ReferralPublic:
    return ReferralPublic(
        id=row.id,
        service_id=row.service_id,
        shared=row.shared,
        status=row.status,
        outcome=row.outcome,
        overridden=row.override_id is not None,
        created_at=row.created_at,
    )


class ReferralServiceDirectory:
    def __init__(self, deps: CaseDeps, consent: ConsentService) -> None:
        self.deps = deps
        self.consent = consent
        consent.register_stopper("referral", self._stop)

    # ---- the directory ------------------------------------------------------------------

    def add_service(self, actor: Actor, entry: ServiceEntry) -> ServicePublic:
        self.deps.authorizer.require(
            actor, Action.SERVICE_DIRECTORY_MANAGE, record_type="referral_service"
        )
        with self.deps.db.transaction() as session:
            row = ReferralService(**entry.model_dump(), updated_at=utcnow())
            session.add(row)
            session.flush()
            self.deps.audit.record(
                session,
                actor,
                "referral_service.create",
                record_type="referral_service",
                record_id=row.id,
            )
            return ServicePublic.model_validate(row)

    def update_service(self, actor: Actor, service_id: int, entry: ServiceEntry) -> ServicePublic:
        self.deps.authorizer.require(
            actor,
            Action.SERVICE_DIRECTORY_MANAGE,
            record_type="referral_service",
            record_id=service_id,
        )
        with self.deps.db.transaction() as session:
            row = session.get(ReferralService, service_id)
            if row is None:
                raise NotFound("no such service")
            for key, value in entry.model_dump().items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            self.deps.audit.record(
                session,
                actor,
                "referral_service.update",
                record_type="referral_service",
                record_id=row.id,
            )
            return ServicePublic.model_validate(row)

    def list_services(
        self,
        actor: Actor,
        *,
        country: str | None = None,
        language: str | None = None,
        include_inactive: bool = False,
    ) -> list[ServicePublic]:
        allows = self.deps.authorizer.allows
        if not allows(actor, Action.SERVICE_DIRECTORY_MANAGE):
            self.deps.authorizer.require(
                actor, Action.REFERRAL_CREATE, record_type="referral_service"
            )
        with self.deps.db.transaction() as session:
            stmt = select(ReferralService).order_by(ReferralService.country, ReferralService.name)
            if country:
                stmt = stmt.where(ReferralService.country == country.upper())
            if not include_inactive:
                stmt = stmt.where(ReferralService.active.is_(True))
            rows = [ServicePublic.model_validate(r) for r in session.scalars(stmt)]
        if language:
            rows = [r for r in rows if language in r.languages.split(",")]
        return rows

    # ---- referrals ----------------------------------------------------------------------

    def refer(self, actor: Actor, reference: str, data: ReferralCreate) -> ReferralPublic:
        """Refer a case to a service: refused without the survivor's referral consent."""
        self.deps.authorizer.require(
            actor, Action.REFERRAL_CREATE, record_type="case", record_id=reference
        )
        self.consent.precheck(actor, reference, "referral", data.override_reason)
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            service = session.get(ReferralService, data.service_id)
            if service is None or not service.active:
                raise InvalidInput("no active service with that id", field="service_id")
            override_id = self.consent.require(
                session, case, "referral", actor, override_reason=data.override_reason
            )
            row = Referral(
                case_id=case.id,
                service_id=service.id,
                shared=data.shared,
                status="pending",
                override_id=override_id,
                created_by=actor.user_id,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            session.add(row)
            session.flush()
            self.consent.record_dependent(session, case, "referral", "referral", row.id)
            self.deps.audit.record(
                session,
                actor,
                "referral.create",
                record_type="case",
                record_id=case.reference,
                purpose=f"service {service.id}",
            )
            return _public(row)

    def update(
        self, actor: Actor, reference: str, referral_id: int, change: ReferralUpdate
    ) -> ReferralPublic:
        self.deps.authorizer.require(
            actor, Action.REFERRAL_CREATE, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            row = session.get(Referral, referral_id)
            if row is None or row.case_id != case.id:
                raise NotFound("no such referral in this case")
            if row.status == "withdrawn":
                raise InvalidInput(
                    "the survivor withdrew consent for this referral", field="status"
                )
            row.status = change.status
            if change.outcome is not None:
                row.outcome = change.outcome
            row.updated_at = utcnow()
            self.deps.audit.record(
                session,
                actor,
                "referral.update",
                record_type="case",
                record_id=case.reference,
                purpose=change.status,
            )
            return _public(row)

    def for_case(self, actor: Actor, reference: str) -> list[ReferralPublic]:
        self.deps.authorizer.require(
            actor, Action.CASE_READ, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            rows = session.scalars(
                select(Referral).where(Referral.case_id == case.id).order_by(Referral.id)
            )
            return [_public(r) for r in rows]

    @staticmethod
    def _stop(session: Session, ref: str) -> None:
        row = session.get(Referral, int(ref))
        if row is not None and row.status in ("pending", "sent"):
            row.status = "withdrawn"
            row.updated_at = utcnow()
