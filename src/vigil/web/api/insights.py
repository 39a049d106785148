"""Anonymised statistics: protected tables, DP queries within a budget, signed exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import api_staff, guarded, services_of

router = APIRouter(prefix="/insights", tags=["insights"])


def period(start: date, end: date) -> tuple[datetime, datetime]:
    """Inclusive days → [start, end + 1 day) in UTC."""
    first = datetime(start.year, start.month, start.day, tzinfo=UTC)
    last = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    return first, last


class DpQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    indicator: str
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    mechanism: str = "laplace"
    epsilon: float = Field(gt=0)
    delta: float = Field(default=0.0, ge=0)


@router.get("/tables", **guarded(Action.STATS_READ))
def tables(
    request: Request,
    start: date = Query(alias="from"),
    end: date = Query(alias="to"),
    ctx: AuthContext = Depends(api_staff),
) -> list[dict[str, Any]]:
    return services_of(request).insights.tables(ctx.actor, *period(start, end))


@router.post("/dp", **guarded(Action.STATS_READ))
def dp_query(
    body: DpQuery,
    request: Request,
    ctx: AuthContext = Depends(api_staff),
) -> dict[str, Any]:
    return services_of(request).insights.dp_histogram(
        ctx.actor,
        body.indicator,
        *period(body.start, body.end),
        mechanism=body.mechanism,
        epsilon=body.epsilon,
        delta=body.delta,
    )


@router.get("/budget", **guarded(Action.STATS_READ))
def budget(request: Request, ctx: AuthContext = Depends(api_staff)) -> dict[str, float]:
    return services_of(request).insights.budget(ctx.actor)


@router.get("/export", **guarded(Action.STATS_EXPORT))
def export(
    request: Request,
    start: date = Query(alias="from"),
    end: date = Query(alias="to"),
    ctx: AuthContext = Depends(api_staff),
) -> Response:
    data = services_of(request).insights.export_package(ctx.actor, *period(start, end))
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="statistics.zip"'},
    )
