"""Pile-ons and coordinated attacks planted in synthetic streams, alerts delivered on loopback."""

from __future__ import annotations

import json
import random
import socketserver
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from vigil.monitoring.schemas import PersonCreate
from vigil.monitoring.service import MonitoringService
from vigil.monitoring.settings import MonitorSettings
from vigil.monitoring.surges import lookalike_accounts, stem
from vigil.security.actor import Actor
from vigil.services import Services

OPERATOR = Actor.operator("test")
START = datetime(2026, 5, 4, 0, 0, tzinfo=UTC)
WORDS = [
    "budget",
    "school",
    "road",
    "water",
    "taxes",
    "health",
    "river",
    "bridge",
    "vote",
    "market",
    "park",
    "train",
    "library",
    "hospital",
    "energy",
    "farm",
]


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
                "explanation": None,
            }
            for t in texts
        ]


def service(services: Services, **settings: Any) -> MonitoringService:
    return MonitoringService(
        services.db,
        services.audit,
        services.authorizer,
        MonitorSettings(**settings),
        detector_factory=lambda tier: KeywordDetector(),
    )


def organic(rng: random.Random, hours: int, per_hour: int, target: str) -> list[dict[str, Any]]:
    """Background chatter: varied words, many accounts, a little abuse now and then."""
    out = []
    for h in range(hours):
        for k in range(per_hour):
            words = " ".join(rng.choice(WORDS) for _ in range(10))
            abusive = rng.random() < 0.15
            text = f"{target} {words}" + (" she is vile" if abusive else "")
            out.append(
                {
                    "id": f"o{h}-{k}",
                    "platform": "x",
                    "text": text,
                    "author": {
                        "handle": f"{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.randrange(10)}",
                        "created_at": "2019-01-01T00:00:00Z",
                    },
                    "created_at": (
                        START + timedelta(hours=h, minutes=rng.randrange(60))
                    ).isoformat(),
                }
            )
    return out


def test_organic_traffic_raises_no_alert(services: Services) -> None:
    mon = service(services)
    mon.watchlist.add(OPERATOR, PersonCreate(name="Marta Nikolovska"))
    rng = random.Random(7)
    stats = mon.ingest_records(OPERATOR, organic(rng, 30, 12, "Marta Nikolovska"))
    assert stats.stored == 360 and stats.flagged > 20
    assert mon.alerts.list(OPERATOR) == []


def test_planted_pile_on_is_alerted_within_its_window(services: Services) -> None:
    mon = service(services)
    marta = mon.watchlist.add(OPERATOR, PersonCreate(name="Marta Nikolovska"))
    rng = random.Random(11)
    mon.ingest_records(OPERATOR, organic(rng, 30, 12, "Marta Nikolovska"))
    burst_hour = START + timedelta(hours=30)
    burst = [
        {
            "id": f"b{i}",
            "platform": "x",
            "text": f"Marta Nikolovska is vile {' '.join(rng.choice(WORDS) for _ in range(8))}",
            "author": f"angry{i}",
            "created_at": (burst_hour + timedelta(minutes=i % 55)).isoformat(),
        }
        for i in range(40)
    ]
    mon.ingest_records(OPERATOR, burst)
    alerts = mon.alerts.list(OPERATOR)
    assert [(a.kind, a.person_id) for a in alerts] == [("pile_on", marta.id)]
    assert alerts[0].window_start == burst_hour and alerts[0].count == 40
    mon.ingest_records(OPERATOR, burst)  # seen again: no second alert
    assert len(mon.alerts.list(OPERATOR)) == 1


def test_planted_coordinated_group_is_found(services: Services) -> None:
    mon = service(services)
    mon.watchlist.add(OPERATOR, PersonCreate(name="Marta Nikolovska"))
    rng = random.Random(3)
    background = organic(rng, 6, 20, "Marta Nikolovska")
    at = START + timedelta(hours=3, minutes=7)
    campaign = [
        {
            "id": f"c{i}",
            "platform": "x",
            "text": f"@marta_n Marta Nikolovska is a vile liar who must resign now #{i}",
            "author": {
                "handle": f"patriot_marko{i}",
                "created_at": (at - timedelta(days=2)).isoformat(),
            },
            "created_at": (at + timedelta(seconds=40 * i)).isoformat(),
        }
        for i in range(6)
    ]
    mon.ingest_records(OPERATOR, background + campaign)
    alerts = mon.alerts.list(OPERATOR)
    assert [a.kind for a in alerts] == ["coordination"]
    details = alerts[0].details
    assert details["accounts"] == 6 and details["new_accounts"] == 6
    assert details["lookalike_accounts"] == 6 and alerts[0].score == pytest.approx(12.0)


def test_lookalike_handles() -> None:
    assert stem("@Patriot_Marko77@x.example") == "patriotmarko"
    assert stem("pATR10t_marko") == "patrlotmarko"
    assert lookalike_accounts(["patriot_marko1", "patriot.mark0", "riverfan", "oceanfan"]) == {
        "patriot_marko1",
        "patriot.mark0",
    }


# ---- delivery -----------------------------------------------------------------------------


@pytest.fixture
def webhook_sink() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message (RFC 5321 happy path)."""

    messages: list[str]

    def handle(self) -> None:
        self.wfile.write(b"220 localhost ESMTP test\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                body = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(part.decode())
                self.messages.append("".join(body))
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink() -> Iterator[tuple[int, list[str]]]:
    messages: list[str] = []
    handler = type("H", (_Smtp,), {"messages": messages})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], messages
    server.shutdown()
    server.server_close()


def test_alerts_go_to_webhook_and_email(
    sqlite_services: Services,
    webhook_sink: tuple[str, list[dict[str, Any]]],
    smtp_sink: tuple[int, list[str]],
) -> None:
    url, received = webhook_sink
    port, messages = smtp_sink
    mon = service(
        sqlite_services,
        alert_webhook_url=url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        alert_email_to="team@example.org",
        console_url="https://vigil.example",
    )
    mon.watchlist.add(OPERATOR, PersonCreate(name="Marta Nikolovska"))
    mon.ingest_records(
        OPERATOR,
        [
            {
                "id": f"b{i}",
                "platform": "x",
                "text": f"Marta Nikolovska is vile {i}",
                "author": f"a{i}",
                "created_at": (START + timedelta(minutes=i)).isoformat(),
            }
            for i in range(12)
        ],
    )
    # Twelve accounts saying the same within minutes is also a coordination alert.
    assert sorted(r["kind"] for r in received) == ["coordination", "pile_on"]
    assert received[0]["link"].startswith("https://vigil.example/console/monitoring/alerts")
    assert "Marta" not in json.dumps(received)  # no personal data leaves by webhook
    assert len(messages) == 2 and any("Pile-on" in m for m in messages)
    assert not any("Marta" in m for m in messages)
    assert all(a.status == "open" for a in mon.alerts.list(OPERATOR))
