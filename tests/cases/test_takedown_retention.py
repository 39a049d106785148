"""Takedown e-mails reach a local SMTP server only after approval; retention and deletion."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from vigil.cases.intake import Upload
from vigil.cases.mail import SmtpSender
from vigil.cases.schemas import ReportCreate, ReportCredentials, StatusChange
from vigil.cases.takedown import TakedownDraft
from vigil.cases.takedown_templates import TAKEDOWN_LANGUAGES, render_letter
from vigil.cases.uploads import LocalEncryptedStore
from vigil.clock import utcnow
from vigil.errors import Conflict, ConsentRequired, NotFound
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _report(services: Services, consents: list[str]) -> str:
    reference, _ = services.cases.intake.submit(
        ReportCreate(
            description="my images",
            category="ncii",
            anonymous=True,
            links=["https://social.example/p/1"],
            consents=consents,
        ),
        client="t",
        files=[Upload("a.png", PNG)],
    )
    return reference


def test_takedown_sent_only_after_approval(
    services: Services, new_staff, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    services.cases.takedowns.mailer = SmtpSender("127.0.0.1", port, sender="t@vigil.test")
    worker = new_staff(services, Role.CASEWORKER).actor
    supervisor = new_staff(services, Role.SUPERVISOR).actor
    reference = _report(services, ["takedown"])
    takedowns = services.cases.takedowns
    started = time.perf_counter()
    draft = takedowns.draft(
        worker,
        reference,
        TakedownDraft(
            platform="x",
            language="ko",
            basis="intimate_images",
            recipient="abuse@platform.test",
            urls=["https://social.example/p/1", "https://social.example/p/2"],
        ),
    )
    assert "삭제 요청" in draft.subject and draft.status == "draft"
    assert "https://social.example/p/2" in draft.body
    with pytest.raises(Conflict):
        takedowns.send(worker, reference, draft.id)
    assert inbox.messages == []
    own = _self_draft(services, supervisor, reference)
    with pytest.raises(Conflict):  # the author cannot approve her own draft
        takedowns.approve(supervisor, reference, own)
    takedowns.approve(supervisor, reference, draft.id)
    sent = takedowns.send(worker, reference, draft.id)
    elapsed = time.perf_counter() - started
    assert sent.status == "sent" and {u.state for u in sent.urls} == {"sent"}
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "abuse@platform.test"
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    from hashlib import sha256

    assert sha256(PNG).hexdigest() in body.decode()
    updated = takedowns.set_url_state(worker, reference, draft.id, sent.urls[0].id, "removed")
    assert [u.state for u in updated.urls] == ["removed", "sent"]
    timing = takedowns.timing(worker, reference, draft.id)
    assert timing.draft_to_sent_s is not None and timing.draft_to_sent_s <= elapsed + 1


def _self_draft(services: Services, actor: Actor, reference: str) -> int:
    return services.cases.takedowns.draft(
        actor,
        reference,
        TakedownDraft(
            platform="tiktok",
            language="en",
            basis="privacy",
            recipient="a@b.test",
            urls=["https://social.example/p/3"],
        ),
    ).id


def test_takedown_needs_consent_and_withdrawal_stops_drafts(services: Services, new_staff) -> None:
    worker = new_staff(services, Role.CASEWORKER).actor
    data = TakedownDraft(
        platform="facebook",
        language="fr",
        basis="harassment",
        recipient="abuse@platform.test",
        urls=["https://social.example/p/1"],
    )
    no_consent = _report(services, [])
    with pytest.raises(ConsentRequired):
        services.cases.takedowns.draft(worker, no_consent, data)
    reference = _report(services, ["takedown"])
    draft = services.cases.takedowns.draft(worker, reference, data)
    assert "Demande de retrait" in draft.subject
    services.consent_withdrawal.by_staff(worker, reference, [])
    assert services.cases.takedowns.for_case(worker, reference)[0].status == "withdrawn"


@pytest.mark.parametrize("language", TAKEDOWN_LANGUAGES)
def test_letters_in_every_language(language: str) -> None:
    letter = render_letter(
        platform="youtube",
        language=language,
        basis="threats",
        reference="VG-X",
        urls=["https://a.test/1"],
        hashes=["ab" * 32],
        organisation="Org",
    )
    assert "VG-X" in letter.subject and "https://a.test/1" in letter.body
    assert "ab" * 32 in letter.body


def test_deletion_request_with_two_person_legal_hold(services: Services, new_staff) -> None:
    supervisor = new_staff(services, Role.SUPERVISOR).actor
    second = new_staff(services, Role.SUPERVISOR).actor
    intake = services.cases.intake
    reference, passphrase = intake.submit(
        ReportCreate(
            description="words",
            category="doxxing",
            anonymous=False,
            name="Canary",
            contact="canary@example.org",
        ),
        client="t",
        files=[Upload("a.png", PNG)],
    )
    creds = ReportCredentials(reference=reference, passphrase=passphrase)
    case_id = intake.authenticate(creds, client="t")
    intake.request_deletion(case_id)
    hold = services.cases.retention.request_hold(supervisor, reference, "court order 2026/17")
    with pytest.raises(Conflict):
        services.cases.retention.approve_hold(supervisor, reference, hold)
    # Requested but not approved: no hold in force yet, but we approve before processing.
    services.cases.retention.approve_hold(second, reference, hold)
    assert services.consent_withdrawal.process_deletion(supervisor, reference).status == "held"
    assert services.cases.detail(supervisor, reference).people
    services.cases.retention.release_hold(second, reference, hold)
    outcome = services.consent_withdrawal.process_deletion(supervisor, reference)
    assert outcome.status == "done"
    detail = services.cases.detail(supervisor, reference)
    assert detail.people == [] and detail.evidence == [] and detail.description is None
    with pytest.raises(NotFound):
        intake.authenticate(creds, client="t")
    store = services.cases.store
    assert isinstance(store, LocalEncryptedStore)
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_purge_on_schedule(services: Services, new_staff) -> None:
    supervisor = new_staff(services, Role.SUPERVISOR).actor
    kept = _report(services, [])
    gone = _report(services, [])
    for reference in (kept, gone):
        services.cases.work.change_status(
            supervisor, reference, StatusChange(status="closed", reason="resolved")
        )
    hold = services.cases.retention.request_hold(supervisor, kept, "pending prosecution")
    services.cases.retention.approve_hold(new_staff(services, Role.SUPERVISOR).actor, kept, hold)
    later = utcnow() + timedelta(days=services.cases.options.retention_days + 1)
    assert services.cases.retention.purge_due(supervisor, now=later) == [gone]
    with pytest.raises(NotFound):
        services.cases.detail(supervisor, gone)
    assert services.cases.detail(supervisor, kept).legal_hold
