"""Coming back: check a report with reference and passphrase, then read messages, add
evidence, change consent or ask for deletion. Works without JavaScript."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from vigil.cases.schemas import ReportCredentials
from vigil.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from vigil.web.auth import client_key, services_of
from vigil.web.i18n import catalogues
from vigil.web.portal import labels
from vigil.web.portal.forms import (
    choices,
    clear_portal_cookie,
    lines,
    portal_token,
    read_form,
    set_portal_cookie,
    text,
    uploads,
)
from vigil.web.portal.labels import N_
from vigil.web.templating import render, request_language

router = APIRouter(include_in_schema=False)

NOTICES = {
    "message": N_("Your message was sent."),
    "evidence": N_("Thank you. We added what you sent."),
    "consent": N_("Your choices were saved."),
    "delete": N_("We received your request to delete your report."),
}


def _status_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    return render(request, "portal/status.html", {"error": error}, status_code=status)


@router.get("/status")
def status_form(request: Request) -> Response:
    return _status_page(request)


@router.post("/status")
async def open_report(request: Request) -> Response:
    form = await read_form(request)
    services = services_of(request)
    _ = catalogues().translator(request_language(request))
    try:
        creds = ReportCredentials(
            reference=text(form, "reference")[:64], passphrase=text(form, "passphrase")[:128]
        )
        case_id = services.cases.intake.authenticate(creds, client=client_key(request))
    except NotFound:
        return _status_page(
            request,
            _(
                "We could not find a report with that reference and "
                "passphrase. Check them and try again."
            ),
            404,
        )
    except RateLimited:
        return _status_page(request, _("Too many tries. Please wait a minute."), 429)
    response = RedirectResponse(f"/my-report?lang={request_language(request)}", status_code=303)
    set_portal_cookie(response, services, services.cases.intake.issue_token(case_id))
    return response


def _signed_in(request: Request) -> tuple[int, str]:
    token = portal_token(request)
    try:
        return services_of(request).cases.intake.case_for_token(token), token or ""
    except NotFound:
        raise _Expired from None


class _Expired(Exception):
    pass


def _expired(request: Request) -> Response:
    _ = catalogues().translator(request_language(request))
    response = _status_page(request, _("Please enter your reference and passphrase again."), 401)
    clear_portal_cookie(response, services_of(request))
    return response


def _page(
    request: Request,
    case_id: int,
    token: str,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    view = services.cases.intake.view(case_id)
    response = render(
        request,
        "portal/my_report.html",
        {
            "view": view,
            "csrf": services.cases.intake.csrf_for(token),
            "notice": notice,
            "error": error,
            "purposes": labels.PURPOSES,
            "statuses": labels.STATUSES,
        },
        status_code=status,
    )
    # Slide the short expiry forward while she is active.
    set_portal_cookie(response, services, services.cases.intake.issue_token(case_id, token))
    return response


@router.get("/my-report")
def my_report(request: Request) -> Response:
    try:
        case_id, token = _signed_in(request)
    except _Expired:
        return _expired(request)
    done = request.query_params.get("done", "")
    _ = catalogues().translator(request_language(request))
    notice = _(NOTICES[done]) if done in NOTICES else None
    return _page(request, case_id, token, notice=notice)


async def _action(request: Request, action: str) -> Response:
    form = await read_form(request)
    try:
        return await _act(request, form, action)
    finally:
        await form.close()  # uploaded files are spooled to disk until closed


async def _act(request: Request, form: FormData, action: str) -> Response:
    try:
        case_id, token = _signed_in(request)
    except _Expired:
        return _expired(request)
    intake = services_of(request).cases.intake
    if not hmac.compare_digest(text(form, "csrf"), intake.csrf_for(token)):
        raise PermissionDenied("the form expired; reload the page and try again")
    lang = request_language(request)
    try:
        if action == "message":
            intake.send_message(case_id, text(form, "body"))
        elif action == "evidence":
            services_of(request).survivor_evidence.add(
                case_id, await uploads(form), lines(form, "links")
            )
        elif action == "consent":
            services_of(request).consent_withdrawal.by_survivor(case_id, choices(form, "consents"))
        elif action == "delete":
            intake.request_deletion(case_id)
    except InvalidInput as exc:
        _ = catalogues().translator(lang)
        if exc.field == "evidence":
            message = N_(
                "This kind of file is not accepted. Send a picture, PDF, video or text file."
            )
        else:
            message = N_("Please check the form and try again.")
        return _page(request, case_id, token, status=422, error=_(message))
    return RedirectResponse(f"/my-report?lang={lang}&done={action}", status_code=303)


@router.post("/my-report/message")
async def message(request: Request) -> Response:
    return await _action(request, "message")


@router.post("/my-report/evidence")
async def evidence(request: Request) -> Response:
    return await _action(request, "evidence")


@router.post("/my-report/consent")
async def consent(request: Request) -> Response:
    return await _action(request, "consent")


@router.post("/my-report/delete")
async def delete(request: Request) -> Response:
    return await _action(request, "delete")


@router.post("/my-report/leave")
async def leave(request: Request) -> Response:
    await read_form(request)
    response = RedirectResponse(f"/?lang={request_language(request)}", status_code=303)
    clear_portal_cookie(response, services_of(request))
    return response
