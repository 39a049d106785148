"""The insights service: protected tables, dashboards, DP queries with a budget ledger,
signed packages and the PDF brief. Every output is built from protected tables only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.errors import InvalidInput, NotFound, PermissionDenied
from vigil.insights import indicators as ind
from vigil.insights import package
from vigil.insights.charts import bar_chart
from vigil.insights.dp import mechanism_registry
from vigil.insights.options import InsightsOptions
from vigil.insights.records import CaseRecord, load_records
from vigil.insights.report import brief_pdf
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog, Outcome
from vigil.security.authorization import Authorizer
from vigil.security.permissions import Action
from vigil.settings import VigilSettings
from vigil.storage.database import Database
from vigil.storage.tables.insights import PrivacyBudget, PrivacyLedgerEntry


class BudgetExhausted(PermissionDenied):
    """The analyst's differential-privacy budget cannot pay for this query."""

    code = "budget_exhausted"


def _check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("period bounds must be timezone-aware", field="from")
    if end <= start:
        raise InvalidInput("the period must end after it starts", field="to")


class InsightsService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        authorizer: Authorizer,
        options: InsightsOptions,
        settings: VigilSettings,
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.options = options
        self.settings = settings
        self.mechanisms = mechanism_registry()

    # ---- tables ----------------------------------------------------------------------------

    def _records(self, session: Session, start: datetime, end: datetime) -> list[CaseRecord]:
        _check_period(start, end)
        return load_records(session, start, end)

    def _tables(self, records: list[CaseRecord]) -> list[dict[str, Any]]:
        k, base = self.options.min_cell, self.options.rounding_base
        out = [
            package.table_json(i.key, i.title, ind.table(i, records, k=k, rounding_base=base))
            for i in ind.INDICATORS
        ]
        out.append(
            package.table_json(
                "cases_by_month",
                "Cases by month opened",
                ind.monthly_table(records, k=k, rounding_base=base),
            )
        )
        return out

    def tables(self, actor: Actor, start: datetime, end: datetime) -> list[dict[str, Any]]:
        self.authorizer.require(actor, Action.STATS_READ, record_type="statistics")
        with self.db.transaction() as session:
            tables = self._tables(self._records(session, start, end))
            self.audit.record(
                session,
                actor,
                "stats.read",
                record_type="statistics",
                purpose=f"{start.date()}..{end.date()}",
            )
        return tables

    def dashboard(self, actor: Actor, start: datetime, end: datetime) -> dict[str, Any]:
        """This period's tables and the previous period's of the same length, side by side."""
        self.authorizer.require(actor, Action.STATS_READ, record_type="statistics")
        before = start - (end - start)
        with self.db.transaction() as session:
            now = self._tables(self._records(session, start, end))
            then = self._tables(self._records(session, before, start))
            self.audit.record(
                session,
                actor,
                "stats.dashboard",
                record_type="statistics",
                purpose=f"{start.date()}..{end.date()}",
            )
        return {
            "tables": now,
            "previous": {t["indicator"]: t for t in then},
            "min_cell": self.options.min_cell,
            "rounding_base": self.options.rounding_base,
        }

    def chart(
        self, actor: Actor, key: str, start: datetime, end: datetime, *, compare: bool = False
    ) -> bytes:
        data = self.dashboard(actor, start, end)
        table = next((t for t in data["tables"] if t["indicator"] == key), None)
        if table is None or len(table["rows"]) != 1:
            raise NotFound("no one-way indicator with that name")
        previous = data["previous"].get(key)
        prev_values = previous["cells"][0] if compare and previous else None
        if prev_values is not None and previous and previous["cols"] != table["cols"]:
            prev_values = None  # months differ between periods
        return bar_chart(
            table["title"],
            table["cols"],
            table["cells"][0],
            k=self.options.min_cell,
            previous=prev_values,
        )

    # ---- differential privacy --------------------------------------------------------------

    @staticmethod
    def _spent(session: Session, user_id: int) -> tuple[float, float]:
        eps, delta = session.execute(
            select(
                func.coalesce(func.sum(PrivacyLedgerEntry.epsilon), 0.0),
                func.coalesce(func.sum(PrivacyLedgerEntry.delta), 0.0),
            ).where(PrivacyLedgerEntry.user_id == user_id)
        ).one()
        return float(eps), float(delta)

    def _budget_row(self, session: Session, user_id: int, *, lock: bool) -> PrivacyBudget:
        stmt = select(PrivacyBudget).where(PrivacyBudget.user_id == user_id)
        row = session.scalar(stmt.with_for_update() if lock else stmt)
        if row is None:
            row = PrivacyBudget(
                user_id=user_id,
                epsilon=self.options.dp_epsilon_budget,
                delta=self.options.dp_delta_budget,
                updated_at=utcnow(),
                updated_by="default",
            )
            session.add(row)
            session.flush()
        return row

    def budget(self, actor: Actor) -> dict[str, float]:
        self.authorizer.require(actor, Action.STATS_READ, record_type="statistics")
        if actor.user_id is None:
            raise InvalidInput("privacy budgets belong to staff accounts")
        with self.db.transaction() as session:
            row = self._budget_row(session, actor.user_id, lock=False)
            eps, delta = self._spent(session, actor.user_id)
            return {
                "epsilon_total": row.epsilon,
                "epsilon_spent": eps,
                "epsilon_left": max(0.0, row.epsilon - eps),
                "delta_total": row.delta,
                "delta_spent": delta,
                "delta_left": max(0.0, row.delta - delta),
            }

    def set_budget(self, actor: Actor, user_id: int, epsilon: float, delta: float) -> None:
        self.authorizer.require(actor, Action.STATS_EXPORT, record_type="privacy_budget")
        if epsilon <= 0 or not 0 <= delta < 1e-3:
            raise InvalidInput("epsilon must be > 0 and delta in [0, 0.001)", field="epsilon")
        with self.db.transaction() as session:
            row = self._budget_row(session, user_id, lock=True)
            row.epsilon, row.delta = epsilon, delta
            row.updated_at, row.updated_by = utcnow(), actor.label[:64]
            self.audit.record(
                session,
                actor,
                "stats.budget",
                record_type="privacy_budget",
                record_id=user_id,
                purpose=f"epsilon={epsilon} delta={delta}",
            )

    def dp_histogram(
        self,
        actor: Actor,
        key: str,
        start: datetime,
        end: datetime,
        *,
        mechanism: str = "laplace",
        epsilon: float,
        delta: float = 0.0,
    ) -> dict[str, Any]:
        """A noisy one-way indicator, charged to the analyst's budget; refused when over."""
        self.authorizer.require(actor, Action.STATS_READ, record_type="statistics")
        if actor.user_id is None:
            raise InvalidInput("differentially private queries need a staff account")
        indicator = ind.BY_KEY.get(key)
        if indicator is None or indicator.by is not None:
            raise NotFound("no one-way indicator with that name")
        if not 0 < epsilon <= self.options.dp_max_query_epsilon:
            raise InvalidInput(
                f"epsilon must be in (0, {self.options.dp_max_query_epsilon}]", field="epsilon"
            )
        mech = self.mechanisms.get(mechanism)()
        query = f"{key} {start.date()}..{end.date()} {mechanism}"
        refused = False
        with self.db.transaction() as session:
            budget = self._budget_row(session, actor.user_id, lock=True)
            spent_eps, spent_delta = self._spent(session, actor.user_id)
            scale = mech.scale_for(epsilon, delta)
            cost_eps, cost_delta = mech.cost(scale, delta)
            if (
                spent_eps + cost_eps > budget.epsilon + 1e-12
                or spent_delta + cost_delta > budget.delta + 1e-18
            ):
                refused = True
            else:
                _rows, matrix = ind.counts(indicator, self._records(session, start, end))
                release = mech.release([int(v) for v in matrix[0]], epsilon, delta)
                session.add(
                    PrivacyLedgerEntry(
                        user_id=actor.user_id,
                        query=query[:200],
                        mechanism=mech.name,
                        scale=release.scale,
                        epsilon=release.epsilon,
                        delta=release.delta,
                        at=utcnow(),
                    )
                )
                self.audit.record(
                    session,
                    actor,
                    "stats.dp_query",
                    record_type="statistics",
                    purpose=f"{query} eps={release.epsilon:.4g}",
                )
        if refused:
            self.audit.record_alone(
                actor,
                "stats.dp_query",
                record_type="statistics",
                purpose=query,
                outcome=Outcome.DENIED,
            )
            raise BudgetExhausted("this query would exceed your privacy budget")
        return {
            "indicator": key,
            "cols": list(indicator.values),
            "values": release.values,
            "mechanism": release.mechanism,
            "scale": release.scale,
            "epsilon": release.epsilon,
            "delta": release.delta,
        }

    # ---- sharing ---------------------------------------------------------------------------

    def export_package(self, actor: Actor, start: datetime, end: datetime) -> bytes:
        self.authorizer.require(actor, Action.STATS_EXPORT, record_type="statistics")
        with self.db.transaction() as session:
            tables = self._tables(self._records(session, start, end))
            self.audit.record(
                session,
                actor,
                "stats.export",
                record_type="statistics",
                purpose=f"{start.date()}..{end.date()}",
            )
        return package.build(
            tables,
            start=start,
            end=end,
            min_cell=self.options.min_cell,
            rounding_base=self.options.rounding_base,
            key=package.load_signing_key(self.settings.keys_dir),
        )

    def merge_packages(self, actor: Actor, blobs: list[bytes]) -> bytes:
        self.authorizer.require(actor, Action.STATS_EXPORT, record_type="statistics")
        verified = [package.verify(b) for b in blobs]
        if not verified:
            raise InvalidInput("give at least one package")
        starts = [datetime.fromisoformat(v.manifest["period"]["from"]) for v in verified]
        ends = [datetime.fromisoformat(v.manifest["period"]["to"]) for v in verified]
        self.audit.record_alone(
            actor, "stats.merge", record_type="statistics", purpose=f"{len(verified)} packages"
        )
        return package.build(
            package.merge(verified),
            start=min(starts),
            end=max(ends),
            min_cell=max(v.manifest["min_cell"] for v in verified),
            rounding_base=max(v.manifest["rounding_base"] for v in verified),
            key=package.load_signing_key(self.settings.keys_dir),
            sources=[v.fingerprint for v in verified],
        )

    def brief(self, actor: Actor, start: datetime, end: datetime) -> bytes:
        data = self.dashboard(actor, start, end)
        return brief_pdf(
            data["tables"],
            data["previous"],
            start=start,
            end=end,
            k=self.options.min_cell,
            rounding_base=self.options.rounding_base,
            cases_note="Region, age band and relationship are not yet recorded.",
        )


def insights_from_settings(
    settings: VigilSettings, db: Database, audit: AuditLog, authorizer: Authorizer
) -> InsightsService:
    return InsightsService(db, audit, authorizer, InsightsOptions(), settings)
