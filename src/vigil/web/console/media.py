"""Hash-bank matches in the console: the review queue (media blurred until revealed, each
reveal audited), decisions, and the staff inbox where caseworkers hear of matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from vigil.errors import InvalidInput
from vigil.flows.media_match_review import confirm_match
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import services_of
from vigil.web.console.deps import console_staff, form_data
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
_STAFF = Depends(console_staff)
_PRIVATE = {"Cache-Control": "private, no-store", "Content-Disposition": "inline"}
STATUSES = ("pending", "confirmed", "dismissed")


def _can(request: Request, ctx: AuthContext) -> Callable[[str], bool]:
    allows = services_of(request).authorizer.allows
    return lambda a: allows(ctx.actor, Action(a))


@router.get("/media/reviews")
def reviews(request: Request, ctx: AuthContext = _STAFF) -> Response:
    q = request.query_params
    status = q.get("status", "pending")
    status = status if status in STATUSES else "pending"
    case = q.get("case", "").strip().upper() or None
    items = services_of(request).hashbanks.reviews.list(
        ctx.actor, status=status, case_reference=case
    )
    return render(
        request,
        "console/media/reviews.html",
        {
            "ctx": ctx,
            "can": _can(request, ctx),
            "items": items,
            "status": status,
            "statuses": STATUSES,
            "case": case,
            "done": q.get("done"),
        },
    )


@router.get("/media/reviews/{review_id}")
def review(review_id: int, request: Request, ctx: AuthContext = _STAFF) -> Response:
    """One item; ``?reveal=1`` shows the file itself (the reveal is audited)."""
    item = services_of(request).hashbanks.reviews.get(ctx.actor, review_id)
    reveal = request.query_params.get("reveal") == "1" and item.has_media
    return render(
        request,
        "console/media/review.html",
        {"ctx": ctx, "can": _can(request, ctx), "item": item, "reveal": reveal},
    )


@router.get("/media/reviews/{review_id}/preview")
def preview(review_id: int, request: Request, ctx: AuthContext = _STAFF) -> Response:
    data = services_of(request).hashbanks.reviews.preview(ctx.actor, review_id)
    return Response(data, media_type="image/jpeg", headers=_PRIVATE)


@router.get("/media/reviews/{review_id}/media")
def media(review_id: int, request: Request, ctx: AuthContext = _STAFF) -> Response:
    data, media_type = services_of(request).hashbanks.reviews.reveal(ctx.actor, review_id)
    return Response(data, media_type=media_type, headers=_PRIVATE)


@router.post("/media/reviews/{review_id}/decision")
async def decide(review_id: int, request: Request, ctx: AuthContext = _STAFF) -> Response:
    form = await form_data(request, ctx)
    services = services_of(request)
    decision: Literal["confirm", "dismiss"]
    if form.get("decision") == "confirm":
        decision = "confirm"
    elif form.get("decision") == "dismiss":
        decision = "dismiss"
    else:
        raise InvalidInput("decide confirm or dismiss", field="decision")
    if decision == "confirm" and form.get("keep_evidence") == "1":
        item, uid = confirm_match(services.hashbanks, services.evidence, ctx.actor, review_id)
        done = f"confirmed; kept as evidence {uid}" if uid else "confirmed"
    else:
        item = services.hashbanks.reviews.decide(ctx.actor, review_id, decision)
        done = item.status
    return RedirectResponse(f"/console/media/reviews?done={quote(done)}", status_code=303)


@router.get("/inbox")
def inbox(request: Request, ctx: AuthContext = _STAFF) -> Response:
    notices = services_of(request).notifications.inbox(ctx.actor)
    return render(
        request,
        "console/media/inbox.html",
        {"ctx": ctx, "can": _can(request, ctx), "notices": notices},
    )


@router.post("/inbox/read")
async def inbox_read(request: Request, ctx: AuthContext = _STAFF) -> Response:
    form = await form_data(request, ctx)
    ident = form.get("id", "")
    services_of(request).notifications.mark_read(ctx.actor, int(ident) if ident.isdigit() else None)
    return RedirectResponse("/console/inbox", status_code=303)
