"""The console's start page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import services_of
from vigil.web.console.deps import console_staff
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:  # noqa: B008
    allows = services_of(request).authorizer.allows
    return render(request, "console/home.html", {"ctx": ctx, "can": lambda a: allows(ctx.actor, Action(a))})
