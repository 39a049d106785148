"""Case pages: the intake queue and one case with its forms (works without JavaScript)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from vigil.cases.referrals import ReferralCreate, ReferralUpdate, ServiceEntry
from vigil.cases.risk import CHECKLIST, QUESTIONS
from vigil.cases.schemas import (
    IdentifierCreate,
    NoteCreate,
    PersonCreate,
    PersonPublic,
    StatusChange,
    TaskCreate,
)
from vigil.cases.takedown import TakedownDraft
from vigil.cases.takedown_templates import BASES, PLATFORM_POLICIES, TAKEDOWN_LANGUAGES
from vigil.cases.taxonomy import PURPOSES, STATUSES, TRANSITIONS
from vigil.errors import AuthenticationRequired, InvalidInput, VigilError
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import services_of
from vigil.web.console.deps import console_staff, form_data
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Staff = Depends(console_staff)


@router.get("/cases")
def queue(request: Request, ctx: AuthContext = Staff) -> Response:
    status = request.query_params.get("status") or None
    cases = services_of(request).cases.queue(ctx.actor, status=status)
    return render(
        request,
        "console/cases.html",
        {"ctx": ctx, "cases": cases, "statuses": STATUSES, "status": status},
    )


def _case_page(
    request: Request,
    ctx: AuthContext,
    reference: str,
    *,
    error: str | None = None,
    unmasked: PersonPublic | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    cases = services.cases
    detail = cases.detail(ctx.actor, reference)
    allows = services.authorizer.allows
    directory = (
        cases.referrals.list_services(ctx.actor)
        if allows(ctx.actor, Action.REFERRAL_CREATE)
        else []
    )
    return render(
        request,
        "console/case.html",
        {
            "ctx": ctx,
            "case": detail,
            "error": error,
            "unmasked": unmasked,
            "next_statuses": sorted(TRANSITIONS.get(detail.status, ())),
            "questions": list(QUESTIONS),
            "checklist_items": CHECKLIST,
            "risk": cases.risk.latest(ctx.actor, reference),
            "referrals": cases.referrals.for_case(ctx.actor, reference),
            "takedowns": cases.takedowns.for_case(ctx.actor, reference),
            "directory": directory,
            "purposes": PURPOSES,
            "platforms": list(PLATFORM_POLICIES),
            "bases": BASES,
            "letter_languages": TAKEDOWN_LANGUAGES,
        },
        status_code=status,
    )


@router.get("/cases/{reference}")
def case_page(reference: str, request: Request, ctx: AuthContext = Staff) -> Response:
    return _case_page(request, ctx, reference)


def _due(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput("give the deadline as a date, e.g. 2026-12-01", field="due_at") from None


def _int(text: str, field: str) -> int:
    if not text.isdigit():
        raise InvalidInput("choose one", field=field)
    return int(text)


@router.post("/cases/{reference}/{action}")
async def case_action(
    reference: str, action: str, request: Request, ctx: AuthContext = Staff
) -> Response:
    form = await form_data(request, ctx)
    f = form.get
    services = services_of(request)
    cases, actor = services.cases, ctx.actor
    unmasked: PersonPublic | None = None
    try:
        if action == "assign":
            user = f("user_id", "")
            cases.work.assign(actor, reference, _int(user, "user_id") if user else None)
        elif action == "status":
            cases.work.change_status(
                actor, reference, StatusChange(status=f("status", ""), reason=f("reason") or None)
            )
        elif action == "risk":
            cases.risk.record(actor, reference, {q: f(q) == "yes" for q in QUESTIONS})
        elif action == "note":
            cases.work.add_note(actor, reference, NoteCreate(body=f("body", "")))
        elif action == "task":
            cases.work.add_task(
                actor, reference, TaskCreate(title=f("title", ""), due_at=_due(f("due_at", "")))
            )
        elif action == "task-done":
            cases.work.complete_task(actor, reference, _int(f("task_id", ""), "task_id"))
        elif action == "message":
            cases.work.message_survivor(actor, reference, f("body", ""))
        elif action == "person":
            cases.work.add_person(
                actor,
                reference,
                PersonCreate(
                    role=f("role", ""),
                    name=f("name") or None,
                    contact=f("contact") or None,
                    details=f("details") or None,
                ),
            )
        elif action == "identifier":
            cases.work.add_identifier(
                actor,
                reference,
                IdentifierCreate(
                    kind=f("kind", ""), value=f("value", ""), platform=f("platform") or None
                ),
            )
        elif action == "unmask":
            unmasked = cases.work.unmask(
                actor, reference, _int(f("person_id", ""), "person_id"), f("purpose", "")
            )
            return _case_page(request, ctx, reference, unmasked=unmasked)
        elif action == "consent":
            services.consent_withdrawal.by_staff(
                actor, reference, [p for p in PURPOSES if f(f"consent_{p}") == "yes"]
            )
        elif action == "refer":
            cases.referrals.refer(
                actor,
                reference,
                ReferralCreate(
                    service_id=_int(f("service_id", ""), "service_id"),
                    shared=f("shared", ""),
                    override_reason=f("override_reason") or None,
                ),
            )
        elif action == "referral-update":
            cases.referrals.update(
                actor,
                reference,
                _int(f("referral_id", ""), "referral_id"),
                ReferralUpdate(status=f("status", ""), outcome=f("outcome") or None),
            )
        elif action == "takedown":
            cases.takedowns.draft(
                actor,
                reference,
                TakedownDraft(
                    platform=f("platform", ""),
                    language=f("language", "en"),
                    basis=f("basis", ""),
                    recipient=f("recipient", ""),
                    urls=[u.strip() for u in f("urls", "").splitlines() if u.strip()],
                    override_reason=f("override_reason") or None,
                ),
            )
        elif action in ("takedown-approve", "takedown-send"):
            request_id = _int(f("request_id", ""), "request_id")
            if action == "takedown-approve":
                cases.takedowns.approve(actor, reference, request_id)
            else:
                cases.takedowns.send(actor, reference, request_id)
        elif action == "url-state":
            cases.takedowns.set_url_state(
                actor,
                reference,
                _int(f("request_id", ""), "request_id"),
                _int(f("url_id", ""), "url_id"),
                f("state", ""),
            )
        elif action == "hold":
            cases.retention.request_hold(actor, reference, f("reason", ""))
        elif action == "hold-approve":
            cases.retention.approve_hold(actor, reference, _int(f("hold_id", ""), "hold_id"))
        elif action == "deletion":
            services.consent_withdrawal.process_deletion(actor, reference)
        else:
            raise InvalidInput("unknown action", field="action")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _case_page(request, ctx, reference, error=f"{where}: {first['msg']}", status=422)
    except AuthenticationRequired:
        raise
    except VigilError as exc:
        return _case_page(request, ctx, reference, error=exc.message, status=exc.http_status)
    return RedirectResponse(f"/console/cases/{reference}", status_code=303)


@router.get("/referral-services")
def directory(request: Request, ctx: AuthContext = Staff) -> Response:
    return _directory(request, ctx)


def _directory(
    request: Request, ctx: AuthContext, error: str | None = None, status: int = 200
) -> Response:
    services = services_of(request).cases.referrals.list_services(ctx.actor, include_inactive=True)
    return render(
        request,
        "console/referral_services.html",
        {"ctx": ctx, "services": services, "error": error},
        status_code=status,
    )


@router.post("/referral-services")
async def add_service(request: Request, ctx: AuthContext = Staff) -> Response:
    form = await form_data(request, ctx)
    data: dict[str, Any] = {
        k: form.get(k) or None
        for k in ("name", "kind", "country", "languages", "contact", "email", "description")
    }
    try:
        services_of(request).cases.referrals.add_service(ctx.actor, ServiceEntry(**data))
    except ValidationError as exc:
        first = exc.errors()[0]
        return _directory(request, ctx, f"{'.'.join(map(str, first['loc']))}: {first['msg']}", 422)
    return RedirectResponse("/console/referral-services", status_code=303)
