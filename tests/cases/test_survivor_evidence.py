"""A survivor's files reach the evidence vault under custody; her deletion request deletes them
there too; retention never purges a case whose evidence is under custody."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vigil.cases.intake import Upload
from vigil.cases.schemas import ReportCreate, ReportCredentials, StatusChange
from vigil.clock import utcnow
from vigil.errors import InvalidInput
from vigil.security.permissions import Role
from vigil.services import Services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x05" * 40


def _report() -> ReportCreate:
    return ReportCreate(
        description="photos", category="ncii", anonymous=True, consents=["investigation"]
    )


def test_files_go_to_the_vault_with_custody(services: Services, new_staff) -> None:
    supervisor = new_staff(services, Role.SUPERVISOR).actor
    flow = services.survivor_evidence
    with pytest.raises(InvalidInput):  # refused before anything is stored
        flow.submit(_report(), client="t", files=[Upload("x.bin", b"\x00\xff\xfe\x81" * 4)])
    assert services.cases.queue(supervisor) == []
    reference, passphrase = flow.submit(
        _report(), client="t", files=[Upload("kim-jiyeon.png", PNG)]
    )
    items = services.evidence.list_case(supervisor, reference)
    assert len(items) == 1 and items[0].how == "upload" and items[0].sensitive
    assert "kim" not in items[0].filename
    detail = services.cases.detail(supervisor, reference)
    assert [e.sha256 for e in detail.evidence] == [items[0].sha256]
    case_id = services.cases.intake.authenticate(
        ReportCredentials(reference=reference, passphrase=passphrase), client="t"
    )
    assert flow.add(case_id, [Upload("b.png", PNG + b"b")], ["https://a.test/x"]) == 2
    assert len(services.evidence.list_case(supervisor, reference)) == 2

    services.cases.intake.request_deletion(case_id)
    outcome = services.consent_withdrawal.process_deletion(supervisor, reference)
    assert outcome.status == "done" and len(outcome.vault_items) == 2
    assert all(item.deleted for item in services.evidence.list_case(supervisor, reference))
    assert services.cases.detail(supervisor, reference).evidence == []


def test_purge_skips_cases_with_evidence_under_custody(services: Services, new_staff) -> None:
    supervisor = new_staff(services, Role.SUPERVISOR).actor
    kept, _ = services.survivor_evidence.submit(_report(), client="t", files=[Upload("a.png", PNG)])
    gone, _ = services.survivor_evidence.submit(_report(), client="t")
    for reference in (kept, gone):
        services.cases.work.change_status(
            supervisor, reference, StatusChange(status="closed", reason="done")
        )
    later = utcnow() + timedelta(days=services.cases.options.retention_days + 1)
    assert services.cases.retention.purge_due(supervisor, now=later) == [gone]
    assert services.cases.detail(supervisor, kept).status == "closed"
