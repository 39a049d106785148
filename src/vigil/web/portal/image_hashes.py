"""Hashing her images on her own device: the page runs PDQ in the browser (``pdq.js``) and
sends only {hash, quality, trimmed, frame} with the consent she ticks; the file chooser sits
outside the form and the server refuses any file part, so no image bytes ever leave."""

from __future__ import annotations

import hmac
import json

from fastapi import APIRouter, Request
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from vigil.errors import PermissionDenied
from vigil.hashbanks.schemas import DeviceHashes
from vigil.web.auth import services_of
from vigil.web.i18n import catalogues
from vigil.web.portal.forms import read_form, set_portal_cookie, text
from vigil.web.portal.labels import N_
from vigil.web.portal.survivor import _Expired, _expired, _signed_in
from vigil.web.templating import render, request_language

router = APIRouter(include_in_schema=False)
#: Images one visit may hash (a cheap phone hashes them one after another).
MAX_IMAGES = 20
MAX_HASHES_FIELD = 400 * MAX_IMAGES
_ITEMS = TypeAdapter(list[DeviceHashes])
PATH = "/my-report/image-hashes"

ERRORS = {
    "consent": N_("Please tick the box to agree before we keep the fingerprints."),
    "hashes": N_("Choose your pictures first and wait until they are ready."),
}


def _render(
    request: Request,
    case_id: int,
    token: str,
    *,
    error: str | None = None,
    added: int | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    response = render(
        request,
        "portal/image_hashes.html",
        {
            "reference": services.cases.intake.reference_of(case_id),
            "csrf": services.cases.intake.csrf_for(token),
            "error": error,
            "added": added,
            "max_images": MAX_IMAGES,
        },
        status_code=status,
    )
    set_portal_cookie(response, services, services.cases.intake.issue_token(case_id, token))
    return response


@router.get(PATH)
def page(request: Request) -> Response:
    try:
        case_id, token = _signed_in(request)
    except _Expired:
        return _expired(request)
    added = request.query_params.get("added", "")
    return _render(request, case_id, token, added=int(added) if added.isdigit() else None)


@router.post(PATH)
async def submit(request: Request) -> Response:
    form = await read_form(request)
    try:
        if any(isinstance(v, UploadFile) for _, v in form.multi_items()):
            raise PermissionDenied("this page accepts fingerprints only, never files")
        try:
            case_id, token = _signed_in(request)
        except _Expired:
            return _expired(request)
        services = services_of(request)
        if not hmac.compare_digest(text(form, "csrf"), services.cases.intake.csrf_for(token)):
            raise PermissionDenied("the form expired; reload the page and try again")
        _ = catalogues().translator(request_language(request))
        if text(form, "consent") != "yes":
            return _render(request, case_id, token, error=_(ERRORS["consent"]), status=422)
        raw = text(form, "hashes")
        try:
            items = _ITEMS.validate_python(json.loads(raw)) if len(raw) < MAX_HASHES_FIELD else []
        except (ValueError, ValidationError):
            items = []
        if not 0 < len(items) <= MAX_IMAGES:
            return _render(request, case_id, token, error=_(ERRORS["hashes"]), status=422)
        services.survivor_image_hashes.add(
            case_id, items, share_with_partners=text(form, "share") == "yes"
        )
    finally:
        await form.close()
    lang = request_language(request)
    return RedirectResponse(f"{PATH}?lang={lang}&added={len(items)}", status_code=303)
