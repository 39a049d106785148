"""The monitoring service: sources and their runs, ingest, posts; the front for the rest.

``MonitoringService`` owns the transactions and the permission checks; the pipeline, sources,
surge detection and charts below it know nothing of actors.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from vigil.clock import utcnow
from vigil.errors import AuthenticationRequired, Conflict, InvalidInput, NotFound, VigilError
from vigil.monitoring.alerts import AlertService
from vigil.monitoring.base import Fetched
from vigil.monitoring.dashboard import DashboardService, Filters, report_examples
from vigil.monitoring.detect import TextDetector, load_text_detector
from vigil.monitoring.media import MediaStep, default_hasher
from vigil.monitoring.models import post_from_record
from vigil.monitoring.neardup import NearDuplicates
from vigil.monitoring.people import WatchlistService
from vigil.monitoring.pipeline import Pipeline, Progress, RunStats
from vigil.monitoring.report import Example, ReportInput, csv_report, mask_identifiers, pdf_report
from vigil.monitoring.review import ReviewService
from vigil.monitoring.schemas import PostPublic, SourceCreate, SourceCreated, SourcePublic
from vigil.monitoring.settings import MonitorSettings
from vigil.monitoring.sources import source_registry
from vigil.monitoring.sources.files import read_jsonl
from vigil.monitoring.sources.webhook import new_token, token_hash
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.permissions import Action
from vigil.storage.database import Database
from vigil.storage.tables.monitoring import (
    MonitorAlert,
    MonitorPerson,
    MonitorPost,
    MonitorReview,
    MonitorSource,
)

log = logging.getLogger(__name__)
DetectorFactory = Callable[[str], TextDetector]
MAX_WEBHOOK_POSTS = 5000
REPORT_EXAMPLES = 12


class MonitoringService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        authorizer: Authorizer,
        settings: MonitorSettings | None = None,
        *,
        detector_factory: DetectorFactory | None = None,
        media: MediaStep | None = None,
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.settings = settings or MonitorSettings()
        self.detector_factory = detector_factory or load_text_detector
        self.media = media or MediaStep(default_hasher(probes=False))
        self.sources = source_registry()
        self.watchlist = WatchlistService(
            db, audit, authorizer, watched_weight=self.settings.watched_weight
        )
        self.review = ReviewService(db, audit, authorizer, self.settings)
        self.alerts = AlertService(db, audit, authorizer, self.settings)
        self.dashboard = DashboardService(db, audit, authorizer)
        self._detectors: dict[str, TextDetector] = {}
        # One near-duplicate memory per process, so groups span runs and webhook pushes.
        self._neardup = NearDuplicates(capacity=self.settings.neardup_capacity)

    # ---- sources ----------------------------------------------------------------------

    def add_source(self, actor: Actor, data: SourceCreate) -> SourceCreated:
        self.authorizer.require(actor, Action.MONITOR_MANAGE, record_type="monitor_source")
        plugin = self.sources.get(data.kind)
        config = plugin.validate_config(data.config)
        token = new_token() if plugin.passive else None
        with self.db.transaction() as session:
            if session.scalar(select(MonitorSource.id).where(MonitorSource.name == data.name)):
                raise Conflict(f"a source named {data.name!r} already exists", field="name")
            row = MonitorSource(
                name=data.name,
                kind=data.kind,
                config=json.dumps(config),
                token_hash=token_hash(token) if token else None,
                enabled=True,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            self.audit.record(
                session,
                actor,
                "monitor.source.create",
                record_type="monitor_source",
                record_id=row.name,
            )
            return SourceCreated(source=SourcePublic.model_validate(row), token=token)

    def list_sources(self, actor: Actor) -> list[SourcePublic]:
        self.authorizer.require(actor, Action.MONITOR_READ, record_type="monitor_source")
        with self.db.transaction() as session:
            rows = session.scalars(select(MonitorSource).order_by(MonitorSource.name)).all()
            return [SourcePublic.model_validate(r) for r in rows]

    def checkpoint(self, actor: Actor, name: str) -> dict[str, Any]:
        self.authorizer.require(actor, Action.MONITOR_READ, record_type="monitor_source")
        with self.db.transaction() as session:
            row = self._source_row(session, name)
            return json.loads(row.checkpoint) if row.checkpoint else {}

    @staticmethod
    def _source_row(session: Any, name: str) -> MonitorSource:
        row = session.scalar(select(MonitorSource).where(MonitorSource.name == name))
        if row is None:
            raise NotFound(f"no source named {name!r}")
        return row  # type: ignore[no-any-return]

    # ---- runs -------------------------------------------------------------------------

    def use_detector_factory(self, factory: DetectorFactory) -> None:
        """Score with detectors from ``factory`` from now on (e.g. on a Ray cluster)."""
        self.detector_factory = factory
        self._detectors.clear()

    def detector(self, tier: str | None = None) -> TextDetector:
        tier = tier or self.settings.tier
        if tier not in self._detectors:
            self._detectors[tier] = self.detector_factory(tier)
        return self._detectors[tier]

    def pipeline(self, tier: str | None = None) -> Pipeline:
        return Pipeline(
            self.db,
            self.detector(tier),
            self.settings,
            matcher=self.watchlist.matcher(),
            media=self.media,
            neardup=self._neardup,
        )

    def run(
        self,
        actor: Actor,
        *,
        name: str | None = None,
        tier: str | None = None,
        progress: Progress | None = None,
    ) -> dict[str, RunStats]:
        """One pass over one source (or every enabled, non-webhook source)."""
        self.authorizer.require(actor, Action.MONITOR_MANAGE, record_type="monitor_source")
        with self.db.transaction() as session:
            stmt = select(MonitorSource).where(MonitorSource.enabled.is_(True))
            if name is not None:
                stmt = select(MonitorSource).where(MonitorSource.name == name)
            rows = [
                (r.id, r.name, r.kind, r.config, r.checkpoint)
                for r in session.scalars(stmt.order_by(MonitorSource.name))
            ]
        if name is not None and not rows:
            raise NotFound(f"no source named {name!r}")
        results: dict[str, RunStats] = {}
        pipeline = self.pipeline(tier)
        for source_id, source_name, kind, config, checkpoint in rows:
            plugin = self.sources.get(kind)
            if plugin.passive:
                continue
            source = plugin(json.loads(config))
            source.start(json.loads(checkpoint) if checkpoint else None)
            try:
                stats = pipeline.run(
                    source.fetch(), source_id=source_id, source=source, progress=progress
                )
            except VigilError as exc:
                with self.db.transaction() as session:
                    session.execute(
                        update(MonitorSource)
                        .where(MonitorSource.id == source_id)
                        .values(last_error=exc.message[:500])
                    )
                if name is not None:
                    raise
                # One broken source must not stop the others; its error is on the source.
                log.warning("source failed", extra={"event": exc.code})
                continue
            finally:
                source.close()
            results[source_name] = stats
            self._after_run(actor, source_name, stats)
        return results

    def _after_run(self, actor: Actor, source_name: str, stats: RunStats) -> None:
        self.audit.record_alone(
            actor,
            "monitor.run",
            record_type="monitor_source",
            record_id=source_name,
            purpose=stats.summary(),
        )
        if stats.first_post_at and stats.last_post_at and stats.stored:
            self.alerts.scan(stats.first_post_at, stats.last_post_at)

    def ingest_file(
        self, actor: Actor, path: Path, *, tier: str | None = None, progress: Progress | None = None
    ) -> RunStats:
        """``vigil monitor ingest FILE.jsonl``: records in the scan input format."""
        self.authorizer.require(actor, Action.MONITOR_MANAGE, record_type="monitor_post")
        stats = self.pipeline(tier).run(read_jsonl(path, {}, None, {}), progress=progress)
        self._after_run(actor, f"file:{path.name}", stats)
        return stats

    def ingest_records(
        self, actor: Actor, records: Iterable[Mapping[str, Any]], *, tier: str | None = None
    ) -> RunStats:
        self.authorizer.require(actor, Action.MONITOR_MANAGE, record_type="monitor_post")
        stats = self.pipeline(tier).run(_fetched(records))
        self._after_run(actor, "records", stats)
        return stats

    def ingest_webhook(self, name: str, token: str, records: list[Mapping[str, Any]]) -> RunStats:
        """Posts pushed to a webhook source, authenticated by that source's token."""
        with self.db.transaction() as session:
            row = session.scalar(select(MonitorSource).where(MonitorSource.name == name))
            expected = row.token_hash if row is not None and row.enabled else None
            source_id = row.id if row is not None else None
        if expected is None or not hmac.compare_digest(expected, token_hash(token)):
            raise AuthenticationRequired("unknown source or wrong token")
        if len(records) > MAX_WEBHOOK_POSTS:
            raise InvalidInput(f"at most {MAX_WEBHOOK_POSTS} posts per request")
        actor = Actor(user_id=None, label=f"webhook:{name}"[:64], role=None)
        stats = self.pipeline().run(_fetched(records), source_id=source_id)
        self._after_run(actor, name, stats)
        return stats

    # ---- posts ------------------------------------------------------------------------

    def get_post(self, actor: Actor, post_id: int) -> PostPublic:
        self.authorizer.require(
            actor, Action.MONITOR_READ, record_type="monitor_post", record_id=post_id
        )
        with self.db.transaction() as session:
            row = session.get(MonitorPost, post_id)
            if row is None:
                raise NotFound("no monitored post with that id")
            self.audit.record(
                session, actor, "monitor.post.read", record_type="monitor_post", record_id=post_id
            )
            return PostPublic.of(row)

    def count_posts(self) -> int:
        with self.db.transaction() as session:
            return int(session.scalar(select(func.count(MonitorPost.id))) or 0)

    # ---- reports ----------------------------------------------------------------------

    def report(self, actor: Actor, start: date, end: date, fmt: str) -> bytes:
        """The monitoring report for [start, end] (whole UTC days), as PDF or CSV."""
        if fmt not in ("pdf", "csv"):
            raise InvalidInput("format must be pdf or csv", field="format")
        if end < start:
            raise InvalidInput("the period ends before it starts", field="to")
        since = datetime.combine(start, time(), tzinfo=UTC)
        until = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
        filters = Filters(since=since, until=until)
        data = self.dashboard.data(actor, filters)
        with self.db.transaction() as session:
            names = [p.name for p in session.scalars(select(MonitorPerson))]
            examples = [
                Example(
                    p.category or "abuse",
                    p.platform,
                    p.lang or "?",
                    mask_identifiers(p.text, names),
                )
                for p in report_examples(session, filters, REPORT_EXAMPLES)
            ]
            alerts = {
                kind: int(n)
                for kind, n in session.execute(
                    select(MonitorAlert.kind, func.count())
                    .where(MonitorAlert.window_start >= since, MonitorAlert.window_start < until)
                    .group_by(MonitorAlert.kind)
                )
            }
            reviewed = int(
                session.scalar(
                    select(func.count(MonitorReview.id)).where(
                        MonitorReview.at >= since, MonitorReview.at < until
                    )
                )
                or 0
            )
            self.audit.record(
                session,
                actor,
                "monitor.report",
                record_type="monitor_report",
                purpose=f"{start.isoformat()}..{end.isoformat()} {fmt}",
            )
        report = ReportInput(start, end, data, examples, alerts, reviewed)
        return pdf_report(report) if fmt == "pdf" else csv_report(report).encode("utf-8")


def _fetched(records: Iterable[Mapping[str, Any]]) -> Iterator[Fetched]:
    for index, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            yield Fetched(error="each post must be a JSON object", item=f"post {index}")
            continue
        try:
            yield Fetched(post=post_from_record(record))
        except VigilError as exc:
            yield Fetched(error=exc.message, item=f"post {index}")


__all__ = ["MonitoringService"]
