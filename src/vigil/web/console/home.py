"""The console's start page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vigil.security.accounts import AuthContext
from vigil.web.console.deps import console_staff
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    return render(request, "console/home.html", {"ctx": ctx})
