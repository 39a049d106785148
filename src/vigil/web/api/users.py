"""Staff accounts (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.security.schemas import UserCreate, UserPublic, UserUpdate
from vigil.web.auth import api_staff, guarded, services_of

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", **guarded(Action.USER_MANAGE))
def list_users(request: Request, ctx: AuthContext = Depends(api_staff)) -> list[UserPublic]:
    return services_of(request).accounts.list_users(ctx.actor)


@router.post("", status_code=201, **guarded(Action.USER_MANAGE))
def create_user(
    body: UserCreate,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> UserPublic:
    return services_of(request).accounts.create_user(ctx.actor, body)


@router.get("/{user_id}", **guarded(Action.USER_MANAGE))
def get_user(
    user_id: int,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> UserPublic:
    return services_of(request).accounts.get_user(ctx.actor, user_id)


@router.patch("/{user_id}", **guarded(Action.USER_MANAGE))
def update_user(
    user_id: int,
    body: UserUpdate,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> UserPublic:
    return services_of(request).accounts.update_user(ctx.actor, user_id, body)
