"""Searching the audit log (supervisors, admins)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vigil.security.accounts import AuthContext
from vigil.security.audit import AuditQuery, Outcome
from vigil.web.auth import services_of
from vigil.web.console.deps import console_staff
from vigil.web.templating import render

router = APIRouter(prefix="/audit", include_in_schema=False)


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


@router.get("")
def audit_page(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    params = request.query_params
    outcome = params.get("outcome") or None
    before = params.get("before_id", "")
    query = AuditQuery(
        actor=params.get("actor") or None,
        action=params.get("action") or None,
        record_type=params.get("record_type") or None,
        record_id=params.get("record_id") or None,
        outcome=Outcome(outcome) if outcome in {o.value for o in Outcome} else None,
        since=_date(params.get("since")),
        until=_date(params.get("until")),
        before_id=int(before) if before.isdigit() else None,
    )
    events = services_of(request).audit_search.search(ctx.actor, query)
    return render(
        request,
        "console/audit.html",
        {
            "ctx": ctx,
            "events": events,
            "query": params,
            "outcomes": list(Outcome),
            "next_url": str(request.url.include_query_params(before_id=events[-1].id))
            if len(events) == query.limit
            else None,
        },
    )
