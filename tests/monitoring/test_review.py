"""Review queue: ordering, exposure cap, double review with Cohen's kappa, export format."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from vigil.errors import Conflict, InvalidInput, PermissionDenied
from vigil.monitoring.review import in_double_review_sample
from vigil.monitoring.schemas import Decision, PersonCreate, ReviewDecision
from vigil.monitoring.service import MonitoringService
from vigil.monitoring.settings import MonitorSettings
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services

OPERATOR = Actor.operator("test")


class ScoredDetector:
    """Test double: the text says its own score and category, e.g. 'threat 0.8 ...'."""

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        out = []
        for text in texts:
            category, score = text.split()[:2]
            out.append(
                {
                    "lang": "en",
                    "gbv": category != "none",
                    "score": float(score),
                    "categories": [] if category == "none" else [category],
                    "flags": [],
                    "pii": [],
                    "explanation": {"why": category},
                }
            )
        return out


def service(services: Services, **settings: Any) -> MonitoringService:
    return MonitoringService(
        services.db,
        services.audit,
        services.authorizer,
        MonitorSettings(**settings),
        detector_factory=lambda tier: ScoredDetector(),
    )


def test_queue_orders_by_severity_confidence_and_watched_target(
    services: Services, new_staff: Any
) -> None:
    mon = service(services)
    mon.watchlist.add(OPERATOR, PersonCreate(name="Lela Abashidze"))
    mon.ingest_records(
        OPERATOR,
        [
            {"id": "insult-hi", "text": "insult 0.9 you fool"},
            {"id": "threat-lo", "text": "threat 0.5 watch out"},
            {"id": "threat-hi", "text": "threat 0.95 we know where you live"},
            {"id": "insult-watched", "text": "insult 0.9 Lela Abashidze is a fool"},
            {"id": "clean", "text": "none 0.01 nice weather"},
        ],
    )
    monitor = new_staff(services, Role.MONITOR)
    page = mon.review.queue(monitor.actor)
    # threat 1.0*0.95=0.95; insult watched 0.4*0.9*2=0.72; threat 0.5; insult 0.36
    assert [p.post_id for p in page.items] == [
        "threat-hi",
        "insult-watched",
        "threat-lo",
        "insult-hi",
    ]
    assert page.items[1].targeted and not page.capped


def test_exposure_cap_and_permissions(services: Services, new_staff: Any) -> None:
    mon = service(services, review_daily_cap=2, double_review_rate=0.0)
    mon.ingest_records(OPERATOR, [{"id": str(i), "text": "insult 0.9 x"} for i in range(4)])
    monitor = new_staff(services, Role.MONITOR)
    items = mon.review.queue(monitor.actor, limit=10).items
    assert len(items) == 2  # never more than the cap shows
    for item in items:
        mon.review.decide(monitor.actor, item.id, ReviewDecision(decision=Decision.CONFIRM))
    page = mon.review.queue(monitor.actor)
    assert page.capped and page.items == [] and page.seen_today == 2
    third = mon.review.queue(new_staff(services, Role.MONITOR).actor).items[0]
    with pytest.raises(Conflict):
        mon.review.decide(monitor.actor, third.id, ReviewDecision(decision=Decision.DISMISS))
    with pytest.raises(PermissionDenied):
        mon.review.decide(
            new_staff(services, Role.CASEWORKER).actor,
            third.id,
            ReviewDecision(decision=Decision.DISMISS),
        )
    with pytest.raises(InvalidInput):
        mon.review.decide(OPERATOR, third.id, ReviewDecision(decision=Decision.RELABEL))


def test_double_review_sample_and_kappa(services: Services, new_staff: Any) -> None:
    mon = service(services, double_review_rate=1.0)
    mon.ingest_records(OPERATOR, [{"id": str(i), "text": f"insult 0.{i + 1} x"} for i in range(6)])
    first, second = new_staff(services, Role.MONITOR), new_staff(services, Role.SUPERVISOR)
    ids = [p.id for p in mon.review.queue(first.actor, limit=10).items]
    assert len(ids) == 6
    first_labels = ["insult", "insult", "none", "none", "threat", "insult"]
    second_labels = ["insult", "insult", "none", "insult", "threat", "insult"]
    for pid, label in zip(ids, first_labels, strict=True):
        decision = Decision.DISMISS if label == "none" else Decision.RELABEL
        mon.review.decide(first.actor, pid, ReviewDecision(decision=decision, label=label))
    # The first reviewer never sees her own posts again; the second one gets them all.
    assert mon.review.queue(first.actor).items == []
    assert {p.id for p in mon.review.queue(second.actor, limit=10).items} == set(ids)
    for pid, label in zip(ids, second_labels, strict=True):
        decision = Decision.DISMISS if label == "none" else Decision.RELABEL
        mon.review.decide(second.actor, pid, ReviewDecision(decision=decision, label=label))
    with pytest.raises(Conflict):
        mon.review.decide(
            new_staff(services, Role.MONITOR).actor,
            ids[0],
            ReviewDecision(decision=Decision.CONFIRM),
        )
    agreement = mon.review.agreement(OPERATOR)
    from sklearn.metrics import cohen_kappa_score

    assert agreement.pairs == 6
    assert agreement.kappa == pytest.approx(cohen_kappa_score(first_labels, second_labels))
    assert agreement.observed_agreement == pytest.approx(5 / 6)


def test_double_review_sample_rate() -> None:
    sampled = sum(in_double_review_sample(i, 0.1) for i in range(10_000))
    assert 850 < sampled < 1150


def test_export_is_scan_output_plus_label(services: Services, tmp_path: Path) -> None:
    mon = service(services, double_review_rate=0.0)
    mon.ingest_records(
        OPERATOR,
        [
            {"id": "a", "text": "threat 0.9 I will find you", "platform": "x"},
            {"id": "b", "text": "insult 0.6 meh", "platform": "x"},
            {"id": "c", "text": "insult 0.7 not reviewed", "platform": "x"},
        ],
    )
    items = {p.post_id: p.id for p in mon.review.queue(OPERATOR).items}
    mon.review.decide(OPERATOR, items["a"], ReviewDecision(decision=Decision.CONFIRM))
    mon.review.decide(OPERATOR, items["b"], ReviewDecision(decision=Decision.DISMISS))
    lines = [json.loads(line) for line in mon.review.export(OPERATOR)]
    assert [r["id"] for r in lines] == ["x:a", "x:b"]
    assert set(lines[0]) >= {
        "id",
        "text",
        "lang",
        "gbv",
        "score",
        "categories",
        "flags",
        "pii",
        "explanation",
        "label",
    }
    assert (lines[0]["label"], lines[1]["label"]) == ("threat", "none")
    assert lines[0]["text"] == "threat 0.9 I will find you" and lines[0]["score"] == 0.9
    # ... and vigil train reads it back as training examples.
    from vigil.detection.training.datasets import load_review_export

    path = tmp_path / "decisions.jsonl"
    path.write_text("".join(line + "\n" for line in mon.review.export(OPERATOR)))
    examples = load_review_export(path)
    assert [e.labels["gbv"] for e in examples] == [1, 0]
    assert examples[0].labels["threat"] == 1
