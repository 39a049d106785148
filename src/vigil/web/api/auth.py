"""Sign-in, second factor and sign-out for API clients (cookie sessions)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from vigil.security.accounts import AuthContext, LoginResult
from vigil.security.schemas import LoginRequest, MfaCode, UserPublic
from vigil.web.auth import (
    CSRF_HEADER,
    check_csrf,
    clear_session_cookie,
    client_key,
    partial_auth,
    services_of,
    session_token,
    set_session_cookie,
    staff,
)

router = APIRouter(prefix="/auth", tags=["auth"])


class SignInState(BaseModel):
    mfa: str
    csrf_token: str


class EnrolmentPublic(BaseModel):
    secret: str
    uri: str
    qr_svg: str


def _signed_in(response: Response, request: Request, result: LoginResult) -> SignInState:
    set_session_cookie(response, services_of(request), result.token)
    return SignInState(mfa=str(result.mfa), csrf_token=result.csrf_token)


@router.post("/login")
def login(body: LoginRequest, request: Request, response: Response) -> SignInState:
    """Check username and password; ``mfa`` says what is left: passed, verify or enrol."""
    result = services_of(request).accounts.login(
        body.username,
        body.password,
        client=client_key(request),
        previous_token=session_token(request),
    )
    return _signed_in(response, request, result)


@router.post("/mfa")
def verify_mfa(
    body: MfaCode,
    request: Request,
    response: Response,
    ctx: AuthContext = Depends(partial_auth),
) -> SignInState:
    check_csrf(request, ctx, request.headers.get(CSRF_HEADER))
    result = services_of(request).accounts.verify_mfa(
        session_token(request) or "", body.code, client=client_key(request)
    )
    return _signed_in(response, request, result)


@router.post("/mfa/enrol")
def begin_enrolment(
    request: Request,
    ctx: AuthContext = Depends(partial_auth),
) -> EnrolmentPublic:
    check_csrf(request, ctx, request.headers.get(CSRF_HEADER))
    enrolment = services_of(request).accounts.begin_enrolment(session_token(request) or "")
    return EnrolmentPublic(secret=enrolment.secret, uri=enrolment.uri, qr_svg=enrolment.qr_svg)


@router.post("/mfa/enrol/confirm")
def confirm_enrolment(
    body: MfaCode,
    request: Request,
    response: Response,
    ctx: AuthContext = Depends(partial_auth),
) -> SignInState:
    check_csrf(request, ctx, request.headers.get(CSRF_HEADER))
    result = services_of(request).accounts.confirm_enrolment(
        session_token(request) or "", body.code, client=client_key(request)
    )
    return _signed_in(response, request, result)


@router.post("/logout", status_code=204)
def logout(
    request: Request,
    response: Response,
    ctx: AuthContext = Depends(partial_auth),
) -> None:
    check_csrf(request, ctx, request.headers.get(CSRF_HEADER))
    services_of(request).accounts.logout(session_token(request) or "")
    clear_session_cookie(response, services_of(request))


@router.get("/me")
def me(request: Request, ctx: AuthContext = Depends(staff)) -> UserPublic:
    """The signed-in staff member."""
    assert ctx.actor.user_id is not None
    return services_of(request).accounts.profile(ctx.actor.user_id)
