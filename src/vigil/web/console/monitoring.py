"""Monitoring in the console: dashboard with charts, review queue, watchlist, alerts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from vigil.errors import InvalidInput, NotFound
from vigil.flows.escalate_post import escalate_post
from vigil.monitoring.charts import bar_chart, trend_chart
from vigil.monitoring.dashboard import Filters, to_csv
from vigil.monitoring.schemas import Decision, PersonCreate, ReviewDecision
from vigil.security.accounts import AuthContext
from vigil.security.permissions import Action
from vigil.web.auth import services_of
from vigil.web.console.deps import console_staff, form_data
from vigil.web.templating import render

router = APIRouter(prefix="/monitoring", include_in_schema=False)
CHARTS = ("trend", "category", "lang", "platform")
FILTER_KEYS = ("since", "until", "platform", "lang", "category", "person")


def _can(request: Request, ctx: AuthContext) -> Callable[[str], bool]:
    allows = services_of(request).authorizer.allows
    return lambda a: allows(ctx.actor, Action(a))


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def _filters(request: Request) -> Filters:
    q = request.query_params
    person = q.get("person", "")
    return Filters(
        since=_date(q.get("since")),
        until=_date(q.get("until")),
        platform=q.get("platform") or None,
        lang=q.get("lang") or None,
        category=q.get("category") or None,
        person_id=int(person) if person.isdigit() else None,
    )


def _query(request: Request) -> str:
    return urlencode({k: v for k, v in request.query_params.items() if k in FILTER_KEYS and v})


@router.get("")
def dashboard(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    services = services_of(request)
    data = services.monitoring.dashboard.data(ctx.actor, _filters(request))
    return render(
        request,
        "console/monitoring/dashboard.html",
        {
            "ctx": ctx,
            "can": _can(request, ctx),
            "data": data,
            "query": request.query_params,
            "qs": _query(request),
            "charts": CHARTS,
            "alerts": services.monitoring.alerts.list(ctx.actor, limit=5),
            "agreement": services.monitoring.review.agreement(ctx.actor),
            "sources": services.monitoring.list_sources(ctx.actor),
        },
    )


@router.get("/chart/{name}.svg")
def chart(name: str, request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    if name not in CHARTS:
        raise NotFound("no such chart")
    data = services_of(request).monitoring.dashboard.data(ctx.actor, _filters(request))
    if name == "trend":
        svg = trend_chart(data.by_day_category, title="Abusive posts per day, by category")
    else:
        svg = bar_chart(getattr(data, f"by_{name}"), title=f"By {name}")
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, no-store"})


@router.get("/export.csv")
def export_csv(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    data = services_of(request).monitoring.dashboard.data(ctx.actor, _filters(request))
    return Response(
        to_csv(data),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="vigil-monitoring.csv"'},
    )


@router.get("/review")
def review_page(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    services = services_of(request)
    person = request.query_params.get("person", "")
    page = services.monitoring.review.queue(
        ctx.actor, person_id=int(person) if person.isdigit() else None
    )
    return render(
        request,
        "console/monitoring/review.html",
        {
            "ctx": ctx,
            "can": _can(request, ctx),
            "page": page,
            "decisions": [d.value for d in Decision],
            "done": request.query_params.get("done"),
        },
    )


@router.post("/review/{post_id}")
async def review_decide(
    post_id: int, request: Request, ctx: AuthContext = Depends(console_staff)
) -> Response:
    form = await form_data(request, ctx)
    services = services_of(request)
    try:
        decision = Decision(form.get("decision", ""))
    except ValueError:
        raise InvalidInput("choose a decision", field="decision") from None
    label = form.get("label") or None
    if decision is Decision.ESCALATE:
        result = escalate_post(
            services,
            ctx.actor,
            post_id,
            case_reference=form.get("case_reference") or None,
            label=label,
        )
        return RedirectResponse(
            f"/console/monitoring/review?done=escalated+to+{result.case_reference}", status_code=303
        )
    services.monitoring.review.decide(
        ctx.actor, post_id, ReviewDecision(decision=decision, label=label)
    )
    return RedirectResponse("/console/monitoring/review", status_code=303)


@router.get("/posts/{post_id}/media/{index}")
def media(
    post_id: int, index: int, request: Request, ctx: AuthContext = Depends(console_staff)
) -> Response:
    """Media collected as files (Telegram exports); the page shows them blurred."""
    post = services_of(request).monitoring.get_post(ctx.actor, post_id)
    if not 0 <= index < len(post.media) or not post.media[index].get("path"):
        raise NotFound("no stored file for this media")
    path = Path(post.media[index]["path"])
    if not path.is_file():
        raise NotFound("the media file is no longer on disk")
    return FileResponse(
        path, headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"}
    )


@router.get("/people")
def people_page(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    people = services_of(request).monitoring.watchlist.list(ctx.actor)
    return render(
        request,
        "console/monitoring/people.html",
        {"ctx": ctx, "can": _can(request, ctx), "people": people},
    )


@router.post("/people")
async def add_person(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    form = await form_data(request, ctx)

    def split(key: str) -> list[str]:
        return [v.strip() for v in form.get(key, "").replace("\n", ",").split(",") if v.strip()]

    person = services_of(request).monitoring.watchlist.add(
        ctx.actor,
        PersonCreate(
            name=form.get("name", ""),
            aliases=split("aliases"),
            handles=split("handles"),
            kind=form.get("kind") or "other",
        ),
    )
    return RedirectResponse(f"/console/monitoring/people/{person.id}", status_code=303)


@router.get("/people/{person_id}")
def person_page(
    person_id: int, request: Request, ctx: AuthContext = Depends(console_staff)
) -> Response:
    q = request.query_params
    person, posts, by_day, by_category = services_of(request).monitoring.watchlist.page(
        ctx.actor, person_id, since=_date(q.get("since")), until=_date(q.get("until"))
    )
    return render(
        request,
        "console/monitoring/person.html",
        {
            "ctx": ctx,
            "can": _can(request, ctx),
            "person": person,
            "posts": posts,
            "by_day": by_day,
            "by_category": by_category,
            "query": q,
        },
    )


@router.get("/alerts")
def alerts_page(request: Request, ctx: AuthContext = Depends(console_staff)) -> Response:
    alerts = services_of(request).monitoring.alerts.list(ctx.actor)
    return render(
        request,
        "console/monitoring/alerts.html",
        {"ctx": ctx, "can": _can(request, ctx), "alerts": alerts},
    )


@router.post("/alerts/{alert_id}/acknowledge")
async def acknowledge(
    alert_id: int, request: Request, ctx: AuthContext = Depends(console_staff)
) -> Response:
    await form_data(request, ctx)
    services_of(request).monitoring.alerts.acknowledge(ctx.actor, alert_id)
    return RedirectResponse("/console/monitoring/alerts", status_code=303)
