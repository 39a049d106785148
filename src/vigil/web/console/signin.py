"""Sign-in pages: password, TOTP code, TOTP enrolment by QR code, sign-out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from vigil.errors import AuthenticationRequired, InvalidInput, PermissionDenied, RateLimited
from vigil.security.accounts import LoginResult, MfaState
from vigil.web.auth import (
    clear_session_cookie,
    client_key,
    login_csrf_cookie_name,
    optional_auth,
    services_of,
    session_token,
    set_session_cookie,
)
from vigil.web.console.deps import LOGIN_URL, form_data
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)

NEXT_STEP = {
    MfaState.PASSED: "/console/",
    MfaState.VERIFY: "/console/mfa",
    MfaState.ENROL: "/console/mfa/enrol",
}


def _login_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    services = services_of(request)
    token = secrets.token_urlsafe(32)
    response = render(
        request, "console/login.html", {"csrf_token": token, "error": error}, status_code=status
    )
    response.set_cookie(
        login_csrf_cookie_name(services),
        token,
        httponly=True,
        secure=services.settings.cookie_secure,
        samesite="strict",
        path="/",
    )
    return response


def _go(request: Request, result: LoginResult) -> Response:
    response = RedirectResponse(NEXT_STEP[result.mfa], status_code=303)
    set_session_cookie(response, services_of(request), result.token)
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await form_data(request, None)
    expected = request.cookies.get(login_csrf_cookie_name(services_of(request)))
    if not expected or not secrets.compare_digest(expected, form.get("csrf_token", "")):
        return _login_page(request, "The form expired. Please try again.", 403)
    try:
        result = services_of(request).accounts.login(
            form.get("username", "")[:200],
            form.get("password", "")[:1000],
            client=client_key(request),
            previous_token=session_token(request),
        )
    except AuthenticationRequired:
        return _login_page(request, "Wrong username or password.", 401)
    except RateLimited:
        return _login_page(request, "Too many attempts. Wait a minute and try again.", 429)
    return _go(request, result)


def _pending(request: Request, wanted: MfaState) -> str:
    ctx = optional_auth(request)
    if ctx is None:
        raise AuthenticationRequired("sign in first")
    if ctx.mfa is not wanted:
        from vigil.web.errors import Redirect

        raise Redirect(NEXT_STEP[ctx.mfa])
    return ctx.csrf_token


@router.get("/mfa")
def mfa_form(request: Request) -> Response:
    csrf = _pending(request, MfaState.VERIFY)
    return render(request, "console/mfa.html", {"csrf_token": csrf})


@router.post("/mfa")
async def mfa(request: Request) -> Response:
    _pending(request, MfaState.VERIFY)
    form = await form_data(request, optional_auth(request))
    try:
        result = services_of(request).accounts.verify_mfa(
            session_token(request) or "", form.get("code", ""), client=client_key(request)
        )
    except (InvalidInput, RateLimited) as exc:
        ctx = optional_auth(request)
        return render(
            request,
            "console/mfa.html",
            {"csrf_token": ctx.csrf_token if ctx else "", "error": exc.message},
            status_code=exc.http_status,
        )
    return _go(request, result)


@router.get("/mfa/enrol")
def enrol_form(request: Request) -> Response:
    csrf = _pending(request, MfaState.ENROL)
    enrolment = services_of(request).accounts.begin_enrolment(session_token(request) or "")
    return render(request, "console/enrol.html", {"csrf_token": csrf, "enrolment": enrolment})


@router.post("/mfa/enrol")
async def enrol(request: Request) -> Response:
    csrf = _pending(request, MfaState.ENROL)
    form = await form_data(request, optional_auth(request))
    try:
        result = services_of(request).accounts.confirm_enrolment(
            session_token(request) or "", form.get("code", ""), client=client_key(request)
        )
    except (InvalidInput, RateLimited) as exc:
        enrolment = services_of(request).accounts.begin_enrolment(session_token(request) or "")
        return render(
            request,
            "console/enrol.html",
            {"csrf_token": csrf, "enrolment": enrolment, "error": exc.message},
            status_code=exc.http_status,
        )
    return _go(request, result)


@router.post("/logout")
async def logout(request: Request) -> Response:
    ctx = optional_auth(request)
    if ctx is not None:
        try:
            await form_data(request, ctx)
        except PermissionDenied:
            return RedirectResponse("/console/", status_code=303)
        services_of(request).accounts.logout(session_token(request) or "")
    response = RedirectResponse(LOGIN_URL, status_code=303)
    clear_session_cookie(response, services_of(request))
    return response
