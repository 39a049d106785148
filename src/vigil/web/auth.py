"""Authentication for web requests: session cookies, CSRF, and per-route permissions.

Routers only authenticate and declare the action a route performs; services authorise again
before touching data, so a forgotten router check cannot leak anything.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Depends, Request, Response

from vigil.errors import AuthenticationRequired, PermissionDenied
from vigil.security.accounts import AuthContext, MfaState
from vigil.security.permissions import Action
from vigil.services import Services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
PERMISSION_KEY = "x-vigil-permission"


def services_of(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def session_cookie_name(services: Services) -> str:
    return "__Host-vigil-session" if services.settings.cookie_secure else "vigil-session"


def login_csrf_cookie_name(services: Services) -> str:
    return "__Host-vigil-login" if services.settings.cookie_secure else "vigil-login"


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def set_session_cookie(response: Response, services: Services, token: str) -> None:
    response.set_cookie(
        session_cookie_name(services),
        token,
        httponly=True,
        secure=services.settings.cookie_secure,
        samesite="strict",
        path="/",
        # No max-age: a session cookie dies with the browser; the server enforces timeouts.
    )


def clear_session_cookie(response: Response, services: Services) -> None:
    response.delete_cookie(
        session_cookie_name(services),
        path="/",
        secure=services.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )


def session_token(request: Request) -> str | None:
    return request.cookies.get(session_cookie_name(services_of(request)))


def optional_auth(request: Request) -> AuthContext | None:
    """The signed-in user, if any (cached on the request)."""
    if hasattr(request.state, "auth"):
        return request.state.auth  # type: ignore[no-any-return]
    token = session_token(request)
    ctx = services_of(request).accounts.resolve(token) if token else None
    request.state.auth = ctx
    return ctx


def check_csrf(request: Request, ctx: AuthContext, submitted: str | None) -> None:
    if request.method in SAFE_METHODS:
        return
    if not submitted or not secrets.compare_digest(submitted, ctx.csrf_token):
        raise PermissionDenied("missing or stale CSRF token; reload the page and try again")


def partial_auth(request: Request) -> AuthContext:
    """Signed in with a password, second factor possibly still pending (MFA pages)."""
    ctx = optional_auth(request)
    if ctx is None:
        raise AuthenticationRequired("sign in first")
    return ctx


def staff(request: Request) -> AuthContext:
    """A fully signed-in staff member (password and, where required, TOTP)."""
    ctx = partial_auth(request)
    if ctx.mfa is not MfaState.PASSED:
        raise AuthenticationRequired("finish signing in with your second factor")
    return ctx


def api_staff(request: Request) -> AuthContext:
    """``staff`` for JSON routes: unsafe methods must carry the X-CSRF-Token header."""
    ctx = staff(request)
    check_csrf(request, ctx, request.headers.get(CSRF_HEADER))
    return ctx


class _Requires:
    """Dependency: authenticated, CSRF-checked, and the role allows ``action``."""

    def __init__(self, action: Action) -> None:
        self.action = action

    def __call__(self, request: Request, ctx: AuthContext = Depends(api_staff)) -> AuthContext:
        services_of(request).authorizer.require(ctx.actor, self.action)
        return ctx


def guarded(action: Action) -> dict[str, Any]:
    """Route keyword arguments: enforce ``action`` early and declare it in OpenAPI."""
    return {
        "dependencies": [Depends(_Requires(action))],
        "openapi_extra": {PERMISSION_KEY: str(action)},
    }
