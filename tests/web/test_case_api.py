"""Staff case routes and console pages: consent gates over HTTP, audited overrides, takedown
e-mail through a local SMTP server only after approval, console case pages."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from vigil.cases.mail import SmtpSender
from vigil.security.permissions import Role
from vigil.services import Services

REPORT = {
    "description": "photos",
    "category": "ncii",
    "anonymous": True,
    "links": ["https://social.example/p/1"],
    "consents": ["investigation"],
}
Factory = Callable[[Role], tuple[TestClient, Any, str]]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def inbox(sqlite_services: Services) -> Iterator[Inbox]:
    box = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    sqlite_services.cases.takedowns.mailer = SmtpSender("127.0.0.1", port, sender="t@v.test")
    try:
        yield box
    finally:
        controller.stop()


def _report(client: TestClient, consents: list[str]) -> str:
    response = client.post("/api/v1/reports", json={**REPORT, "consents": consents})
    assert response.status_code == 201
    return str(response.json()["reference"])


def test_referral_refused_without_consent_and_override_audited(staff_client: Factory) -> None:
    admin, _, admin_csrf = staff_client(Role.ADMIN)
    worker, _, csrf = staff_client(Role.CASEWORKER)
    boss, boss_member, boss_csrf = staff_client(Role.SUPERVISOR)
    service = admin.post(
        "/api/v1/referral-services",
        headers={"X-CSRF-Token": admin_csrf},
        json={
            "name": "Shelter",
            "kind": "shelter",
            "country": "ID",
            "languages": "id,en",
            "contact": "+62 000",
        },
    ).json()
    reference = _report(worker, ["investigation"])
    body = {"service_id": service["id"], "shared": "case summary, no name"}
    refused = worker.post(
        f"/api/v1/cases/{reference}/referrals", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "consent_required"
    overridden = boss.post(
        f"/api/v1/cases/{reference}/referrals",
        json={**body, "override_reason": "she is in immediate danger"},
        headers={"X-CSRF-Token": boss_csrf},
    )
    assert overridden.status_code == 201 and overridden.json()["overridden"]
    events = boss.get(
        "/api/v1/audit", params={"record_id": reference, "action": "consent.override"}
    ).json()
    assert [e["actor_label"] for e in events] == [boss_member.username]


def test_takedown_email_only_after_approval(staff_client: Factory, inbox: Inbox) -> None:
    worker, _, csrf = staff_client(Role.CASEWORKER)
    boss, _, boss_csrf = staff_client(Role.SUPERVISOR)
    reference = _report(worker, ["takedown"])
    draft = worker.post(
        f"/api/v1/cases/{reference}/takedowns",
        headers={"X-CSRF-Token": csrf},
        json={
            "platform": "instagram",
            "language": "id",
            "basis": "intimate_images",
            "recipient": "abuse@platform.test",
            "urls": ["https://social.example/p/1"],
        },
    )
    assert draft.status_code == 201, draft.text
    request_id = draft.json()["id"]
    path = f"/api/v1/cases/{reference}/takedowns/{request_id}"
    early = worker.post(f"{path}/send", headers={"X-CSRF-Token": csrf})
    assert early.status_code == 409 and inbox.messages == []
    denied = worker.post(f"{path}/approve", headers={"X-CSRF-Token": csrf})
    assert denied.status_code == 403 and inbox.messages == []
    assert boss.post(f"{path}/approve", headers={"X-CSRF-Token": boss_csrf}).status_code == 200
    sent = worker.post(f"{path}/send", headers={"X-CSRF-Token": csrf})
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert len(inbox.messages) == 1 and "Permintaan penghapusan" in inbox.messages[0]["Subject"]
    timing = worker.get(f"{path}/timing").json()
    assert timing["draft_to_sent_s"] >= 0


def test_console_case_pages(staff_client: Factory, sqlite_services: Services) -> None:
    worker, _, csrf = staff_client(Role.CASEWORKER)
    reference = _report(worker, ["investigation"])
    queue = worker.get("/console/cases")
    assert queue.status_code == 200 and reference in queue.text
    page = worker.get(f"/console/cases/{reference}")
    assert page.status_code == 200 and "Risk assessment" in page.text
    risk = worker.post(
        f"/console/cases/{reference}/risk",
        follow_redirects=False,
        data={"csrf_token": csrf, "threats_of_violence": "yes", "knows_location": "yes"},
    )
    assert risk.status_code == 303
    assert 'id="risk-level">high<' in worker.get(f"/console/cases/{reference}").text
    worker.post(
        f"/console/cases/{reference}/person",
        data={"csrf_token": csrf, "role": "survivor", "name": "Hidden Name"},
    )
    page = worker.get(f"/console/cases/{reference}").text
    assert "Hidden Name" not in page
    person_id = re.search(r'name="person_id" value="(\d+)"', page)
    assert person_id
    shown = worker.post(
        f"/console/cases/{reference}/unmask",
        data={"csrf_token": csrf, "person_id": person_id.group(1), "purpose": "calling her back"},
    )
    assert "Hidden Name" in shown.text
    closed = worker.post(
        f"/console/cases/{reference}/status", data={"csrf_token": csrf, "status": "closed"}
    )
    assert closed.status_code == 422 and "reason" in closed.text


def test_console_uses_the_same_catalogues(sqlite_services: Services, strong_password: str) -> None:
    from vigil.security.actor import Actor
    from vigil.security.schemas import UserCreate
    from vigil.web.app import create_app

    sqlite_services.accounts.create_user(
        Actor.operator("test"),
        UserCreate(
            username="pekerja",
            display_name="Pekerja",
            role=Role.CASEWORKER,
            password=strong_password,
            language="id",
        ),
    )
    app = create_app(sqlite_services.settings, sqlite_services)
    with TestClient(app, base_url="https://testserver") as client:
        login = client.post(
            "/api/v1/auth/login", json={"username": "pekerja", "password": strong_password}
        )
        assert login.status_code == 200
        home = client.get("/console/")
        assert "Selamat datang, pekerja" in home.text and 'lang="id"' in home.text
        assert ">Kasus<" in home.text
