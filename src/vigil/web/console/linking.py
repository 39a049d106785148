"""Linking in the console: link notices, repeat perpetrators, networks, the case graph."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vigil.errors import PermissionDenied
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import services_of
from vigil.web.console.deps import console_staff
from vigil.web.templating import render

router = APIRouter(prefix="/linking", include_in_schema=False)


def _can(request: Request, ctx: AuthContext) -> Callable[[str], bool]:
    allows = services_of(request).authorizer.allows
    return lambda a: allows(ctx.actor, Action(a))


@router.get("")
def linking_page(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    services = services_of(request)
    services.authorizer.require(ctx.actor, Action.CASE_READ, record_type="case")
    investigator = services.authorizer.allows(ctx.actor, Action.LINK_READ)
    return render(
        request,
        "console/linking/index.html",
        {
            "ctx": ctx,
            "can": _can(request, ctx),
            "notices": services.linking.notices(ctx.actor),
            "repeat": services.linking.repeat_perpetrators(ctx.actor) if investigator else [],
            "networks": services.linking.networks(ctx.actor, limit=20) if investigator else [],
            "investigator": investigator,
        },
    )


@router.get("/graph")
def graph_page(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    services = services_of(request)
    if not services.authorizer.allows(ctx.actor, Action.LINK_READ):
        services.authorizer.require(ctx.actor, Action.LINK_READ, record_type="case")
        raise PermissionDenied("your role may not view the entity graph")
    reference = request.query_params.get("case", "").strip().upper()
    return render(
        request,
        "console/linking/graph.html",
        {"ctx": ctx, "can": _can(request, ctx), "reference": reference},
    )
