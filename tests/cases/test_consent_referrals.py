"""Consent gates, overrides, referrals, withdrawal propagation, risk and status workflow."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from vigil.cases.consent import StoppedDependent
from vigil.cases.referrals import ReferralCreate, ReferralUpdate, ServiceEntry
from vigil.cases.risk import assess
from vigil.cases.schemas import ReportCreate, StatusChange
from vigil.errors import ConsentRequired, InvalidInput, PermissionDenied
from vigil.flows.consent_withdrawal import WithdrawalHandler
from vigil.security.actor import Actor
from vigil.security.audit import AuditQuery
from vigil.security.permissions import Role
from vigil.services import Services


def _case(services: Services, consents: list[str]) -> tuple[str, str]:
    return services.cases.intake.submit(
        ReportCreate(description="threats", category="threat", anonymous=True, consents=consents),
        client="t",
    )


def _service(services: Services) -> int:
    return services.cases.referrals.add_service(
        Actor.operator(),
        ServiceEntry(
            name="Legal aid clinic",
            kind="legal_aid",
            country="kr",
            languages="ko,en",
            contact="+82 2 000 0000",
        ),
    ).id


def test_referral_without_consent_refused_and_override_audited(
    services: Services, new_staff
) -> None:
    caseworker = new_staff(services, Role.CASEWORKER).actor
    supervisor = new_staff(services, Role.SUPERVISOR).actor
    reference, _ = _case(services, ["investigation"])
    service_id = _service(services)
    with pytest.raises(ConsentRequired):
        services.cases.referrals.refer(
            caseworker, reference, ReferralCreate(service_id=service_id, shared="summary")
        )
    with pytest.raises(PermissionDenied):  # caseworkers cannot override
        services.cases.referrals.refer(
            caseworker,
            reference,
            ReferralCreate(
                service_id=service_id,
                shared="summary",
                override_reason="imminent danger to her life",
            ),
        )
    referral = services.cases.referrals.refer(
        supervisor,
        reference,
        ReferralCreate(
            service_id=service_id, shared="summary", override_reason="imminent danger to her life"
        ),
    )
    assert referral.overridden and referral.status == "pending"
    events = services.audit_search.search(
        Actor.operator(), AuditQuery(record_id=reference, action="consent.override")
    )
    assert [(e.outcome, e.actor_id) for e in events] == [
        ("success", supervisor.user_id),
        ("denied", caseworker.user_id),
    ]
    denied = services.audit_search.search(
        Actor.operator(), AuditQuery(record_id=reference, action="consent.gate.referral")
    )
    assert denied and denied[0].outcome == "denied"


class Recorder(WithdrawalHandler):
    name = "recorder"
    purposes = frozenset({"referral", "hash_sharing"})

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []

    def withdraw(self, reference: str, purpose: str, dependents: Sequence[StoppedDependent]) -> int:
        self.calls.append((reference, purpose, len(dependents)))
        return len(dependents)


def test_withdrawal_propagates(services: Services, new_staff) -> None:
    caseworker = new_staff(services, Role.CASEWORKER).actor
    reference, _ = _case(services, ["referral", "hash_sharing", "statistics"])
    service_id = _service(services)
    referral = services.cases.referrals.refer(
        caseworker, reference, ReferralCreate(service_id=service_id, shared="summary")
    )
    recorder = services.consent_withdrawal.register(Recorder())
    assert isinstance(recorder, Recorder)
    analyst = new_staff(services, Role.SUPERVISOR).actor
    assert len(services.cases.consent.statistics_rows(analyst)) == 1
    report = services.consent_withdrawal.by_staff(caseworker, reference, ["investigation"])
    assert set(report.change.withdrawn) == {"referral", "hash_sharing", "statistics"}
    assert recorder.calls == [(reference, "referral", 1), (reference, "hash_sharing", 0)]
    assert services.cases.referrals.for_case(caseworker, reference)[0].status == "withdrawn"
    assert services.cases.consent.statistics_rows(analyst) == []
    with pytest.raises(InvalidInput):
        services.cases.referrals.update(
            caseworker, reference, referral.id, ReferralUpdate(status="accepted")
        )


def test_risk_levels_and_checklist() -> None:
    low = assess({"known_perpetrator": True})
    assert low.level == "low" and "preserve_evidence" in low.checklist
    high = assess({"threats_of_violence": True, "knows_location": True})
    assert high.level == "high" and "safe_place_plan" in high.checklist
    assert assess({"intimate_images": True, "sextortion_demand": True}).level == "medium"
    with pytest.raises(InvalidInput):
        assess({"unknown": True})


def test_status_workflow_needs_reasons(services: Services, new_staff) -> None:
    worker = new_staff(services, Role.CASEWORKER).actor
    reference, _ = _case(services, [])
    work = services.cases.work
    with pytest.raises(InvalidInput):
        work.change_status(worker, reference, StatusChange(status="active"))
    work.change_status(worker, reference, StatusChange(status="in_assessment"))
    with pytest.raises(InvalidInput) as err:
        work.change_status(worker, reference, StatusChange(status="closed"))
    assert err.value.field == "reason"
    work.change_status(worker, reference, StatusChange(status="closed", reason="she asked"))
    services.cases.risk.record(worker, reference, {"threats_of_violence": True})
    detail = services.cases.detail(worker, reference)
    assert detail.status == "closed" and detail.history[-1].reason == "she asked"
    assert detail.risk_level == "medium"
