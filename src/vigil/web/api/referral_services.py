"""The directory of support services (admins edit; case staff read)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from vigil.cases.referrals import ServiceEntry, ServicePublic
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import api_staff, guarded, services_of

router = APIRouter(prefix="/referral-services", tags=["referrals"])
Staff = Depends(api_staff)


@router.get("")
def list_services(
    request: Request,
    country: str | None = None,
    language: str | None = None,
    ctx: AuthContext = Staff,
) -> list[ServicePublic]:
    return services_of(request).cases.referrals.list_services(
        ctx.actor, country=country, language=language
    )


@router.post("", status_code=201, **guarded(Action.SERVICE_DIRECTORY_MANAGE))
def add_service(body: ServiceEntry, request: Request, ctx: AuthContext = Staff) -> ServicePublic:
    return services_of(request).cases.referrals.add_service(ctx.actor, body)


@router.put("/{service_id}", **guarded(Action.SERVICE_DIRECTORY_MANAGE))
def update_service(
    service_id: int, body: ServiceEntry, request: Request, ctx: AuthContext = Staff
) -> ServicePublic:
    return services_of(request).cases.referrals.update_service(ctx.actor, service_id, body)
