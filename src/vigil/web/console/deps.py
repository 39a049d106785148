"""Console request helpers: who is signed in, CSRF on forms, flash-free redirects."""

from __future__ import annotations

from fastapi import Request

from vigil.security.accounts import AuthContext, MfaState
from vigil.web.auth import CSRF_FIELD, check_csrf, optional_auth
from vigil.web.errors import Redirect

LOGIN_URL = "/console/login"


def console_staff(request: Request) -> AuthContext:
    """A fully signed-in staff member, or a redirect to the step they still owe."""
    ctx = optional_auth(request)
    if ctx is None:
        raise Redirect(LOGIN_URL)
    if ctx.mfa is MfaState.VERIFY:
        raise Redirect("/console/mfa")
    if ctx.mfa is MfaState.ENROL:
        raise Redirect("/console/mfa/enrol")
    request.state.language = ctx.language
    return ctx


async def form_data(request: Request, ctx: AuthContext | None) -> dict[str, str]:
    """The submitted form as plain strings, CSRF-checked against the session."""
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    if ctx is not None:
        check_csrf(request, ctx, data.get(CSRF_FIELD))
    return data
