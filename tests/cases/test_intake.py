"""Filing a report, the receipt, status checks, idempotency and the survivor's later actions."""

from __future__ import annotations

import pytest

from vigil.cases.intake import Upload
from vigil.cases.schemas import ReportCreate, ReportCredentials
from vigil.errors import Conflict, InvalidInput, NotFound, RateLimited
from vigil.security.actor import Actor
from vigil.services import Services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def report(**extra: object) -> ReportCreate:
    data: dict[str, object] = {
        "description": "He keeps posting my photos",
        "category": "ncii",
        "anonymous": True,
        "links": ["https://example.com/post/1"],
        "consents": ["investigation", "takedown"],
    }
    data.update(extra)
    return ReportCreate.model_validate(data)


def test_report_receipt_and_status(services: Services) -> None:
    reference, passphrase = services.cases.intake.submit(
        report(), client="c1", files=[Upload("shot.png", PNG)]
    )
    assert reference.startswith("VG-") and len(passphrase) == 24
    creds = ReportCredentials(reference=reference.lower(), passphrase=passphrase.lower())
    assert services.cases.intake.status(creds, client="c1") == "new"
    detail = services.cases.detail(Actor.operator(), reference)
    assert detail.source == "portal" and detail.consents["takedown"]
    assert not detail.consents["referral"]
    assert [e.media_type for e in detail.evidence] == ["image/png"]
    assert detail.identifiers[0].value == "https://example.com/post/1"


def test_uniform_not_found(services: Services) -> None:
    reference, _ = services.cases.intake.submit(report(), client="c2")
    with pytest.raises(NotFound) as wrong_pass:
        services.cases.intake.status(
            ReportCredentials(reference=reference, passphrase="AAAA-AAAA"), client="c2"
        )
    with pytest.raises(NotFound) as wrong_ref:
        services.cases.intake.status(
            ReportCredentials(reference="VG-2222-2222-2222", passphrase="x"), client="c2"
        )
    assert wrong_pass.value.message == wrong_ref.value.message


def test_idempotency_key_stores_once(services: Services) -> None:
    first = services.cases.intake.submit(report(idempotency_key="k-1"), client="c3")
    again = services.cases.intake.submit(report(idempotency_key="k-1"), client="c3")
    assert first == again
    assert len(services.cases.queue(Actor.operator())) == 1
    with pytest.raises(Conflict) as err:
        services.cases.intake.submit(
            report(idempotency_key="k-1", description="other"), client="c3"
        )
    assert err.value.field == "idempotency_key"


def test_named_report_keeps_identity_encrypted(services: Services) -> None:
    reference, _ = services.cases.intake.submit(
        report(anonymous=False, name="Canary Name", contact="canary@example.org"), client="c4"
    )
    detail = services.cases.detail(Actor.operator(), reference)
    assert detail.people[0].masked and detail.people[0].name == "•••"
    person = services.cases.work.unmask(
        Actor.operator(), reference, detail.people[0].id, "calling her back"
    )
    assert person.name == "Canary Name"


def test_rate_limit(services: Services) -> None:
    creds = ReportCredentials(reference="VG-2222-2222-2222", passphrase="x")
    for _ in range(20):  # the default portal limit is 20/minute
        with pytest.raises(NotFound):
            services.cases.intake.status(creds, client="flood")
    with pytest.raises(RateLimited):
        services.cases.intake.status(creds, client="flood")


def test_later_evidence_messages_and_deletion_request(services: Services) -> None:
    intake = services.cases.intake
    reference, passphrase = intake.submit(report(), client="c5")
    case_id = intake.authenticate(
        ReportCredentials(reference=reference, passphrase=passphrase), client="c5"
    )
    token = intake.issue_token(case_id)
    assert intake.case_for_token(token) == case_id
    with pytest.raises(NotFound):
        intake.case_for_token(token[:-1] + ("0" if token[-1] != "0" else "1"))
    assert (
        intake.add_evidence(case_id, [Upload(None, b"plain text note")], ["https://example.com/2"])
        == 2
    )
    with pytest.raises(InvalidInput):
        intake.add_evidence(case_id, [Upload("x.exe", b"MZ\x90\x00\xff\xfe\x00\x81")])
    intake.send_message(case_id, "Thank you")
    services.cases.work.message_survivor(Actor.operator(), reference, "We are on it")
    view = intake.view(case_id)
    assert [m.direction for m in view.messages] == ["from_survivor", "to_survivor"]
    assert view.evidence_count == 1
    intake.request_deletion(case_id)
    assert intake.view(case_id).deletion_requested


def test_bad_fields_are_named() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as err:
        report(category="nope")
    assert err.value.errors()[0]["loc"] == ("category",)
    with pytest.raises(ValidationError):
        report(anonymous=True, name="Someone")
    with pytest.raises(ValidationError):
        report(links=["javascript:alert(1)"])
