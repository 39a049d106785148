"""The statistics dashboard (supervisors, partner analysts): protected tables, charts, period
comparison. Charts are SVG files rendered on the server (no script, no CDN)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vigil.errors import VigilError
from vigil.insights.indicators import INDICATORS
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.api.insights import period
from vigil.web.auth import services_of
from vigil.web.console.deps import console_staff, form_data
from vigil.web.templating import render

router = APIRouter(prefix="/insights", include_in_schema=False)
DEFAULT_DAYS = 90


def _dates(request: Request) -> tuple[date, date]:
    today = datetime.now(UTC).date()
    try:
        end = date.fromisoformat(request.query_params.get("to", ""))
    except ValueError:
        end = today
    try:
        start = date.fromisoformat(request.query_params.get("from", ""))
    except ValueError:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    return start, end


def _page(
    request: Request,
    ctx: AuthContext,
    start: date,
    end: date,
    compare: bool,
    dp: dict[str, object] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    data = services.insights.dashboard(ctx.actor, *period(start, end))
    allows = services.authorizer.allows
    budget = services.insights.budget(ctx.actor) if ctx.actor.user_id is not None else None
    return render(
        request,
        "console/insights/index.html",
        {
            "ctx": ctx,
            "can": lambda a: allows(ctx.actor, Action(a)),
            "data": data,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "compare": compare,
            "one_way": [i for i in INDICATORS if i.by is None],
            "budget": budget,
            "dp": dp,
            "error": error,
        },
        status_code=status,
    )


@router.get("")
def dashboard(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    start, end = _dates(request)
    return _page(request, ctx, start, end, request.query_params.get("compare") == "1")


@router.post("/dp")
async def dp_query(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    """A differentially private answer, charged to the analyst's budget."""
    form = await form_data(request, ctx)
    start, end = _dates(request)
    try:
        start = date.fromisoformat(form.get("from", ""))
        end = date.fromisoformat(form.get("to", ""))
        epsilon = float(form.get("epsilon", ""))
    except ValueError:
        return _page(
            request, ctx, start, end, False, error="check the dates and epsilon", status=422
        )
    try:
        result = services_of(request).insights.dp_histogram(
            ctx.actor,
            form.get("indicator", ""),
            *period(start, end),
            mechanism=form.get("mechanism", "laplace"),
            epsilon=epsilon,
            delta=1e-7 if form.get("mechanism") == "gaussian" else 0.0,
        )
    except VigilError as exc:
        if exc.http_status == 403 and exc.code != "budget_exhausted":
            raise
        return _page(request, ctx, start, end, False, error=exc.message, status=exc.http_status)
    return _page(request, ctx, start, end, False, dp=result)


@router.get("/charts/{key}.svg")
def chart(key: str, request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    start, end = _dates(request)
    svg = services_of(request).insights.chart(
        ctx.actor, key, *period(start, end), compare=request.query_params.get("compare") == "1"
    )
    return Response(svg, media_type="image/svg+xml")
