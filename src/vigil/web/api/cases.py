"""Cases (the cases issue extends these routes)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from vigil.cases.schemas import CaseCreate, CasePublic
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import api_staff, guarded, services_of

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post("", status_code=201, **guarded(Action.CASE_CREATE))
def create_case(
    body: CaseCreate,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> CasePublic:
    return services_of(request).cases.create(ctx.actor, body)


@router.get("", **guarded(Action.CASE_READ))
def list_cases(request: Request, ctx: AuthContext = Depends(api_staff)) -> list[CasePublic]:
    return services_of(request).cases.list(ctx.actor)


@router.get("/{reference}", **guarded(Action.CASE_READ))
def get_case(
    reference: str,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> CasePublic:
    return services_of(request).cases.get(ctx.actor, reference)
