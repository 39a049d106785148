"""Users and roles (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from vigil.errors import VigilError
from vigil.security.accounts import AuthContext
from vigil.security.permissions import PERMISSIONS, Role
from vigil.security.schemas import UserCreate, UserUpdate
from vigil.web.auth import services_of
from vigil.web.console.deps import console_staff, form_data
from vigil.web.templating import render

router = APIRouter(prefix="/users", include_in_schema=False)


def _page(
    request: Request, ctx: AuthContext, error: str | None = None, status: int = 200
) -> Response:
    users = services_of(request).accounts.list_users(ctx.actor)
    return render(
        request,
        "console/users.html",
        {"ctx": ctx, "users": users, "roles": list(Role), "matrix": PERMISSIONS, "error": error},
        status_code=status,
    )


@router.get("")
def users_page(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    return _page(request, ctx)


@router.post("")
async def create_user(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    form = await form_data(request, ctx)
    try:
        data = UserCreate(
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            role=form.get("role", ""),
            password=form.get("password", ""),
            language=form.get("language", "en"),
        )
        services_of(request).accounts.create_user(ctx.actor, data)
    except ValidationError as exc:
        first = exc.errors()[0]
        return _page(request, ctx, f"{'.'.join(map(str, first['loc']))}: {first['msg']}", 422)
    except VigilError as exc:
        if exc.http_status == 403:
            raise
        return _page(request, ctx, exc.message, exc.http_status)
    return RedirectResponse("/console/users", status_code=303)


@router.post("/{user_id}")
async def update_user(
    user_id: int,
    request: Request,
    ctx: AuthContext = Depends(console_staff),
) -> Response:
    form = await form_data(request, ctx)
    try:
        change = UserUpdate(
            role=form.get("role") or None,
            active={"yes": True, "no": False}.get(form.get("active", "")),
            reset_mfa=form.get("reset_mfa") == "yes",
        )
        services_of(request).accounts.update_user(ctx.actor, user_id, change)
    except ValidationError:
        return _page(request, ctx, "that change is not valid", 422)
    except VigilError as exc:
        if exc.http_status == 403:
            raise
        return _page(request, ctx, exc.message, exc.http_status)
    return RedirectResponse("/console/users", status_code=303)
