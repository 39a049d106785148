"""Consent per purpose, the gates that enforce it, overrides, and what depends on it.

A gate (``require``) refuses unless the survivor consented to the purpose, or a supervisor
records an override with a reason. Everything created under a consent is recorded as a
dependent, so a withdrawal can stop it (see ``vigil.flows.consent_withdrawal``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.cases.context import CaseDeps, find_case
from vigil.cases.taxonomy import PURPOSES
from vigil.clock import utcnow
from vigil.errors import ConsentRequired, InvalidInput, PermissionDenied
from vigil.security.actor import Actor
from vigil.security.audit import Outcome
from vigil.security.permissions import Action
from vigil.storage.tables.cases import Case, CaseConsent, ConsentDependent, ConsentOverride

#: Stops one dependent of a kind (e.g. cancels a pending referral) inside the transaction.
Stopper = Callable[[Session, str], None]


@dataclass(frozen=True)
class StoppedDependent:
    purpose: str
    kind: str
    ref: str


@dataclass(frozen=True)
class ConsentChangeResult:
    reference: str
    withdrawn: tuple[str, ...]
    granted: tuple[str, ...]
    stopped: tuple[StoppedDependent, ...]


class ConsentService:
    def __init__(self, deps: CaseDeps) -> None:
        self.deps = deps
        self._stoppers: dict[str, Stopper] = {}

    def register_stopper(self, kind: str, stopper: Stopper) -> None:
        self._stoppers[kind] = stopper

    # ---- inside a caller's transaction ---------------------------------------------------

    @staticmethod
    def current(session: Session, case: Case) -> dict[str, bool]:
        rows = session.scalars(select(CaseConsent).where(CaseConsent.case_id == case.id))
        granted = {row.purpose: row.granted for row in rows}
        return {purpose: granted.get(purpose, False) for purpose in PURPOSES}

    def apply(
        self, session: Session, case: Case, granted: Iterable[str], actor: Actor
    ) -> ConsentChangeResult:
        """Make ``granted`` the full set of consents; stop what depended on the others."""
        wanted = set(granted)
        unknown = wanted - set(PURPOSES)
        if unknown:
            raise InvalidInput(f"unknown consent purpose {sorted(unknown)[0]!r}", field="consents")
        rows = {
            row.purpose: row
            for row in session.scalars(select(CaseConsent).where(CaseConsent.case_id == case.id))
        }
        withdrawn: list[str] = []
        newly: list[str] = []
        now = utcnow()
        for purpose in PURPOSES:
            row = rows.get(purpose)
            want = purpose in wanted
            if row is None:
                row = CaseConsent(
                    case_id=case.id,
                    purpose=purpose,
                    granted=want,
                    updated_at=now,
                    updated_by=actor.label[:64],
                )
                session.add(row)
                if want:
                    newly.append(purpose)
                continue
            if row.granted == want:
                continue
            row.granted, row.updated_at, row.updated_by = want, now, actor.label[:64]
            (newly if want else withdrawn).append(purpose)
        stopped: list[StoppedDependent] = []
        for purpose in withdrawn:
            stopped.extend(self._stop(session, case, purpose))
            self.deps.audit.record(
                session,
                actor,
                "consent.withdraw",
                record_type="case",
                record_id=case.reference,
                purpose=purpose,
            )
        for purpose in newly:
            self.deps.audit.record(
                session,
                actor,
                "consent.grant",
                record_type="case",
                record_id=case.reference,
                purpose=purpose,
            )
        return ConsentChangeResult(case.reference, tuple(withdrawn), tuple(newly), tuple(stopped))

    def _stop(self, session: Session, case: Case, purpose: str) -> list[StoppedDependent]:
        rows = session.scalars(
            select(ConsentDependent).where(
                ConsentDependent.case_id == case.id,
                ConsentDependent.purpose == purpose,
                ConsentDependent.state == "active",
            )
        )
        stopped = []
        for row in rows:
            stopper = self._stoppers.get(row.kind)
            if stopper is not None:
                stopper(session, row.ref)
            row.state, row.stopped_at = "stopped", utcnow()
            stopped.append(StoppedDependent(purpose, row.kind, row.ref))
        return stopped

    def precheck(
        self, actor: Actor, reference: str, purpose: str, override_reason: str | None
    ) -> None:
        """Refuse early, and audit the refusal, when consent is missing and nobody overrides.

        Called before a gated action opens its transaction: an audit row written from inside
        it would be rolled back with the refused work (and SQLite allows one writer).
        """
        if override_reason is not None:
            self.deps.authorizer.require(
                actor, Action.CONSENT_OVERRIDE, record_type="case", record_id=reference
            )
            return
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            granted = self.current(session, case)[purpose]
            reference = case.reference
        if not granted:
            self.deps.audit.record_alone(
                actor,
                f"consent.gate.{purpose}",
                record_type="case",
                record_id=reference,
                outcome=Outcome.DENIED,
            )
            raise ConsentRequired(f"the survivor has not consented to {purpose}")

    def require(
        self,
        session: Session,
        case: Case,
        purpose: str,
        actor: Actor,
        *,
        override_reason: str | None = None,
    ) -> int | None:
        """Pass if consent is recorded; else record a supervisor's override (its id) or refuse."""
        if self.current(session, case).get(purpose):
            return None
        if override_reason is None:
            # The denial is audited by ``precheck``, outside this transaction.
            raise ConsentRequired(f"the survivor has not consented to {purpose}")
        if not self.deps.authorizer.allows(actor, Action.CONSENT_OVERRIDE):
            raise PermissionDenied(f"your role may not perform {Action.CONSENT_OVERRIDE}")
        reason = override_reason.strip()
        if len(reason) < 10:
            raise InvalidInput(
                "an override needs a reason of at least 10 characters", field="override_reason"
            )
        override = ConsentOverride(
            case_id=case.id,
            purpose=purpose,
            reason=reason,
            actor_id=actor.user_id,
            actor_label=actor.label[:64],
            created_at=utcnow(),
        )
        session.add(override)
        session.flush()
        self.deps.audit.record(
            session,
            actor,
            "consent.override",
            record_type="case",
            record_id=case.reference,
            purpose=purpose,
        )
        return override.id

    @staticmethod
    def record_dependent(
        session: Session, case: Case, purpose: str, kind: str, ref: object
    ) -> None:
        session.add(
            ConsentDependent(
                case_id=case.id,
                purpose=purpose,
                kind=kind,
                ref=str(ref),
                state="active",
                created_at=utcnow(),
            )
        )

    # ---- own transactions (staff) -------------------------------------------------------

    def record(self, actor: Actor, reference: str, granted: Iterable[str]) -> ConsentChangeResult:
        """A caseworker records consent the survivor gave in person or by phone."""
        self.deps.authorizer.require(
            actor, Action.CASE_UPDATE, record_type="case", record_id=reference
        )
        with self.deps.db.transaction() as session:
            return self.apply(session, find_case(session, reference), granted, actor)

    def add_dependent(
        self, actor: Actor, reference: str, purpose: str, kind: str, ref: str
    ) -> None:
        """For other services (through flows): note that ``ref`` exists under ``purpose``."""
        with self.deps.db.transaction() as session:
            case = find_case(session, reference)
            self.require(session, case, purpose, actor)
            self.record_dependent(session, case, purpose, kind, ref)

    def is_granted(self, reference: str, purpose: str) -> bool:
        with self.deps.db.transaction() as session:
            return self.current(session, find_case(session, reference))[purpose]

    def statistics_rows(self, actor: Actor) -> list[tuple[str, str, str]]:
        """(category, month, status) of cases whose survivor consented to statistics."""
        self.deps.authorizer.require(actor, Action.STATS_READ, record_type="case")
        with self.deps.db.transaction() as session:
            rows = session.execute(
                select(Case.category, Case.created_at, Case.status)
                .join(CaseConsent, CaseConsent.case_id == Case.id)
                .where(CaseConsent.purpose == "statistics", CaseConsent.granted.is_(True))
            )
            result = [(c or "other", f"{at:%Y-%m}", s) for c, at, s in rows]
            self.deps.audit.record(
                session,
                actor,
                "case.statistics",
                record_type="case",
                purpose=f"{len(result)} consented cases",
            )
            return result
