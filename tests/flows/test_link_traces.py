"""Cases and monitored posts reach the entity graph through the linking flows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vigil.cases.schemas import CaseCreate, IdentifierCreate, NoteCreate
from vigil.flows.link_traces import link_case, link_posts
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services


def test_case_identifiers_and_notes_link_two_cases(
    sqlite_services: Services, new_staff: Callable[..., Any]
) -> None:
    services = sqlite_services
    refs = []
    for note in ("he sent from kim.perp@gmail.com", "threats via kimperp@gmail.com"):
        worker = new_staff(services, Role.CASEWORKER).actor
        ref = services.cases.create(worker, CaseCreate(title="Canary case")).reference
        services.cases.work.add_note(worker, ref, NoteCreate(body=note))
        services.cases.work.add_identifier(
            worker, ref, IdentifierCreate(kind="handle", value="perp_kim", platform="instagram")
        )
        link_case(services, worker, ref)
        refs.append(ref)
    links = services.linking.links_for_case(Actor.operator(), refs[0])
    assert len(links) == 1
    assert {(t.kind, t.value) for t in links[0].shared} == {
        ("email", "kimperp@gmail.com"),
        ("account", "instagram:perp_kim"),
    }


def test_monitored_posts_become_a_network(sqlite_services: Services) -> None:
    services = sqlite_services
    records = [
        {
            "platform": "x",
            "post_id": f"p{i}",
            "author": {"handle": author},
            "text": "pay 0x52908400098527886E0F7030069857D2E4169EE7",
            "reply_to": "target-post",
            "reply_to_author": "journalist",
            "created_at": f"2026-03-01T20:0{i}:00Z",
        }
        for i, author in enumerate(("troll_one", "troll_two", "troll_three"))
    ]
    services.monitoring.ingest_records(Actor.operator(), records)
    assert link_posts(services, Actor.operator()) == 3
    networks = services.linking.networks(Actor.operator())
    assert len(networks) == 1
    assert len(networks[0].accounts) == 3
    assert {"shared_identifier", "co_posting"} <= set(networks[0].evidence)


def test_withdrawing_investigation_consent_unlinks_the_case(
    sqlite_services: Services, new_staff: Callable[..., Any]
) -> None:
    services = sqlite_services
    refs = []
    for _ in range(2):
        worker = new_staff(services, Role.CASEWORKER).actor
        ref = services.cases.create(worker, CaseCreate(title="Canary case")).reference
        services.cases.work.add_identifier(
            worker, ref, IdentifierCreate(kind="phone", value="+82 10-2345-6789")
        )
        link_case(services, worker, ref)
        refs.append(ref)
    assert len(services.linking.links_for_case(Actor.operator(), refs[0])) == 1
    assert "linking" in services.consent_withdrawal.handlers()
    services.consent_withdrawal.by_staff(Actor.operator(), refs[1], ["investigation"])
    report = services.consent_withdrawal.by_staff(Actor.operator(), refs[1], [])
    assert "investigation" in report.change.withdrawn
    assert report.handled["linking"] >= 1
    assert services.linking.links_for_case(Actor.operator(), refs[0]) == []
