"""Monitoring API: sources, the webhook ingest endpoint, review queue, watchlist, alerts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from vigil.errors import AuthenticationRequired, InvalidInput
from vigil.flows.escalate_post import escalate_post
from vigil.monitoring.dashboard import Filters, to_csv
from vigil.monitoring.schemas import (
    Agreement,
    AlertPublic,
    Decision,
    PersonCreate,
    PersonPublic,
    PostPublic,
    QueuePage,
    ReviewDecision,
    SourceCreate,
    SourceCreated,
    SourcePublic,
)
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import api_staff, guarded, services_of

router = APIRouter(prefix="/monitoring", tags=["monitoring"])


class IngestResult(BaseModel):
    read: int
    stored: int
    duplicates: int
    flagged: int
    errors: int


class EscalateBody(BaseModel):
    case_reference: str | None = None
    label: str | None = None
    capture: bool = True


class EscalateResult(BaseModel):
    case_reference: str
    case_created: bool
    record_evidence: str | None
    capture: str
    post: PostPublic


@router.get("/sources", **guarded(Action.MONITOR_READ))
def list_sources(request: Request, ctx: AuthContext = Depends(api_staff)) -> list[SourcePublic]:
    return services_of(request).monitoring.list_sources(ctx.actor)


@router.post("/sources", status_code=201, **guarded(Action.MONITOR_MANAGE))
def add_source(
    body: SourceCreate, request: Request, ctx: AuthContext = Depends(api_staff)
) -> SourceCreated:
    return services_of(request).monitoring.add_source(ctx.actor, body)


def _records(raw: bytes, content_type: str) -> list[Any]:
    text = raw.decode("utf-8", errors="replace")
    if "ndjson" in content_type or "jsonl" in content_type:
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"line is not JSON: {exc.msg}") from None
        except RecursionError:
            raise InvalidInput("line is not JSON: nested too deeply") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"body is not JSON: {exc.msg}") from None
    except RecursionError:
        raise InvalidInput("body is not JSON: nested too deeply") from None
    if isinstance(data, dict):
        data = data.get("posts", [data])
    if not isinstance(data, list):
        raise InvalidInput("send a JSON list of posts (or JSON Lines)")
    return data


@router.post("/ingest/{name}")
async def ingest(name: str, request: Request) -> IngestResult:
    """Webhook: posts pushed with the source's bearer token (no session, no CSRF)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationRequired("send the source's token as 'Authorization: Bearer ...'")
    records = _records(await request.body(), request.headers.get("content-type", ""))
    stats = await run_in_threadpool(
        services_of(request).monitoring.ingest_webhook, name, token.strip(), records
    )
    return IngestResult(
        read=stats.read,
        stored=stats.stored,
        duplicates=stats.duplicates,
        flagged=stats.flagged,
        errors=stats.errors,
    )


@router.get("/queue", **guarded(Action.MONITOR_READ))
def queue(
    request: Request,
    person: int | None = None,
    limit: int = 20,
    ctx: AuthContext = Depends(api_staff),
) -> QueuePage:
    return services_of(request).monitoring.review.queue(
        ctx.actor, limit=min(limit, 100), person_id=person
    )


@router.get("/posts/{post_id}", **guarded(Action.MONITOR_READ))
def get_post(post_id: int, request: Request, ctx: AuthContext = Depends(api_staff)) -> PostPublic:
    return services_of(request).monitoring.get_post(ctx.actor, post_id)


@router.post("/posts/{post_id}/decision", **guarded(Action.REVIEW_DECIDE))
def decide(
    post_id: int, body: ReviewDecision, request: Request, ctx: AuthContext = Depends(api_staff)
) -> PostPublic:
    if body.decision is Decision.ESCALATE:
        raise InvalidInput(
            "escalate through /posts/{id}/escalate, which opens the case", field="decision"
        )
    return services_of(request).monitoring.review.decide(ctx.actor, post_id, body)


@router.post("/posts/{post_id}/escalate", **guarded(Action.REVIEW_DECIDE))
def escalate(
    post_id: int, body: EscalateBody, request: Request, ctx: AuthContext = Depends(api_staff)
) -> EscalateResult:
    result = escalate_post(
        services_of(request),
        ctx.actor,
        post_id,
        case_reference=body.case_reference,
        label=body.label,
        capture=body.capture,
    )
    return EscalateResult(
        case_reference=result.case_reference,
        case_created=result.case_created,
        record_evidence=result.record_evidence,
        capture=result.capture,
        post=result.post,
    )


@router.get("/agreement", **guarded(Action.MONITOR_READ))
def agreement(request: Request, ctx: AuthContext = Depends(api_staff)) -> Agreement:
    return services_of(request).monitoring.review.agreement(ctx.actor)


@router.get("/decisions.jsonl", **guarded(Action.MONITOR_READ))
def decisions(request: Request, ctx: AuthContext = Depends(api_staff)) -> Response:
    lines = services_of(request).monitoring.review.export(ctx.actor)
    return StreamingResponse((line + "\n" for line in lines), media_type="application/x-ndjson")


@router.get("/people", **guarded(Action.MONITOR_READ))
def people(request: Request, ctx: AuthContext = Depends(api_staff)) -> list[PersonPublic]:
    return services_of(request).monitoring.watchlist.list(ctx.actor)


@router.post("/people", status_code=201, **guarded(Action.MONITOR_MANAGE))
def add_person(
    body: PersonCreate, request: Request, ctx: AuthContext = Depends(api_staff)
) -> PersonPublic:
    return services_of(request).monitoring.watchlist.add(ctx.actor, body)


@router.get("/alerts", **guarded(Action.MONITOR_READ))
def alerts(
    request: Request, status: str | None = None, ctx: AuthContext = Depends(api_staff)
) -> list[AlertPublic]:
    return services_of(request).monitoring.alerts.list(ctx.actor, status=status)


@router.post("/alerts/{alert_id}/acknowledge", **guarded(Action.REVIEW_DECIDE))
def acknowledge(
    alert_id: int, request: Request, ctx: AuthContext = Depends(api_staff)
) -> AlertPublic:
    return services_of(request).monitoring.alerts.acknowledge(ctx.actor, alert_id)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@router.get("/dashboard.csv", **guarded(Action.MONITOR_READ))
def dashboard_csv(
    request: Request,
    since: datetime | None = None,
    until: datetime | None = None,
    platform: str | None = None,
    lang: str | None = None,
    category: str | None = None,
    person: int | None = None,
    ctx: AuthContext = Depends(api_staff),
) -> Response:
    data = services_of(request).monitoring.dashboard.data(
        ctx.actor,
        Filters(
            since=_aware(since),
            until=_aware(until),
            platform=platform,
            lang=lang,
            category=category,
            person_id=person,
        ),
    )
    return Response(
        to_csv(data),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="vigil-monitoring.csv"'},
    )
