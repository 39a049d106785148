"""The survivor portal over HTTP: the scripts' API contract, the no-JavaScript report flow,
languages, and the survivor's name and contact never leaving the database in clear."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from vigil.logs import configure_logging
from vigil.security.actor import Actor
from vigil.security.passwords import Passwords
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.storage.migrate import upgrade
from vigil.web.app import create_app

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 48
CANARY_NAME = "Zq7Canary Hwang"
CANARY_CONTACT = "zq7canary@example.org"
REPORT = {
    "description": "He posts my photos",
    "category": "ncii",
    "anonymous": True,
    "links": ["https://social.example/p/1"],
    "consents": ["investigation", "takedown"],
}


@pytest.fixture
def client(app_client: TestClient) -> TestClient:
    return app_client


def test_reports_api_contract(client: TestClient) -> None:
    created = client.post("/api/v1/reports", json=REPORT)
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"reference", "passphrase"}
    status = client.post("/api/v1/reports/status", json=body)
    assert status.status_code == 200 and status.json() == {"status": "new"}
    wrong = client.post(
        "/api/v1/reports/status", json={"reference": body["reference"], "passphrase": "WRONG"}
    )
    unknown = client.post(
        "/api/v1/reports/status", json={"reference": "VG-2222-3333-4444", "passphrase": "WRONG"}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


BAD_FIELDS: list[tuple[dict[str, object], str]] = [
    ({"category": "weather"}, "category"),
    ({"anonymous": False}, "name"),
    ({"anonymous": True, "name": "Someone"}, "name"),
    ({"links": ["ftp://x"]}, "links"),
    ({"consents": ["marketing"]}, "consents"),
    ({"description": ""}, "description"),
    ({"surprise": 1}, "surprise"),
]


def test_bad_field_is_named(client: TestClient) -> None:
    for change, field in BAD_FIELDS:
        response = client.post("/api/v1/reports", json={**REPORT, **change})
        assert response.status_code == 422, change
        assert response.json()["error"]["field"].split(".")[0] == field, change


def test_idempotency_key_stores_once(client: TestClient, sqlite_services: Services) -> None:
    payload = {**REPORT, "idempotency_key": "retry-me-7"}
    first = client.post("/api/v1/reports", json=payload)
    second = client.post("/api/v1/reports", json=payload)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert len(sqlite_services.cases.queue(Actor.operator())) == 1
    clash = client.post("/api/v1/reports", json={**payload, "description": "other"})
    assert clash.status_code == 409 and clash.json()["error"]["field"] == "idempotency_key"


def test_portal_rate_limit_is_a_setting(tmp_path: Path) -> None:
    settings = VigilSettings(home=tmp_path / "home", log_json=False, portal_rate_limit="3/minute")
    services = Services.from_settings(settings, passwords=Passwords(FAST))
    upgrade(services.db)
    try:
        with TestClient(create_app(settings, services), base_url="https://testserver") as c:
            creds = {"reference": "VG-2222-3333-4444", "passphrase": "x"}
            codes = [c.post("/api/v1/reports/status", json=creds).status_code for _ in range(4)]
    finally:
        services.close()
    assert codes == [404, 404, 404, 429]


def _portal_pages(client: TestClient) -> list[str]:
    return ["/", "/report", "/status", "/resources", "/resources/KR"]


def test_every_portal_page_has_quick_exit_and_no_store(client: TestClient) -> None:
    for path in _portal_pages(client):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'id="quick-exit"' in page.text and "/static/quick-exit.js" in page.text
        assert page.headers["cache-control"] == "no-store"
        # No third-party requests: every script and stylesheet is our own.
        assert not re.search(r'(src|href)="https?://[^"]+\.(js|css)', page.text)


LANGUAGES = [
    ("ko", "일어난 일 신고하기", "ltr"),
    ("id", "Laporkan apa yang terjadi", "ltr"),
    ("fr", "Signaler ce qui s'est passé", "ltr"),
    ("ar", "خروج سريع", "rtl"),
    ("dv", "Quick exit", "rtl"),
    ("en", "Report what happened", "ltr"),
]


def test_languages_and_direction(client: TestClient) -> None:
    for lang, text, direction in LANGUAGES:
        page = client.get(f"/report?lang={lang}")
        assert f'lang="{lang}" dir="{direction}"' in page.text
        assert text in page.text.replace("&#39;", "'")
    negotiated = client.get("/", headers={"Accept-Language": "fr-CI,fr;q=0.9,en;q=0.5"})
    assert 'lang="fr"' in negotiated.text


def _file_report_by_form(client: TestClient, **extra: str) -> tuple[str, str]:
    data = {
        "lang": "ko",
        "anonymous": "yes",
        "category": "ncii",
        "description": "사진이 유포되었어요",
        "links": "https://social.example/p/1\n",
        "consents": ["investigation", "takedown"],
        **extra,
    }
    page = client.post("/report", data=data, files=[("evidence", ("a.png", PNG, "image/png"))])
    assert page.status_code == 201, page.text
    assert "신고가 접수되었어요" in page.text
    reference = re.search(r'id="reference">([^<]+)<', page.text)
    passphrase = re.search(r'id="passphrase">([^<]+)<', page.text)
    assert reference and passphrase
    return reference.group(1), passphrase.group(1)


def test_report_flow_without_javascript(client: TestClient, sqlite_services: Services) -> None:
    reference, passphrase = _file_report_by_form(client)
    bad = client.post("/report", data={"lang": "ko", "anonymous": "yes", "description": "x"})
    assert bad.status_code == 422 and "어떤 종류의 피해였는지" in bad.text
    wrong = client.post("/status", data={"reference": reference, "passphrase": "nope"})
    assert wrong.status_code == 404
    opened = client.post(
        "/status",
        data={"lang": "ko", "reference": reference, "passphrase": passphrase},
        follow_redirects=False,
    )
    assert opened.status_code == 303 and "passphrase" not in opened.headers["location"]
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and reference not in cookie
    page = client.get("/my-report?lang=ko")
    assert 'data-status="new"' in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    no_csrf = client.post("/my-report/message", data={"body": "hello"})
    assert no_csrf.status_code == 403
    client.post("/my-report/message", data={"csrf": csrf.group(1), "body": "고마워요"})
    added = client.post(
        "/my-report/evidence",
        data={"csrf": csrf.group(1), "lang": "ko"},
        files=[("evidence", ("b.png", PNG + b"x", "image/png"))],
    )
    assert "보낸 파일: 2개" in added.text
    client.post("/my-report/consent", data={"csrf": csrf.group(1), "consents": ["investigation"]})
    detail = sqlite_services.cases.detail(Actor.operator(), reference)
    assert detail.consents["takedown"] is False and detail.consents["investigation"]
    assert [m.direction for m in detail.messages] == ["from_survivor"]
    client.post("/my-report/delete", data={"csrf": csrf.group(1)})
    assert sqlite_services.cases.detail(Actor.operator(), reference).deletion_requested
    left = client.post("/my-report/leave", data={"csrf": csrf.group(1)}, follow_redirects=False)
    assert left.status_code == 303
    assert client.get("/my-report").status_code == 401


def test_api_survivor_actions(client: TestClient) -> None:
    receipt = client.post("/api/v1/reports", json=REPORT).json()
    assert (
        client.post("/api/v1/portal/reports/messages", json={**receipt, "body": "hi"}).status_code
        == 204
    )
    added = client.post(
        "/api/v1/portal/reports/evidence",
        data={**receipt, "links": "https://a.test/2"},
        files=[("evidence", ("c.png", PNG, "image/png"))],
    )
    assert added.status_code == 201 and added.json() == {"added": 2}
    change = client.post("/api/v1/portal/reports/consent", json={**receipt, "consents": []})
    assert set(change.json()["withdrawn"]) == {"investigation", "takedown"}
    view = client.post("/api/v1/portal/reports/view", json=receipt).json()
    assert view["evidence_count"] == 1 and not any(view["consents"].values())
    assert client.post("/api/v1/portal/reports/deletion", json=receipt).status_code == 202


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    logger = logging.getLogger("vigil")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    stream = io.StringIO()
    configure_logging("DEBUG", json=True)
    logger.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


def test_name_and_contact_never_in_clear(
    client: TestClient, sqlite_services: Services, captured_logs: io.StringIO
) -> None:
    named = {**REPORT, "anonymous": False, "name": CANARY_NAME, "contact": CANARY_CONTACT}
    receipt = client.post("/api/v1/reports", json=named).json()
    _file_report_by_form(client, anonymous="no", name=CANARY_NAME, contact=CANARY_CONTACT)
    bad = client.post("/api/v1/reports", json={**named, "category": "nope"})
    assert CANARY_NAME not in bad.text
    reference = receipt["reference"]
    export = json.dumps(
        sqlite_services.cases.export(Actor.operator(), reference), ensure_ascii=False
    )
    assert reference in export
    home = sqlite_services.settings.home
    sqlite_services.db.engine.dispose()  # flush WAL readers; the file check reads everything
    canaries = [CANARY_NAME.encode(), CANARY_CONTACT.encode(), b"zq7canary"]
    for path in home.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert not any(c in raw for c in canaries), path
    logs = captured_logs.getvalue()
    assert "report.submit" in logs
    assert "zq7canary" not in logs.lower() and "zq7canary" not in export.lower()
