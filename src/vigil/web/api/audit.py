"""Searching the audit log (supervisors, admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from vigil.security.accounts import AuthContext
from vigil.security.audit import AuditEventPublic, AuditQuery
from vigil.security.permissions import Action
from vigil.web.auth import api_staff, guarded, services_of

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", **guarded(Action.AUDIT_READ))
def search_audit(
    request: Request,
    query: Annotated[AuditQuery, Query()],
    ctx: AuthContext = Depends(api_staff),
) -> list[AuditEventPublic]:
    return services_of(request).audit_search.search(ctx.actor, query)
