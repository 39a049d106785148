"""Surge scanning over stored posts, alert records, and their delivery."""

from __future__ import annotations

import builtins
import json
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.errors import NotFound
from vigil.monitoring.notify import Notifier
from vigil.monitoring.schemas import AlertPublic
from vigil.monitoring.settings import MonitorSettings
from vigil.monitoring.surges import (
    Coordination,
    CoordPost,
    PileOn,
    detect_coordination,
    detect_pile_ons,
)
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.permissions import Action
from vigil.storage.database import Database
from vigil.storage.tables.monitoring import MonitorAlert, MonitorPost, MonitorPostTarget

LIST_LIMIT = 200
#: Texts shorter than this many words ("so true", "lol") are too common to signal coordination.
MIN_COORDINATED_WORDS = 4
MAX_GROUP_POSTS = 500


class AlertService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        authorizer: Authorizer,
        settings: MonitorSettings,
        notifier: Notifier | None = None,
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.settings = settings
        self.notifier = notifier or Notifier(settings)

    # ---- scanning ---------------------------------------------------------------------

    def scan(self, start: datetime, end: datetime) -> list[AlertPublic]:
        """Look for pile-ons and coordination among posts created in [start, end]."""
        s = self.settings
        window = timedelta(minutes=s.pile_on_window_minutes)
        with self.db.transaction() as session:
            events = session.execute(
                select(MonitorPostTarget.person_id, MonitorPost.created_at)
                .join(MonitorPost, MonitorPost.id == MonitorPostTarget.post_id)
                .where(
                    MonitorPost.gbv.is_(True),
                    MonitorPost.created_at >= start - window * (s.pile_on_baseline_windows + 1),
                    MonitorPost.created_at <= end,
                )
            ).all()
        pile_ons = detect_pile_ons(
            ((p, t) for p, t in events),
            start=start,
            end=end,
            window=window,
            baseline_windows=s.pile_on_baseline_windows,
            factor=s.pile_on_factor,
            min_posts=s.pile_on_min_posts,
        )
        coordinated = detect_coordination(
            self._coordination_candidates(start, end),
            window=timedelta(minutes=s.coordination_window_minutes),
            min_accounts=s.coordination_min_accounts,
            min_score=s.coordination_min_score,
            new_account_days=s.new_account_days,
        )
        created = self._store(pile_ons, coordinated)
        for alert in created:
            if self.notifier.send(alert):
                with self.db.transaction() as session:
                    session.execute(
                        update(MonitorAlert)
                        .where(MonitorAlert.id == alert.id)
                        .values(notified_at=utcnow())
                    )
        return created

    def _coordination_candidates(self, start: datetime, end: datetime) -> list[CoordPost]:
        s = self.settings
        lo = start - timedelta(minutes=s.coordination_window_minutes)
        in_range = (
            MonitorPost.created_at >= lo,
            MonitorPost.created_at <= end,
            or_(MonitorPost.gbv.is_(True), MonitorPost.targeted.is_(True)),
        )
        out: list[CoordPost] = []
        with self.db.transaction() as session:
            for column, prefix in (
                (MonitorPost.dup_group, "text"),
                (MonitorPost.media_key, "media"),
            ):
                keys = session.scalars(
                    select(column)
                    .where(*in_range, column.is_not(None))
                    .group_by(column)
                    .having(
                        func.count(func.distinct(MonitorPost.author_handle))
                        >= s.coordination_min_accounts
                    )
                ).all()
                for key in keys:
                    rows = session.execute(
                        select(
                            MonitorPost.id,
                            MonitorPost.author_handle,
                            MonitorPost.author_created_at,
                            MonitorPost.created_at,
                            MonitorPost.text,
                        )
                        .where(*in_range, column == key)
                        .limit(MAX_GROUP_POSTS)
                    ).all()
                    if prefix == "text" and len(rows[0].text.split()) < MIN_COORDINATED_WORDS:
                        continue
                    out.extend(
                        CoordPost(
                            r.id,
                            f"{prefix}:{key}",
                            r.author_handle or "?",
                            r.author_created_at,
                            r.created_at,
                        )
                        for r in rows
                    )
        return out

    def _store(self, pile_ons: list[PileOn], coordinated: list[Coordination]) -> list[AlertPublic]:
        created: list[AlertPublic] = []
        with self.db.transaction() as session:
            for p in pile_ons:
                row = self._add(
                    session,
                    "pile_on",
                    f"person:{p.person_id}",
                    p.person_id,
                    p.window_start,
                    p.window_end,
                    p.count,
                    p.score,
                    {"baseline": round(p.baseline, 2)},
                )
                if row is not None:
                    created.append(row)
            for c in coordinated:
                window = timedelta(minutes=self.settings.coordination_window_minutes)
                overlapping = session.scalar(
                    select(MonitorAlert.id).where(
                        MonitorAlert.kind == "coordination",
                        MonitorAlert.key == c.key,
                        MonitorAlert.window_end >= c.window_start - window,
                    )
                )
                if overlapping is not None:
                    continue  # the same campaign, seen again by a later run
                row = self._add(
                    session,
                    "coordination",
                    c.key,
                    None,
                    c.window_start,
                    c.window_end,
                    len(c.accounts),
                    c.score,
                    {
                        "accounts": len(c.accounts),
                        "new_accounts": c.new_accounts,
                        "lookalike_accounts": c.lookalikes,
                        "post_ids": list(c.post_ids[:100]),
                    },
                )
                if row is not None:
                    created.append(row)
        return created

    @staticmethod
    def _add(
        session: Session,
        kind: str,
        key: str,
        person_id: int | None,
        start: datetime,
        end: datetime,
        count: int,
        score: float,
        details: dict[str, object],
    ) -> AlertPublic | None:
        exists = session.scalar(
            select(MonitorAlert.id).where(
                MonitorAlert.kind == kind,
                MonitorAlert.key == key,
                MonitorAlert.window_start == start,
            )
        )
        if exists is not None:
            return None
        row = MonitorAlert(
            kind=kind,
            key=key[:128],
            person_id=person_id,
            window_start=start,
            window_end=end,
            count=count,
            score=score,
            details=json.dumps(details),
            status="open",
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return AlertPublic.of(row)

    # ---- reading ----------------------------------------------------------------------

    def list(
        self, actor: Actor, *, status: str | None = None, limit: int = LIST_LIMIT
    ) -> builtins.list[AlertPublic]:
        self.authorizer.require(actor, Action.MONITOR_READ, record_type="monitor_alert")
        with self.db.transaction() as session:
            stmt = select(MonitorAlert).order_by(MonitorAlert.id.desc()).limit(limit)
            if status:
                stmt = stmt.where(MonitorAlert.status == status)
            return [AlertPublic.of(r) for r in session.scalars(stmt)]

    def acknowledge(self, actor: Actor, alert_id: int) -> AlertPublic:
        self.authorizer.require(actor, Action.REVIEW_DECIDE, record_type="monitor_alert")
        with self.db.transaction() as session:
            row = session.get(MonitorAlert, alert_id)
            if row is None:
                raise NotFound("no alert with that id")
            row.status = "acknowledged"
            self.audit.record(
                session,
                actor,
                "monitor.alert.acknowledge",
                record_type="monitor_alert",
                record_id=alert_id,
            )
            return AlertPublic.of(row)
