"""Perpetrator linking: identifiers into a case's graph, linked cases, networks, exports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from vigil.linking.export import FORMATS
from vigil.linking.schemas import (
    CaseLink,
    IngestResult,
    LinkNoticeOut,
    NetworkOut,
    OpenedLink,
    RepeatPerpetratorOut,
    TextIn,
)
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import api_staff, guarded, services_of

router = APIRouter(prefix="/linking", tags=["linking"])

_MEDIA_TYPES = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "csv": "text/csv",
}


class OpenLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(min_length=10, max_length=200)


@router.post("/cases/{reference}/text", **guarded(Action.CASE_UPDATE))
def add_case_text(
    reference: str,
    body: TextIn,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> IngestResult:
    return services_of(request).linking.add_case_text(
        ctx.actor, reference, body.text, source=body.source, source_ref=body.source_ref
    )


@router.get("/cases/{reference}/links", **guarded(Action.CASE_READ))
def case_links(
    reference: str,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> list[CaseLink]:
    return services_of(request).linking.links_for_case(ctx.actor, reference)


@router.post("/cases/{reference}/links/{token}/open", **guarded(Action.LINK_OPEN_OTHER_CASE))
def open_link(
    reference: str,
    token: str,
    body: OpenLinkIn,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> OpenedLink:
    return services_of(request).linking.open_link(ctx.actor, reference, token, body.purpose)


@router.get("/notices", **guarded(Action.CASE_READ))
def notices(request: Request, ctx: AuthContext = Depends(api_staff)) -> list[LinkNoticeOut]:
    return services_of(request).linking.notices(ctx.actor)


def cytoscape_elements(graph: Any) -> dict[str, list[dict[str, Any]]]:
    """The graph as Cytoscape.js elements (nodes and edges with their data)."""
    nodes = [{"data": {"id": n, **d}} for n, d in graph.nodes(data=True)]
    edges = [
        {"data": {**d, "id": k, "source": u, "target": v}}
        for u, v, k, d in graph.edges(keys=True, data=True)
    ]
    return {"nodes": nodes, "edges": edges}


@router.get("/cases/{reference}/graph", **guarded(Action.LINK_READ))
def case_graph(
    reference: str,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> dict[str, list[dict[str, Any]]]:
    return cytoscape_elements(services_of(request).linking.case_graph(ctx.actor, reference))


@router.get("/cases/{reference}/export/{fmt}", **guarded(Action.LINK_READ))
def export_graph(
    reference: str,
    fmt: str,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> Response:
    data = services_of(request).linking.export_case_graph(ctx.actor, reference, fmt)
    ext = fmt if fmt in FORMATS else "txt"
    return Response(
        data,
        media_type=_MEDIA_TYPES.get(fmt, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="case-graph.{ext}"'},
    )


@router.get("/networks", **guarded(Action.LINK_READ))
def networks(request: Request, ctx: AuthContext = Depends(api_staff)) -> list[NetworkOut]:
    return services_of(request).linking.networks(ctx.actor)


@router.get("/repeat-perpetrators", **guarded(Action.LINK_READ))
def repeat_perpetrators(
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> list[RepeatPerpetratorOut]:
    return services_of(request).linking.repeat_perpetrators(ctx.actor)
