"""Evidence in the console: a case's items, one item's preview and custody, export.

Every page is audited; every delivery of an item's bytes is a custody event (``view`` inline,
``download`` as a file). Media arrive blurred; the reviewer chooses to see them.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from vigil.evidence.custody import CustodyAction
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.api.evidence import bundle_response, streamed
from vigil.web.auth import services_of
from vigil.web.console.deps import console_staff, form_data
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
_STAFF = Depends(console_staff)
#: Shown inline (blurred); anything else is offered as a download only.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"})
TEXT_PREVIEW_BYTES = 100_000


def _can(request: Request, ctx: AuthContext):  # type: ignore[no-untyped-def]
    allows = services_of(request).authorizer.allows
    return lambda a: allows(ctx.actor, Action(a))


@router.get("/evidence")
def find_case(request: Request, ctx: AuthContext = _STAFF) -> Response:
    """A case reference box: the way into a case's evidence from anywhere in the console."""
    reference = request.query_params.get("case", "").strip().upper()
    if reference:
        return RedirectResponse(f"/console/cases/{quote(reference)}/evidence", status_code=303)
    return render(request, "console/evidence/find.html", {"ctx": ctx, "can": _can(request, ctx)})


@router.get("/cases/{reference}/evidence")
def case_evidence(reference: str, request: Request, ctx: AuthContext = _STAFF) -> Response:
    evidence = services_of(request).evidence
    items = evidence.list_case(ctx.actor, reference)
    events = evidence.custody_history(ctx.actor, case_reference=reference)
    return render(
        request,
        "console/evidence/list.html",
        {
            "ctx": ctx,
            "can": _can(request, ctx),
            "reference": reference.strip().upper(),
            "items": items,
            "events": events,
        },
    )


@router.get("/evidence/{uid}")
def evidence_item(uid: str, request: Request, ctx: AuthContext = _STAFF) -> Response:
    evidence = services_of(request).evidence
    item = evidence.get(ctx.actor, uid)
    inline = item.media_type in INLINE_TYPES and not item.deleted
    text = None
    if inline and item.media_type == "text/plain":
        # Frames are refused by our own headers: text is shown in the page (a custody view).
        _, data = evidence.content(ctx.actor, uid, CustodyAction.VIEW, "console preview")
        text = data[:TEXT_PREVIEW_BYTES].decode("utf-8", "replace")
    return render(
        request,
        "console/evidence/item.html",
        {
            "ctx": ctx,
            "can": _can(request, ctx),
            "item": item,
            "inline": inline,
            "text": text,
            "events": evidence.custody_history(ctx.actor, uid=uid),
        },
    )


@router.get("/evidence/{uid}/view")
def evidence_view(uid: str, request: Request, ctx: AuthContext = _STAFF) -> Response:
    item, chunks = services_of(request).evidence.stream(
        ctx.actor, uid, CustodyAction.VIEW, "console preview"
    )
    inline = item.media_type in INLINE_TYPES and item.media_type.startswith("image/")
    media_type = item.media_type if inline else "application/octet-stream"
    return streamed(item, chunks, media_type, "inline")


@router.get("/evidence/{uid}/download")
def evidence_download(uid: str, request: Request, ctx: AuthContext = _STAFF) -> Response:
    item, chunks = services_of(request).evidence.stream(
        ctx.actor, uid, CustodyAction.DOWNLOAD, "console download"
    )
    return streamed(item, chunks, "application/octet-stream", f'attachment; filename="{item.uid}"')


@router.post("/cases/{reference}/evidence/export")
async def case_export(reference: str, request: Request, ctx: AuthContext = _STAFF) -> Response:
    form = await form_data(request, ctx)
    return bundle_response(request, ctx, reference, form.get("reason") or None)
