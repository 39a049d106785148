"""Ingest end to end on SQLite and PostgreSQL: idempotence, checkpoints, errors, watchlists."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from vigil.monitoring.schemas import PersonCreate, SourceCreate
from vigil.monitoring.service import MonitoringService
from vigil.monitoring.settings import MonitorSettings
from vigil.security.actor import Actor
from vigil.services import Services
from vigil.storage.tables.monitoring import MonitorError, MonitorPost, MonitorPostTarget

OPERATOR = Actor.operator("test")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class KeywordDetector:
    """A stand-in for vigil.detection in these tests: 'vile' and 'kill' mark abuse."""

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        out = []
        for text in texts:
            low = text.lower()
            threat, insult = "kill" in low, "vile" in low
            out.append(
                {
                    "lang": "en",
                    "gbv": threat or insult,
                    "score": 0.9 if threat else 0.7 if insult else 0.05,
                    "categories": ["threat"] if threat else ["insult"] if insult else [],
                    "flags": [],
                    "pii": [],
                    "explanation": {"terms": ["kill"] if threat else []},
                }
            )
        return out


def monitoring(services: Services, **settings: Any) -> MonitoringService:
    return MonitoringService(
        services.db,
        services.audit,
        services.authorizer,
        MonitorSettings(batch_size=settings.pop("batch_size", 7), **settings),
        detector_factory=lambda tier: KeywordDetector(),
    )


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def records(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "id": f"p{i}",
            "text": f"post number {i} about the election" + (" you are vile" if i % 3 == 0 else ""),
            "author": f"user{i % 5}",
            "created_at": (T0 + timedelta(minutes=i)).isoformat(),
            "platform": "x",
        }
        for i in range(start, start + n)
    ]


def count(services: Services, table: Any = MonitorPost) -> int:
    with services.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_ingest_is_idempotent(services: Services, tmp_path: Path) -> None:
    mon = monitoring(services)
    path = write_jsonl(tmp_path / "posts.jsonl", records(20))
    first = mon.ingest_file(OPERATOR, path)
    assert (first.read, first.stored, first.flagged) == (20, 20, 7)
    second = mon.ingest_file(OPERATOR, path)
    assert (second.stored, second.duplicates) == (0, 20)
    assert count(services) == 20
    with services.db.transaction() as session:
        row = session.scalar(select(MonitorPost).where(MonitorPost.post_id == "p3"))
        assert row is not None and row.gbv and row.review_status == "pending"
        assert json.loads(row.detection)["categories"] == ["insult"]


def test_source_checkpoint_resumes_after_a_crash(services: Services, tmp_path: Path) -> None:
    mon = monitoring(services)
    path = write_jsonl(tmp_path / "feed.jsonl", records(10))
    mon.add_source(OPERATOR, SourceCreate(name="feed", kind="jsonl", config={"path": str(path)}))
    assert mon.run(OPERATOR, name="feed")["feed"].stored == 10
    offset = mon.checkpoint(OPERATOR, "feed")["offset"]
    assert offset == path.stat().st_size
    # New lines arrive, then a run dies half-way: committed batches stay, the rest follows.
    with path.open("a", encoding="utf-8") as handle:
        for r in records(20, start=10):
            handle.write(json.dumps(r) + "\n")
    boom = monitoring(services)
    original = boom.pipeline

    def crashing_pipeline(tier: str | None = None) -> Any:
        pipe = original(tier)
        real = pipe._batch
        calls = {"n": 0}

        def batch(*args: Any, **kwargs: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt
            real(*args, **kwargs)

        pipe._batch = batch  # type: ignore[method-assign]
        return pipe

    boom.pipeline = crashing_pipeline  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        boom.run(OPERATOR, name="feed")
    assert count(services) == 17  # the first batch of 7 new posts was committed
    resumed = mon.run(OPERATOR, name="feed")["feed"]
    assert (resumed.read, resumed.stored, resumed.duplicates) == (13, 13, 0)
    assert count(services) == 30


def test_bad_lines_are_recorded_and_the_run_goes_on(services: Services, tmp_path: Path) -> None:
    mon = monitoring(services)
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"id": "a", "text": "fine"}\nnot json\n{"id": "b"}\n[1]\n'
        '{"id": "c", "text": "also fine", "created_at": "yesterday"}\n'
        '{"id": "d", "text": "last"}\n',
        encoding="utf-8",
    )
    stats = mon.ingest_file(OPERATOR, path)
    assert (stats.stored, stats.errors) == (2, 4)
    with services.db.transaction() as session:
        items = sorted(session.scalars(select(MonitorError.item)))
    assert items == ["line 2", "line 3", "line 4", "line 5"]


def test_posts_are_tied_to_watched_people_in_any_script(services: Services) -> None:
    mon = monitoring(services)
    ana = mon.watchlist.add(
        OPERATOR,
        PersonCreate(
            name="Ana Kovačević",
            aliases=["Ана Ковачевић"],
            handles=["@ana_k@social.example"],
            kind="candidate",
        ),
    )
    kim = mon.watchlist.add(OPERATOR, PersonCreate(name="김민지", handles=["minji"]))
    nino = mon.watchlist.add(OPERATOR, PersonCreate(name="ნინო ბერიძე"))
    mon.ingest_records(
        OPERATOR,
        [
            {"id": "1", "text": "ana kovačević is vile", "platform": "x"},
            {"id": "2", "text": "Ана Ковачевић лаже", "platform": "x"},
            {"id": "3", "text": "hello", "platform": "x", "mentions": ["ana_k"]},
            {
                "id": "4",
                "text": "agreed",
                "platform": "x",
                "reply_to_author": "@Ana_K@social.example",
            },
            {"id": "5", "text": "김민지는 사퇴하라", "platform": "x"},
            {"id": "6", "text": "ნინო ბერიძე vile", "platform": "x"},
            {"id": "7", "text": "Banana kovačevićka and nobody else", "platform": "x"},
        ],
    )
    with services.db.transaction() as session:
        ties = {
            (pid, person, how)
            for pid, person, how in session.execute(
                select(
                    MonitorPost.post_id, MonitorPostTarget.person_id, MonitorPostTarget.how
                ).join(MonitorPostTarget, MonitorPostTarget.post_id == MonitorPost.id)
            )
        }
    assert ties == {
        ("1", ana.id, "name"),
        ("2", ana.id, "name"),
        ("3", ana.id, "mention"),
        ("4", ana.id, "reply"),
        ("5", kim.id, "name"),
        ("6", nino.id, "name"),
    }
    person, posts, _by_day, by_category = mon.watchlist.page(OPERATOR, ana.id)
    assert person.name == "Ana Kovačević"
    assert [p.post_id for p in posts] == ["1"] and by_category == {"insult": 1}


def test_webhook_token_is_required_and_stored_hashed(services: Services) -> None:
    from vigil.errors import AuthenticationRequired
    from vigil.storage.tables.monitoring import MonitorSource

    mon = monitoring(services)
    created = mon.add_source(OPERATOR, SourceCreate(name="partner", kind="webhook"))
    assert created.token and created.token.startswith("vgw_")
    with services.db.transaction() as session:
        stored = session.scalar(select(MonitorSource.token_hash))
    assert stored and created.token not in stored and len(stored) == 64
    with pytest.raises(AuthenticationRequired):
        mon.ingest_webhook("partner", "vgw_wrong", [{"text": "x"}])
    stats = mon.ingest_webhook("partner", created.token, [{"id": "w1", "text": "you are vile"}])
    assert stats.stored == 1 and stats.flagged == 1


def test_same_image_from_many_new_accounts_is_coordination(
    sqlite_services: Services, tmp_path: Path
) -> None:
    """Telegram export media is hashed (SHA-256 and PDQ) and the same picture is matched."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(4)
    pixels = (rng.random((64, 64, 3)) * 255).astype("uint8")
    (tmp_path / "photos").mkdir()
    Image.fromarray(pixels).save(tmp_path / "photos" / "a.png")
    messages = [
        {
            "id": i,
            "type": "message",
            "date": (T0 + timedelta(minutes=i)).isoformat()[:19],
            "from": f"burner{i}",
            "from_id": f"user{1000 + i}",
            "text": ["so vile", "vile woman", "how vile is that", "vile", "look, vile", "vile!!"][
                i - 1
            ],
            "photo": "photos/a.png",
        }
        for i in range(1, 7)
    ]
    (tmp_path / "result.json").write_text(
        json.dumps({"name": "Leaks", "type": "public_channel", "id": 77, "messages": messages})
    )
    mon = monitoring(sqlite_services, batch_size=100)
    mon.add_source(
        OPERATOR, SourceCreate(name="tg", kind="telegram", config={"path": str(tmp_path)})
    )
    stats = mon.run(OPERATOR, name="tg")["tg"]
    assert stats.stored == 6
    with sqlite_services.db.transaction() as session:
        keys = set(session.scalars(select(MonitorPost.media_key)))
        media = json.loads(session.scalars(select(MonitorPost.media)).first() or "[]")
    assert len(keys) == 1 and next(iter(keys)).startswith("pdq:")
    assert media[0]["sha256"] and media[0]["pdq"]
    alerts = mon.alerts.list(OPERATOR)
    assert [a.key.split(":")[0] for a in alerts] == ["media"]
    assert alerts[0].details["accounts"] == 6 and alerts[0].details["lookalike_accounts"] == 6


def test_a_broken_source_does_not_stop_the_others(services: Services, tmp_path: Path) -> None:
    mon = monitoring(services)
    good = write_jsonl(tmp_path / "good.jsonl", records(3))
    mon.add_source(
        OPERATOR,
        SourceCreate(name="a-gone", kind="jsonl", config={"path": str(tmp_path / "gone.jsonl")}),
    )
    mon.add_source(OPERATOR, SourceCreate(name="b-good", kind="jsonl", config={"path": str(good)}))
    results = mon.run(OPERATOR)
    assert list(results) == ["b-good"] and results["b-good"].stored == 3
    errors = {s.name: s.last_error for s in mon.list_sources(OPERATOR)}
    assert errors == {"a-gone": "no such file: gone.jsonl", "b-good": None}


def test_with_the_real_detection_engine(sqlite_services: Services) -> None:
    """The adapter reads vigil.detection results: categories, flags, PII, explanation."""
    mon = MonitoringService(
        sqlite_services.db, sqlite_services.audit, sqlite_services.authorizer, MonitorSettings()
    )
    mon.ingest_records(
        OPERATOR,
        [
            {"id": "t", "platform": "x", "text": "I will kill you bitch"},
            {
                "id": "d",
                "platform": "x",
                "text": "the whore lives at 12 Main Street, call her at +1 202 555 0147",
            },
            {"id": "n", "platform": "x", "text": "the council meets on tuesday about the budget"},
        ],
        tier="lexicon",
    )
    with sqlite_services.db.transaction() as session:
        rows = {r.post_id: r for r in session.scalars(select(MonitorPost))}
    threat = json.loads(rows["t"].detection)
    assert rows["t"].gbv and rows["t"].category == "threat" and rows["t"].severity == 1.0
    assert set(threat) >= {"lang", "gbv", "score", "categories", "flags", "pii", "explanation"}
    assert threat["explanation"] and threat["lang"] == "en"
    assert json.loads(rows["d"].detection)["pii"] and rows["d"].severity >= 0.9
    assert not rows["n"].gbv and rows["n"].review_status == "none"


def test_a_newly_watched_person_gets_her_earlier_abuse(services: Services) -> None:
    mon = monitoring(services)
    mon.ingest_records(
        OPERATOR,
        [
            {"id": "1", "platform": "x", "text": "Elif Demir is vile"},
            {"id": "2", "platform": "x", "text": "Elif Demir gave a speech"},
            {"id": "3", "platform": "x", "text": "so vile", "mentions": ["elif_d"]},
        ],
    )
    elif_ = mon.watchlist.add(OPERATOR, PersonCreate(name="Elif Demir", handles=["@elif_d"]))
    _, posts, _, _ = mon.watchlist.page(OPERATOR, elif_.id)
    assert sorted(p.post_id for p in posts) == ["1", "3"]  # abusive ones only
    assert all(p.targeted and p.priority == pytest.approx(2 * 0.7 * 0.4) for p in posts)


class FlakyDetector(KeywordDetector):
    """Fails on any batch holding the word 'poison'."""

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        if any("poison" in t for t in texts):
            raise RuntimeError("model crashed")
        return super().predict(texts)


def test_a_post_that_breaks_detection_is_recorded_and_the_rest_scored(
    sqlite_services: Services,
) -> None:
    mon = MonitoringService(
        sqlite_services.db,
        sqlite_services.audit,
        sqlite_services.authorizer,
        MonitorSettings(),
        detector_factory=lambda tier: FlakyDetector(),
    )
    stats = mon.ingest_records(
        OPERATOR,
        [
            {"id": "a", "platform": "x", "text": "you are vile"},
            {"id": "b", "platform": "x", "text": "poison pill"},
            {"id": "c", "platform": "x", "text": "hello"},
        ],
    )
    assert (stats.stored, stats.errors, stats.flagged) == (3, 1, 1)
    with sqlite_services.db.transaction() as session:
        rows = {r.post_id: r for r in session.scalars(select(MonitorPost))}
        errors = list(session.scalars(select(MonitorError.item)))
    assert rows["b"].error and not rows["a"].error and rows["a"].gbv
    assert errors == ["x:b"]
