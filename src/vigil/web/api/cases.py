"""Cases for staff: the intake queue, casework, consent, referrals, takedowns, retention."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from vigil.cases.referrals import ReferralCreate, ReferralPublic, ReferralUpdate
from vigil.cases.risk import QUESTIONS
from vigil.cases.schemas import (
    Assignment,
    CaseCreate,
    CaseDetail,
    CasePublic,
    CaseSummary,
    IdentifierCreate,
    NoteCreate,
    PersonCreate,
    PersonPublic,
    StatusChange,
    TaskCreate,
)
from vigil.cases.takedown import TakedownDraft, TakedownPublic, TakedownTiming
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import api_staff, guarded, services_of

router = APIRouter(prefix="/cases", tags=["cases"])
Staff = Depends(api_staff)


class Created(BaseModel):
    id: int


class RiskAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, bool]


class RiskResult(BaseModel):
    score: int
    level: str
    checklist: list[str]


class MessageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=5000)


class UnmaskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(min_length=5, max_length=200)


class ConsentRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consents: list[str]


class UrlState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str


class HoldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=10, max_length=2000)


@router.post("", status_code=201, **guarded(Action.CASE_CREATE))
def create_case(body: CaseCreate, request: Request, ctx: AuthContext = Staff) -> CasePublic:
    return services_of(request).cases.create(ctx.actor, body)


@router.get("", **guarded(Action.CASE_READ))
def list_cases(
    request: Request, status: str | None = None, ctx: AuthContext = Staff
) -> list[CaseSummary]:
    """The intake queue, newest first; ``?status=new`` for unread reports."""
    return services_of(request).cases.queue(ctx.actor, status=status)


@router.get("/risk-questions", **guarded(Action.CASE_READ))
def risk_questions() -> list[str]:
    return list(QUESTIONS)


@router.get("/{reference}", **guarded(Action.CASE_READ))
def get_case(reference: str, request: Request, ctx: AuthContext = Staff) -> CaseDetail:
    return services_of(request).cases.detail(ctx.actor, reference)


@router.get("/{reference}/export", **guarded(Action.CASE_READ))
def export_case(reference: str, request: Request, ctx: AuthContext = Staff) -> dict[str, Any]:
    return services_of(request).cases.export(ctx.actor, reference)


@router.post("/{reference}/assign", status_code=204, **guarded(Action.CASE_UPDATE))
def assign(reference: str, body: Assignment, request: Request, ctx: AuthContext = Staff) -> None:
    services_of(request).cases.work.assign(ctx.actor, reference, body.user_id)


@router.post("/{reference}/status", status_code=204, **guarded(Action.CASE_UPDATE))
def change_status(
    reference: str, body: StatusChange, request: Request, ctx: AuthContext = Staff
) -> None:
    services_of(request).cases.work.change_status(ctx.actor, reference, body)


@router.post("/{reference}/risk", **guarded(Action.CASE_UPDATE))
def assess_risk(
    reference: str, body: RiskAnswers, request: Request, ctx: AuthContext = Staff
) -> RiskResult:
    result = services_of(request).cases.risk.record(ctx.actor, reference, body.answers)
    return RiskResult(score=result.score, level=result.level, checklist=list(result.checklist))


@router.post("/{reference}/notes", status_code=201, **guarded(Action.CASE_UPDATE))
def add_note(
    reference: str, body: NoteCreate, request: Request, ctx: AuthContext = Staff
) -> Created:
    return Created(id=services_of(request).cases.work.add_note(ctx.actor, reference, body))


@router.post("/{reference}/tasks", status_code=201, **guarded(Action.CASE_UPDATE))
def add_task(
    reference: str, body: TaskCreate, request: Request, ctx: AuthContext = Staff
) -> Created:
    return Created(id=services_of(request).cases.work.add_task(ctx.actor, reference, body))


@router.post("/{reference}/tasks/{task_id}/done", status_code=204, **guarded(Action.CASE_UPDATE))
def complete_task(reference: str, task_id: int, request: Request, ctx: AuthContext = Staff) -> None:
    services_of(request).cases.work.complete_task(ctx.actor, reference, task_id)


@router.post("/{reference}/people", status_code=201, **guarded(Action.CASE_UPDATE))
def add_person(
    reference: str, body: PersonCreate, request: Request, ctx: AuthContext = Staff
) -> Created:
    return Created(id=services_of(request).cases.work.add_person(ctx.actor, reference, body))


@router.post("/{reference}/people/{person_id}/unmask", **guarded(Action.SURVIVOR_UNMASK))
def unmask(
    reference: str,
    person_id: int,
    body: UnmaskRequest,
    request: Request,
    ctx: AuthContext = Staff,
) -> PersonPublic:
    """Show a person's identity fields; the purpose is written to the audit log."""
    return services_of(request).cases.work.unmask(ctx.actor, reference, person_id, body.purpose)


@router.post("/{reference}/identifiers", status_code=201, **guarded(Action.CASE_UPDATE))
def add_identifier(
    reference: str, body: IdentifierCreate, request: Request, ctx: AuthContext = Staff
) -> Created:
    return Created(id=services_of(request).cases.work.add_identifier(ctx.actor, reference, body))


@router.post("/{reference}/messages", status_code=204, **guarded(Action.CASE_UPDATE))
def message_survivor(
    reference: str, body: MessageBody, request: Request, ctx: AuthContext = Staff
) -> None:
    services_of(request).cases.work.message_survivor(ctx.actor, reference, body.body)


@router.post("/{reference}/consent", **guarded(Action.CASE_UPDATE))
def record_consent(
    reference: str, body: ConsentRecord, request: Request, ctx: AuthContext = Staff
) -> dict[str, list[str]]:
    """Record consent given in person; purposes left out are withdrawn and propagate."""
    report = services_of(request).consent_withdrawal.by_staff(ctx.actor, reference, body.consents)
    return {"withdrawn": list(report.change.withdrawn), "granted": list(report.change.granted)}


@router.get("/{reference}/referrals", **guarded(Action.CASE_READ))
def list_referrals(
    reference: str, request: Request, ctx: AuthContext = Staff
) -> list[ReferralPublic]:
    return services_of(request).cases.referrals.for_case(ctx.actor, reference)


@router.post("/{reference}/referrals", status_code=201, **guarded(Action.REFERRAL_CREATE))
def refer(
    reference: str, body: ReferralCreate, request: Request, ctx: AuthContext = Staff
) -> ReferralPublic:
    """Refused (403 consent_required) without referral consent, unless a supervisor overrides."""
    return services_of(request).cases.referrals.refer(ctx.actor, reference, body)


@router.patch("/{reference}/referrals/{referral_id}", **guarded(Action.REFERRAL_CREATE))
def update_referral(
    reference: str,
    referral_id: int,
    body: ReferralUpdate,
    request: Request,
    ctx: AuthContext = Staff,
) -> ReferralPublic:
    return services_of(request).cases.referrals.update(ctx.actor, reference, referral_id, body)


@router.get("/{reference}/takedowns", **guarded(Action.CASE_READ))
def list_takedowns(
    reference: str, request: Request, ctx: AuthContext = Staff
) -> list[TakedownPublic]:
    return services_of(request).cases.takedowns.for_case(ctx.actor, reference)


@router.post("/{reference}/takedowns", status_code=201, **guarded(Action.TAKEDOWN_DRAFT))
def draft_takedown(
    reference: str, body: TakedownDraft, request: Request, ctx: AuthContext = Staff
) -> TakedownPublic:
    return services_of(request).cases.takedowns.draft(ctx.actor, reference, body)


@router.post("/{reference}/takedowns/{request_id}/approve", **guarded(Action.TAKEDOWN_APPROVE))
def approve_takedown(
    reference: str, request_id: int, request: Request, ctx: AuthContext = Staff
) -> TakedownPublic:
    return services_of(request).cases.takedowns.approve(ctx.actor, reference, request_id)


@router.post("/{reference}/takedowns/{request_id}/send", **guarded(Action.TAKEDOWN_DRAFT))
def send_takedown(
    reference: str, request_id: int, request: Request, ctx: AuthContext = Staff
) -> TakedownPublic:
    return services_of(request).cases.takedowns.send(ctx.actor, reference, request_id)


@router.post("/{reference}/takedowns/{request_id}/urls/{url_id}", **guarded(Action.TAKEDOWN_DRAFT))
def set_url_state(
    reference: str,
    request_id: int,
    url_id: int,
    body: UrlState,
    request: Request,
    ctx: AuthContext = Staff,
) -> TakedownPublic:
    return services_of(request).cases.takedowns.set_url_state(
        ctx.actor, reference, request_id, url_id, body.state
    )


@router.get("/{reference}/takedowns/{request_id}/timing", **guarded(Action.CASE_READ))
def takedown_timing(
    reference: str, request_id: int, request: Request, ctx: AuthContext = Staff
) -> TakedownTiming:
    return services_of(request).cases.takedowns.timing(ctx.actor, reference, request_id)


@router.post("/{reference}/legal-holds", status_code=201, **guarded(Action.EVIDENCE_LEGAL_HOLD))
def request_hold(
    reference: str, body: HoldRequest, request: Request, ctx: AuthContext = Staff
) -> Created:
    return Created(
        id=services_of(request).cases.retention.request_hold(ctx.actor, reference, body.reason)
    )


@router.post(
    "/{reference}/legal-holds/{hold_id}/approve",
    status_code=204,
    **guarded(Action.EVIDENCE_LEGAL_HOLD),
)
def approve_hold(reference: str, hold_id: int, request: Request, ctx: AuthContext = Staff) -> None:
    services_of(request).cases.retention.approve_hold(ctx.actor, reference, hold_id)


@router.post("/{reference}/deletion", **guarded(Action.DELETION_APPROVE))
def process_deletion(reference: str, request: Request, ctx: AuthContext = Staff) -> dict[str, str]:
    """Carry out the survivor's deletion request, unless a legal hold is in force."""
    outcome = services_of(request).consent_withdrawal.process_deletion(ctx.actor, reference)
    return {"status": outcome.status}
