"""The review queue: flagged posts, most urgent first, decided by people.

Urgency is severity × confidence × (a weight when a watched person is targeted), computed at
ingest. Each reviewer sees at most ``review_daily_cap`` posts a UTC day: exposure to abuse is a
workplace hazard. A sample of decisions (``double_review_rate``, chosen by a hash of the post,
so it is reproducible) goes back to the queue for a second reviewer, and Cohen's kappa between
first and second decisions measures agreement.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.errors import Conflict, InvalidInput, NotFound
from vigil.monitoring.schemas import (
    Agreement,
    Decision,
    PostPublic,
    QueuePage,
    ReviewDecision,
)
from vigil.monitoring.settings import MonitorSettings
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.permissions import Action
from vigil.storage.database import Database
from vigil.storage.tables.monitoring import MonitorPost, MonitorPostTarget, MonitorReview

QUEUE_PAGE = 20
EXPORT_CHUNK = 1000
_STATUS = {
    Decision.CONFIRM: "confirmed",
    Decision.DISMISS: "dismissed",
    Decision.RELABEL: "relabelled",
    Decision.ESCALATE: "escalated",
}
NOT_ABUSE = "none"


def in_double_review_sample(post_id: int, rate: float) -> bool:
    digest = hashlib.sha256(f"double-review:{post_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


class ReviewService:
    def __init__(
        self, db: Database, audit: AuditLog, authorizer: Authorizer, settings: MonitorSettings
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.settings = settings

    @staticmethod
    def _day_start() -> datetime:
        now = utcnow()
        return datetime.combine(now.date(), time(), tzinfo=now.tzinfo)

    def seen_today(self, session: Session, actor: Actor) -> int:
        return int(
            session.scalar(
                select(func.count(MonitorReview.id)).where(
                    MonitorReview.reviewer_label == actor.label[:64],
                    MonitorReview.at >= self._day_start(),
                )
            )
            or 0
        )

    def _queue_filter(self, actor: Actor) -> object:
        reviewed_by_me = select(MonitorReview.post_id).where(
            MonitorReview.reviewer_label == actor.label[:64]
        )
        return or_(
            MonitorPost.review_status == "pending",
            and_(MonitorPost.second_review_due.is_(True), MonitorPost.id.not_in(reviewed_by_me)),
        )

    def queue(
        self, actor: Actor, *, limit: int = QUEUE_PAGE, person_id: int | None = None
    ) -> QueuePage:
        self.authorizer.require(actor, Action.MONITOR_READ, record_type="monitor_post")
        cap = self.settings.review_daily_cap
        with self.db.transaction() as session:
            seen = self.seen_today(session, actor)
            room = max(0, min(limit, cap - seen))
            stmt = (
                select(MonitorPost)
                .where(self._queue_filter(actor))  # type: ignore[arg-type]
                .order_by(MonitorPost.priority.desc(), MonitorPost.id)
                .limit(room)
            )
            if person_id is not None:
                stmt = stmt.where(
                    MonitorPost.id.in_(
                        select(MonitorPostTarget.post_id).where(
                            MonitorPostTarget.person_id == person_id
                        )
                    )
                )
            rows = session.scalars(stmt).all() if room else []
            targets = self._targets(session, [r.id for r in rows])
            self.audit.record(
                session,
                actor,
                "monitor.queue.read",
                record_type="monitor_post",
                purpose=f"{len(rows)} posts shown",
            )
            return QueuePage(
                items=[PostPublic.of(r, targets.get(r.id)) for r in rows],
                seen_today=seen,
                daily_cap=cap,
                capped=seen >= cap,
            )

    @staticmethod
    def _targets(session: Session, ids: list[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        if ids:
            for pid, person in session.execute(
                select(MonitorPostTarget.post_id, MonitorPostTarget.person_id).where(
                    MonitorPostTarget.post_id.in_(ids)
                )
            ):
                out.setdefault(pid, []).append(person)
        return out

    def decide(
        self,
        actor: Actor,
        post_id: int,
        body: ReviewDecision,
        *,
        case_reference: str | None = None,
        session: Session | None = None,
    ) -> PostPublic:
        """Record a decision; inside ``session`` when a flow owns the transaction."""
        self.authorizer.require(
            actor, Action.REVIEW_DECIDE, record_type="monitor_post", record_id=post_id
        )
        if body.decision is Decision.RELABEL and not body.label:
            raise InvalidInput("relabelling needs the new label", field="label")
        if session is not None:
            return self._decide(session, actor, post_id, body, case_reference)
        with self.db.transaction() as own:
            return self._decide(own, actor, post_id, body, case_reference)

    def _decide(
        self,
        session: Session,
        actor: Actor,
        post_id: int,
        body: ReviewDecision,
        case_reference: str | None,
    ) -> PostPublic:
        post = session.get(MonitorPost, post_id)
        if post is None:
            raise NotFound("no monitored post with that id")
        if self.seen_today(session, actor) >= self.settings.review_daily_cap:
            raise Conflict("you reached today's exposure cap; the queue reopens tomorrow (UTC)")
        earlier = session.scalars(
            select(MonitorReview).where(MonitorReview.post_id == post_id).order_by(MonitorReview.id)
        ).all()
        if any(r.reviewer_label == actor.label[:64] for r in earlier):
            raise Conflict("you already reviewed this post")
        second = bool(earlier)
        if second and not post.second_review_due:
            raise Conflict("this post is already decided")
        if not second and post.review_status not in ("pending", "none"):
            raise Conflict("this post is already decided")
        label = (
            NOT_ABUSE
            if body.decision is Decision.DISMISS
            else body.label or post.category or "abuse"
        )
        session.add(
            MonitorReview(
                post_id=post_id,
                reviewer_id=actor.user_id,
                reviewer_label=actor.label[:64],
                decision=str(body.decision),
                label=label[:64],
                second=second,
                case_reference=case_reference,
                at=utcnow(),
            )
        )
        if second:
            post.second_review_due = False
            if body.decision is Decision.ESCALATE:
                post.review_status = "escalated"
        else:
            post.review_status = _STATUS[body.decision]
            post.second_review_due = in_double_review_sample(
                post_id, self.settings.double_review_rate
            )
        if body.decision is Decision.RELABEL:
            post.category = label[:64]
        self.audit.record(
            session,
            actor,
            f"monitor.review.{body.decision}",
            record_type="monitor_post",
            record_id=post_id,
        )
        session.flush()
        return PostPublic.of(post)

    def agreement(self, actor: Actor, *, since: datetime | None = None) -> Agreement:
        """Cohen's kappa between first and second decisions (abuse or not, by label)."""
        self.authorizer.require(actor, Action.MONITOR_READ, record_type="monitor_review")
        with self.db.transaction() as session:
            stmt = select(MonitorReview.post_id, MonitorReview.second, MonitorReview.label)
            if since:
                stmt = stmt.where(MonitorReview.at >= since)
            first: dict[int, str] = {}
            second: dict[int, str] = {}
            for post_id, is_second, label in session.execute(stmt.order_by(MonitorReview.id)):
                (second if is_second else first).setdefault(post_id, label)
        pairs = [(first[p], second[p]) for p in second if p in first]
        if not pairs:
            return Agreement(pairs=0, kappa=None, observed_agreement=None)
        a, b = [x for x, _ in pairs], [y for _, y in pairs]
        observed = sum(x == y for x, y in pairs) / len(pairs)
        if len(set(a) | set(b)) < 2:
            return Agreement(pairs=len(pairs), kappa=1.0, observed_agreement=observed)
        return Agreement(pairs=len(pairs), kappa=_kappa(a, b), observed_agreement=observed)

    def export(self, actor: Actor, *, since: datetime | None = None) -> Iterator[str]:
        """Decided posts as JSONL for ``vigil train``: the scan output plus ``label``.

        ``label`` is the reviewer's category, or "none" when the post was dismissed; where
        two reviewers disagreed the post is left out (its label is not settled).
        """
        self.authorizer.require(actor, Action.MONITOR_READ, record_type="monitor_review")
        self.audit.record_alone(actor, "monitor.review.export", record_type="monitor_review")
        last_id = 0
        while True:
            with self.db.transaction() as session:
                stmt = (
                    select(MonitorReview.post_id, MonitorReview.label, MonitorReview.second)
                    .where(MonitorReview.post_id > last_id)
                    .order_by(MonitorReview.post_id, MonitorReview.id)
                )
                if since:
                    stmt = stmt.where(MonitorReview.at >= since)
                reviews = session.execute(stmt.limit(EXPORT_CHUNK)).all()
                if not reviews:
                    return
                labels: dict[int, set[str]] = {}
                for pid, label, _ in reviews:
                    labels.setdefault(pid, set()).add(label)
                last_id = reviews[-1].post_id
                if len(reviews) == EXPORT_CHUNK and len(labels) > 1:
                    labels.pop(last_id)  # may be cut mid-post: read it whole next time
                    last_id -= 1
                posts = session.scalars(
                    select(MonitorPost).where(MonitorPost.id.in_(list(labels)))
                ).all()
                lines = []
                for post in sorted(posts, key=lambda p: p.id):
                    if len(labels[post.id]) != 1:
                        continue
                    record = {
                        "id": f"{post.platform}:{post.post_id}",
                        "text": post.text,
                        **json.loads(post.detection or "{}"),
                    }
                    record["lang"] = record.get("lang") or post.lang
                    record["label"] = next(iter(labels[post.id]))
                    lines.append(json.dumps(record, ensure_ascii=False))
            yield from lines

    def reviewed_between(self, session: Session, start: datetime, end: datetime) -> int:
        return int(
            session.scalar(
                select(func.count(MonitorReview.id)).where(
                    MonitorReview.at >= start, MonitorReview.at < end + timedelta(days=1)
                )
            )
            or 0
        )


def _kappa(a: list[str], b: list[str]) -> float:
    """Cohen's kappa (scikit-learn's), imported only when asked: it is slow to import."""
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(a, b))
