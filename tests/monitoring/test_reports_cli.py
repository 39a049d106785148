"""Dashboards, the PDF/CSV report with identifiers masked, and the ``vigil monitor`` CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from vigil.monitoring.dashboard import Filters
from vigil.monitoring.report import mask_identifiers
from vigil.monitoring.schemas import PersonCreate
from vigil.monitoring.service import MonitoringService
from vigil.monitoring.settings import MonitorSettings
from vigil.security.actor import Actor
from vigil.services import Services

OPERATOR = Actor.operator("test")
T0 = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


class KeywordDetector:
    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        out = []
        for t in texts:
            cat = "threat" if "kill" in t else "sexist_abuse" if "vile" in t else None
            out.append(
                {
                    "lang": "en",
                    "gbv": cat is not None,
                    "score": 0.9 if cat else 0.1,
                    "categories": {cat: 0.9} if cat else {},
                    "flags": [cat] if cat else [],
                    "pii": [],
                    "explanation": [],
                }
            )
        return out


def seed(services: Services) -> MonitoringService:
    mon = MonitoringService(
        services.db,
        services.audit,
        services.authorizer,
        MonitorSettings(),
        detector_factory=lambda tier: KeywordDetector(),
    )
    mon.watchlist.add(OPERATOR, PersonCreate(name="Dhiyana Saeed", aliases=["ދިޔާނާ"]))
    mon.ingest_records(
        OPERATOR,
        [
            {
                "id": f"r{i}",
                "platform": ["x", "mastodon"][i % 2],
                "lang": ["en", "dv"][i % 2],
                "author": f"@troll{i}",
                "text": [
                    "Dhiyana Saeed is vile, call her on +960 777 1234 @troll_boss",
                    "I will kill you https://evil.example/x",
                    "good morning",
                ][i % 3],
                "created_at": (T0 + timedelta(days=i % 4, minutes=i)).isoformat(),
            }
            for i in range(30)
        ],
    )
    return mon


def test_dashboard_groups_and_filters(services: Services) -> None:
    mon = seed(services)
    data = mon.dashboard.data(OPERATOR, Filters())
    assert data.total == 20 and data.by_category == {"sexist_abuse": 10, "threat": 10}
    assert sum(data.by_day.values()) == 20 and set(data.by_day) == {
        (T0 + timedelta(days=d)).strftime("%Y-%m-%d") for d in range(4)
    }
    assert data.top_targets == [(1, "Dhiyana Saeed", 10)]
    only = mon.dashboard.data(OPERATOR, Filters(platform="x", since=T0 + timedelta(days=1)))
    assert only.by_platform == {"x": sum(only.by_day.values())}
    assert mon.dashboard.data(OPERATOR, Filters(person_id=1)).by_category == {"sexist_abuse": 10}


def test_report_pdf_and_csv_mask_identifiers(services: Services) -> None:
    mon = seed(services)
    pdf = mon.report(OPERATOR, date(2026, 7, 1), date(2026, 7, 4), "pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    for identifier in (b"troll", b"777 1234", b"evil.example", b"Dhiyana Saeed is vile"):
        assert identifier not in pdf
    csv_text = mon.report(OPERATOR, date(2026, 7, 1), date(2026, 7, 1), "csv").decode()
    assert csv_text.splitlines()[0] == "dimension,key,category,posts"
    assert "day,2026-07-01,sexist_abuse," in csv_text and "2026-07-02" not in csv_text


def test_mask_identifiers() -> None:
    masked = mask_identifiers(
        "Ana Petrova, mail ana@x.org or +389 70 123 456, see https://t.co/x @bob", ["Ana Petrova"]
    )
    assert masked == "[person], mail [e-mail] or [number], see [link] @[account]"


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vigil.cli.main import app
    from vigil.monitoring import service as service_module

    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VIGIL_LOG_JSON", "false")
    monkeypatch.setattr(service_module, "load_text_detector", lambda tier: KeywordDetector())
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        "".join(
            json.dumps(
                {
                    "id": str(i),
                    "text": "you are vile" if i % 2 else "hello",
                    "platform": "x",
                    "author": f"a{i}",
                    "created_at": (T0 + timedelta(hours=i)).isoformat(),
                    "mentions": ["someone"],
                }
            )
            + "\n"
            for i in range(10)
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["monitor", "ingest", str(posts), "--tier", "fast"])
    assert result.exit_code == 0, result.output
    assert "stored 10" in result.output and "flagged 5" in result.output
    assert runner.invoke(app, ["monitor", "ingest", str(posts), "--tier", "best"]).exit_code == 2
    added = runner.invoke(
        app, ["monitor", "add-source", "drop", "--kind", "folder", "-o", f"path={tmp_path}"]
    )
    assert added.exit_code == 0 and "added source drop (folder)" in added.output
    ran = runner.invoke(app, ["monitor", "run", "--source", "drop", "--once"])
    assert ran.exit_code == 0 and "drop: read 10, stored 0, duplicates 10" in ran.output
    hook = runner.invoke(app, ["monitor", "add-source", "hook", "--kind", "webhook"])
    assert "token: vgw_" in hook.output
    bad = runner.invoke(app, ["monitor", "add-source", "x", "--kind", "rss"])
    assert bad.exit_code == 2 and "needs url" in bad.output
    out = tmp_path / "report.pdf"
    report = runner.invoke(
        app,
        [
            "monitor",
            "report",
            "--from",
            "2026-07-01",
            "--to",
            "2026-07-02",
            "--format",
            "pdf",
            "--out",
            str(out),
        ],
    )
    assert report.exit_code == 0, report.output
    assert out.read_bytes().startswith(b"%PDF")
    csv_out = tmp_path / "report.csv"
    assert (
        runner.invoke(
            app,
            [
                "monitor",
                "report",
                "--from",
                "2026-07-01",
                "--to",
                "2026-07-02",
                "--format",
                "csv",
                "--out",
                str(csv_out),
            ],
        ).exit_code
        == 0
    )
    assert "sexist_abuse" in csv_out.read_text() and "vile" not in csv_out.read_text()
    assert (
        runner.invoke(
            app,
            [
                "monitor",
                "report",
                "--from",
                "July",
                "--to",
                "2026-07-02",
                "--format",
                "pdf",
                "--out",
                str(out),
            ],
        ).exit_code
        == 2
    )


def test_csv_cells_cannot_become_formulas() -> None:
    from vigil.monitoring.dashboard import DashboardData, to_csv

    data = DashboardData(Filters(), by_platform={'=HYPERLINK("http://x")': 3, "x": 1})
    assert "'=HYPERLINK" in to_csv(data)
