"""A consent withdrawal reaching everything derived from a report.

The cases service stops what it owns (pending referrals, unsent takedown requests, statistics
inclusion, which is read at query time). Other services (hash banks, insights exports, …)
register a ``WithdrawalHandler`` here; each is told which purposes were withdrawn for which
case, with the dependents the case recorded for them.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from vigil.cases.consent import ConsentChangeResult, StoppedDependent
from vigil.cases.retention import DeletionOutcome
from vigil.cases.schemas import ReportCredentials
from vigil.cases.service import CaseService
from vigil.errors import ConfigurationError
from vigil.evidence.service import EvidenceService
from vigil.security.actor import Actor
from vigil.security.audit import Outcome

log = logging.getLogger(__name__)


class WithdrawalHandler(abc.ABC):
    """Stops what another service holds under a consent that was withdrawn."""

    name: str
    #: The purposes this handler cares about, e.g. {"hash_sharing"}.
    purposes: frozenset[str]

    @abc.abstractmethod
    def withdraw(self, reference: str, purpose: str, dependents: Sequence[StoppedDependent]) -> int:
        """Stop everything for ``reference`` under ``purpose``; return how many were stopped."""


@dataclass(frozen=True)
class WithdrawalReport:
    change: ConsentChangeResult
    handled: dict[str, int]
    failed: tuple[str, ...]


class ConsentWithdrawal:
    def __init__(self, cases: CaseService, evidence: EvidenceService | None = None) -> None:
        self.cases = cases
        self.evidence = evidence
        self._handlers: dict[str, WithdrawalHandler] = {}

    def register(self, handler: WithdrawalHandler) -> WithdrawalHandler:
        if handler.name in self._handlers and self._handlers[handler.name] is not handler:
            raise ConfigurationError(f"two withdrawal handlers are named {handler.name!r}")
        self._handlers[handler.name] = handler
        return handler

    def handlers(self) -> list[str]:
        return sorted(self._handlers)

    def _propagate(self, actor: Actor, change: ConsentChangeResult) -> WithdrawalReport:
        handled: dict[str, int] = {}
        failed: list[str] = []
        for purpose in change.withdrawn:
            dependents = [d for d in change.stopped if d.purpose == purpose]
            for handler in self._handlers.values():
                if purpose not in handler.purposes:
                    continue
                try:
                    count = handler.withdraw(change.reference, purpose, dependents)
                except Exception:
                    # The withdrawal itself stands; the failure is audited for follow-up.
                    log.exception("withdrawal handler failed", extra={"component": handler.name})
                    self.cases.audit.record_alone(
                        actor,
                        f"consent.propagate.{handler.name}",
                        record_type="case",
                        record_id=change.reference,
                        purpose=purpose,
                        outcome=Outcome.FAILURE,
                    )
                    failed.append(handler.name)
                    continue
                handled[handler.name] = handled.get(handler.name, 0) + count
                self.cases.audit.record_alone(
                    actor,
                    f"consent.propagate.{handler.name}",
                    record_type="case",
                    record_id=change.reference,
                    purpose=purpose,
                )
        return WithdrawalReport(change, handled, tuple(failed))

    def by_survivor(self, case_id: int, consents: Sequence[str]) -> WithdrawalReport:
        """The survivor (signed in with reference and passphrase) changes her consents."""
        change = self.cases.intake.change_consent(case_id, consents)
        return self._propagate(Actor.portal(), change)

    def by_survivor_credentials(
        self, creds: ReportCredentials, consents: Sequence[str], *, client: str
    ) -> WithdrawalReport:
        case_id = self.cases.intake.authenticate(creds, client=client)
        return self.by_survivor(case_id, consents)

    def by_staff(self, actor: Actor, reference: str, consents: Sequence[str]) -> WithdrawalReport:
        change = self.cases.consent.record(actor, reference, consents)
        return self._propagate(actor, change)

    def process_deletion(self, actor: Actor, reference: str) -> DeletionOutcome:
        """Carry out a deletion request; everything withdrawn with it propagates too."""
        outcome = self.cases.retention.process_deletion(actor, reference)
        if outcome.consent is not None:
            self._propagate(actor, outcome.consent)
        if self.evidence is not None:
            for uid in outcome.vault_items:  # her files in the vault: deleted under custody
                self.evidence.delete(actor, uid, "the survivor's deletion request")
        return outcome
