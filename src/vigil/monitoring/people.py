"""The watchlist: people at risk, the posts aimed at them, and a page per person."""

from __future__ import annotations

import builtins
import json
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from vigil.clock import utcnow
from vigil.errors import NotFound
from vigil.monitoring.models import Post
from vigil.monitoring.schemas import PersonCreate, PersonPublic, PostPublic
from vigil.monitoring.watchlist import WatchedPerson, WatchlistMatcher
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.permissions import Action
from vigil.storage.database import Database
from vigil.storage.tables.monitoring import MonitorPerson, MonitorPost, MonitorPostTarget

PAGE_POSTS = 100
#: How far back a newly watched person's earlier abuse is looked for, and in what chunks.
RETRO_DAYS = 30
RETRO_CHUNK = 2000


def _as_post(row: MonitorPost) -> Post:
    return Post(
        platform=row.platform,
        post_id=row.post_id,
        text=row.text,
        created_at=row.created_at,
        reply_to_author=row.reply_to_author,
        mentions=tuple(json.loads(row.mentions or "[]")),
    )


def _clean(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = " ".join(value.split())
        if value:
            seen.setdefault(value[:200], None)
    return list(seen)


class WatchlistService:
    def __init__(
        self, db: Database, audit: AuditLog, authorizer: Authorizer, *, watched_weight: float = 2.0
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.watched_weight = watched_weight

    def tie_earlier_posts(self, person: PersonPublic, *, days: int = RETRO_DAYS) -> int:
        """Tie the abusive posts of the last ``days`` already collected to a new person.

        Without it her page would start empty although the abuse was already in the database.
        Reads in keyset chunks, so memory stays flat.
        """
        matcher = WatchlistMatcher(
            [WatchedPerson(person.id, person.name, tuple(person.aliases), tuple(person.handles))]
        )
        since = utcnow() - timedelta(days=days)
        last_id, tied = 0, 0
        while True:
            with self.db.transaction() as session:
                rows = session.scalars(
                    select(MonitorPost)
                    .where(
                        MonitorPost.id > last_id,
                        MonitorPost.gbv.is_(True),
                        MonitorPost.collected_at >= since,
                    )
                    .order_by(MonitorPost.id)
                    .limit(RETRO_CHUNK)
                ).all()
                if not rows:
                    return tied
                last_id = rows[-1].id
                for row in rows:
                    how = matcher.match(_as_post(row)).get(person.id)
                    if how is None:
                        continue
                    session.add(MonitorPostTarget(post_id=row.id, person_id=person.id, how=how))
                    if not row.targeted:
                        row.targeted = True
                        row.priority *= self.watched_weight
                    tied += 1

    def add(self, actor: Actor, data: PersonCreate) -> PersonPublic:
        self.authorizer.require(actor, Action.MONITOR_MANAGE, record_type="monitor_person")
        with self.db.transaction() as session:
            row = MonitorPerson(
                name=" ".join(data.name.split()),
                aliases=json.dumps(_clean(data.aliases), ensure_ascii=False),
                handles=json.dumps(_clean(data.handles), ensure_ascii=False),
                kind=data.kind,
                active=True,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            self.audit.record(
                session,
                actor,
                "monitor.person.create",
                record_type="monitor_person",
                record_id=row.id,
            )
            person = PersonPublic.of(row)
        self.tie_earlier_posts(person)
        return person

    def list(self, actor: Actor) -> builtins.list[PersonPublic]:
        self.authorizer.require(actor, Action.MONITOR_READ, record_type="monitor_person")
        with self.db.transaction() as session:
            rows = session.scalars(select(MonitorPerson).order_by(MonitorPerson.id)).all()
            self.audit.record(
                session,
                actor,
                "monitor.person.list",
                record_type="monitor_person",
                purpose=f"{len(rows)} listed",
            )
            return [PersonPublic.of(r) for r in rows]

    def page(
        self,
        actor: Actor,
        person_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[PersonPublic, builtins.list[PostPublic], dict[str, int], dict[str, int]]:
        """The person, the latest abusive posts aimed at her, and counts by day and category."""
        self.authorizer.require(
            actor, Action.MONITOR_READ, record_type="monitor_person", record_id=person_id
        )
        with self.db.transaction() as session:
            person = session.get(MonitorPerson, person_id)
            if person is None:
                raise NotFound("no watched person with that id")
            stmt = (
                select(MonitorPost)
                .join(MonitorPostTarget, MonitorPostTarget.post_id == MonitorPost.id)
                .where(MonitorPostTarget.person_id == person_id, MonitorPost.gbv.is_(True))
            )
            if since:
                stmt = stmt.where(MonitorPost.created_at >= since)
            if until:
                stmt = stmt.where(MonitorPost.created_at < until)
            by_day: Counter[str] = Counter()
            by_category: Counter[str] = Counter()
            for created, category in session.execute(
                stmt.with_only_columns(MonitorPost.created_at, MonitorPost.category)
            ):
                by_day[created.strftime("%Y-%m-%d")] += 1
                by_category[category or "unspecified"] += 1
            posts = session.scalars(
                stmt.order_by(MonitorPost.created_at.desc()).limit(PAGE_POSTS)
            ).all()
            self.audit.record(
                session,
                actor,
                "monitor.person.read",
                record_type="monitor_person",
                record_id=person_id,
            )
            return (
                PersonPublic.of(person),
                [PostPublic.of(p, [person_id]) for p in posts],
                dict(sorted(by_day.items())),
                dict(by_category.most_common()),
            )

    def matcher(self) -> WatchlistMatcher:
        """The active watchlist, for a pipeline run (internal: no actor, nothing shown)."""
        with self.db.transaction() as session:
            rows = session.scalars(select(MonitorPerson).where(MonitorPerson.active.is_(True)))
            return WatchlistMatcher(
                WatchedPerson(
                    r.id, r.name, tuple(json.loads(r.aliases)), tuple(json.loads(r.handles))
                )
                for r in rows
            )
