"""Dashboard figures: abusive posts by day, category, language, platform and target.

Aggregation happens in the database (GROUP BY), so a dashboard over millions of posts reads
only the totals.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.monitoring.schemas import PersonPublic
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.permissions import Action
from vigil.storage.database import Database
from vigil.storage.tables.monitoring import MonitorPerson, MonitorPost, MonitorPostTarget

TOP_TARGETS = 10
DIMENSIONS = ("category", "lang", "platform")


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    platform: str | None = None
    lang: str | None = None
    category: str | None = None
    person_id: int | None = None
    abusive_only: bool = True


@dataclass
class DashboardData:
    filters: Filters
    total: int = 0
    by_day: dict[str, int] = field(default_factory=dict)
    by_day_category: dict[str, dict[str, int]] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_lang: dict[str, int] = field(default_factory=dict)
    by_platform: dict[str, int] = field(default_factory=dict)
    top_targets: list[tuple[int, str, int]] = field(default_factory=list)


def day_of(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d", column)
    return func.to_char(column, "YYYY-MM-DD")  # sessions run with timezone=UTC


def _where(filters: Filters) -> list[Any]:
    clauses: list[Any] = []
    if filters.abusive_only:
        clauses.append(MonitorPost.gbv.is_(True))
    if filters.since:
        clauses.append(MonitorPost.created_at >= filters.since)
    if filters.until:
        clauses.append(MonitorPost.created_at < filters.until)
    if filters.platform:
        clauses.append(MonitorPost.platform == filters.platform)
    if filters.lang:
        clauses.append(MonitorPost.lang == filters.lang)
    if filters.category:
        clauses.append(MonitorPost.category == filters.category)
    if filters.person_id:
        clauses.append(
            MonitorPost.id.in_(
                select(MonitorPostTarget.post_id).where(
                    MonitorPostTarget.person_id == filters.person_id
                )
            )
        )
    return clauses


class DashboardService:
    def __init__(self, db: Database, audit: AuditLog, authorizer: Authorizer) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer

    def data(self, actor: Actor, filters: Filters) -> DashboardData:
        self.authorizer.require(actor, Action.MONITOR_READ, record_type="monitor_dashboard")
        out = DashboardData(filters)
        where = _where(filters)
        with self.db.transaction() as session:
            day = day_of(session, MonitorPost.created_at)
            for d, category, n in session.execute(
                select(day, MonitorPost.category, func.count())
                .where(*where)
                .group_by(day, MonitorPost.category)
                .order_by(day)
            ):
                cat = category or "unspecified"
                out.by_day[d] = out.by_day.get(d, 0) + n
                out.by_day_category.setdefault(d, {})[cat] = n
                out.by_category[cat] = out.by_category.get(cat, 0) + n
                out.total += n
            for name, column in (
                ("by_lang", MonitorPost.lang),
                ("by_platform", MonitorPost.platform),
            ):
                counts = getattr(out, name)
                for value, n in session.execute(
                    select(column, func.count())
                    .where(*where)
                    .group_by(column)
                    .order_by(func.count().desc())
                ):
                    counts[value or "unknown"] = n
            top = session.execute(
                select(MonitorPostTarget.person_id, func.count())
                .join(MonitorPost, MonitorPost.id == MonitorPostTarget.post_id)
                .where(*where)
                .group_by(MonitorPostTarget.person_id)
                .order_by(func.count().desc())
                .limit(TOP_TARGETS)
            ).all()
            names = {
                p.id: PersonPublic.of(p).name
                for p in session.scalars(
                    select(MonitorPerson).where(MonitorPerson.id.in_([t[0] for t in top]))
                )
            }
            out.top_targets = [(pid, names.get(pid, "?"), n) for pid, n in top]
            out.by_category = dict(sorted(out.by_category.items(), key=lambda kv: -kv[1]))
            self.audit.record(
                session, actor, "monitor.dashboard.read", record_type="monitor_dashboard"
            )
        return out


def _cell(value: str) -> str:
    """Platform and language names come from outside: never let a spreadsheet run them."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(data: DashboardData) -> str:
    """One row per day and category: date, category, posts (then the other totals)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["dimension", "key", "category", "posts"])
    for day, cats in data.by_day_category.items():
        for category, n in sorted(cats.items()):
            writer.writerow(["day", day, _cell(category), n])
    for dimension in DIMENSIONS:
        for key, n in getattr(data, f"by_{dimension}").items():
            writer.writerow([dimension, _cell(key), "", n])
    for pid, _name, n in data.top_targets:
        writer.writerow(["target", f"person-{pid}", "", n])  # names stay in the console
    return buffer.getvalue()


def report_examples(session: Session, filters: Filters, limit: int) -> list[MonitorPost]:
    """Reviewed-and-confirmed posts first, then the most urgent flagged ones."""
    where = _where(filters)
    confirmed = session.scalars(
        select(MonitorPost)
        .where(*where, MonitorPost.review_status.in_(("confirmed", "relabelled", "escalated")))
        .order_by(MonitorPost.priority.desc())
        .limit(limit)
    ).all()
    if len(confirmed) >= limit:
        return list(confirmed)
    more = session.scalars(
        select(MonitorPost)
        .where(*where, MonitorPost.review_status == "pending")
        .order_by(MonitorPost.priority.desc())
        .limit(limit - len(confirmed))
    ).all()
    return [*confirmed, *more]
