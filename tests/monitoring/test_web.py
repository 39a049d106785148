"""Monitoring over HTTP: the webhook, the API, console pages, charts, escalation to a case."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from vigil.monitoring.detect import TextDetector, load_text_detector
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services

OPERATOR = Actor.operator("test")
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
Factory = Callable[[Role], tuple[TestClient, Any, str]]


class KeywordDetector:
    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        return [
            {
                "lang": "en",
                "gbv": "vile" in t,
                "score": 0.8 if "vile" in t else 0.1,
                "categories": ["insult"] if "vile" in t else [],
                "flags": [],
                "pii": [],
                "explanation": {"terms": ["vile"]} if "vile" in t else None,
            }
            for t in texts
        ]


def _stub(tier: str) -> TextDetector:
    return KeywordDetector()


@pytest.fixture
def seeded(sqlite_services: Services) -> Services:
    mon = sqlite_services.monitoring
    mon.detector_factory = _stub
    from vigil.monitoring.schemas import PersonCreate

    mon.watchlist.add(OPERATOR, PersonCreate(name="Tamar Gelashvili", aliases=["თამარ"]))
    mon.ingest_records(
        OPERATOR,
        [
            {
                "id": f"s{i}",
                "platform": "x" if i % 2 else "mastodon",
                "text": f"Tamar Gelashvili is vile, post {i}" if i % 3 else f"hello {i}",
                "url": f"http://127.0.0.1:9/p/{i}",
                "author": f"acct{i}",
                "created_at": (T0 + timedelta(hours=i)).isoformat(),
            }
            for i in range(12)
        ],
    )
    return sqlite_services


def test_webhook_ingest_over_http(seeded: Services, app_client: TestClient) -> None:
    token = seeded.monitoring.add_source(OPERATOR, _webhook("partner")).token
    body = [{"id": "w1", "text": "she is vile", "platform": "x"}, {"id": "w2"}]
    assert app_client.post("/api/v1/monitoring/ingest/partner", json=body).status_code == 401
    wrong = app_client.post(
        "/api/v1/monitoring/ingest/partner", json=body, headers={"Authorization": "Bearer vgw_nope"}
    )
    assert wrong.status_code == 401
    ok = app_client.post(
        "/api/v1/monitoring/ingest/partner", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"read": 2, "stored": 1, "duplicates": 0, "flagged": 1, "errors": 1}
    ndjson = "\n".join(json.dumps(r) for r in body[:1])
    again = app_client.post(
        "/api/v1/monitoring/ingest/partner",
        content=ndjson,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"},
    )
    assert again.json()["duplicates"] == 1


def _webhook(name: str) -> Any:
    from vigil.monitoring.schemas import SourceCreate

    return SourceCreate(name=name, kind="webhook")


def test_api_queue_decide_and_permissions(seeded: Services, staff_client: Factory) -> None:
    client, _, csrf = staff_client(Role.MONITOR)
    queue = client.get("/api/v1/monitoring/queue").json()
    assert len(queue["items"]) == 8 and queue["items"][0]["targeted"]
    first = queue["items"][0]["id"]
    decided = client.post(
        f"/api/v1/monitoring/posts/{first}/decision",
        json={"decision": "confirm"},
        headers={"X-CSRF-Token": csrf},
    )
    assert decided.status_code == 200 and decided.json()["review_status"] == "confirmed"
    assert (
        client.post(
            "/api/v1/monitoring/sources",
            json={"name": "n", "kind": "webhook"},
            headers={"X-CSRF-Token": csrf},
        ).status_code
        == 403
    )
    partner, _, _ = staff_client(Role.PARTNER_ANALYST)
    assert partner.get("/api/v1/monitoring/queue").status_code == 403
    csv_text = client.get("/api/v1/monitoring/dashboard.csv?since=2026-06-01T00:00:00").text
    assert csv_text.startswith("dimension,key,category,posts") and "insult" in csv_text


def test_console_pages_and_charts(seeded: Services, staff_client: Factory) -> None:
    client, _, csrf = staff_client(Role.SUPERVISOR)
    page = client.get("/console/monitoring")
    assert page.status_code == 200 and "Tamar Gelashvili" in page.text
    svg = client.get("/console/monitoring/chart/trend.svg?platform=x")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    assert client.get("/console/monitoring/chart/lang.svg").status_code == 200
    assert client.get("/console/monitoring/export.csv?lang=en").text.count("\n") > 3
    review = client.get("/console/monitoring/review")
    assert review.status_code == 200 and "aimed at a watched person" in review.text
    person = client.get("/console/monitoring/people/1")
    assert person.status_code == 200 and "trend.svg?person=1" in person.text
    added = client.post(
        "/console/monitoring/people",
        data={
            "csrf_token": csrf,
            "name": "Ema Petrović",
            "aliases": "Ема Петровић",
            "kind": "journalist",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert "Ема Петровић" in client.get("/console/monitoring/people").text
    assert client.get("/console/monitoring/alerts").status_code == 200


def test_escalate_opens_a_case_with_the_post_as_evidence(
    seeded: Services, staff_client: Factory
) -> None:
    client, _, csrf = staff_client(Role.SUPERVISOR)
    post = client.get("/api/v1/monitoring/queue").json()["items"][0]
    response = client.post(
        f"/api/v1/monitoring/posts/{post['id']}/escalate",
        json={"capture": False},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["case_created"] and result["post"]["review_status"] == "escalated"
    assert result["capture"] == "not requested" and result["record_evidence"]
    reference = result["case_reference"]
    items = seeded.evidence.list_case(Actor.operator("t"), reference)
    assert [i.uid for i in items] == [result["record_evidence"]]
    assert items[0].media_type == "application/json"
    # A second post linked to the same case; the capture is requested and fails cleanly
    # (no network in tests), which does not undo the escalation.
    other = client.get("/api/v1/monitoring/queue").json()["items"][0]
    linked = client.post(
        f"/api/v1/monitoring/posts/{other['id']}/escalate",
        json={"case_reference": reference},
        headers={"X-CSRF-Token": csrf},
    )
    assert linked.status_code == 200, linked.text
    assert not linked.json()["case_created"] and linked.json()["case_reference"] == reference
    assert linked.json()["capture"].startswith(("capture failed", "captured"))


def test_review_queue_marks_what_drove_the_decision(
    sqlite_services: Services, staff_client: Factory
) -> None:
    # The shipped fast detector (no stub): its explanation spans are marked in the post.
    mon = sqlite_services.monitoring
    mon.use_detector_factory(lambda tier: load_text_detector("fast"))
    hostile = 'Les femmes sont des ordures <script>alert("x")</script>'
    mon.ingest_records(OPERATOR, [{"id": "h1", "platform": "x", "text": hostile}])
    client, _, _ = staff_client(Role.SUPERVISOR)
    page = client.get("/console/monitoring/review").text
    assert '<mark class="why" title="pattern:fr · 0.70">femmes sont des ordures</mark>' in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "Why it was flagged" in page
