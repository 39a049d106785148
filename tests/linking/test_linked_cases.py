"""Three cases held by three caseworkers share a phone and a wallet: linked, and each
caseworker learns only that a link exists and whom to ask."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import base58
import networkx as nx
import pytest

from vigil.cases.schemas import CaseCreate
from vigil.errors import InvalidInput, PermissionDenied
from vigil.linking.export import export_bytes
from vigil.linking.schemas import PostObservation
from vigil.security.actor import Actor
from vigil.security.audit import AuditQuery, Outcome
from vigil.security.permissions import Role
from vigil.services import Services

WALLET = base58.b58encode_check(b"\x00" + bytes(range(20))).decode()
SECRET_TITLES = ("Survivor Alpha-Canary", "Survivor Bravo-Canary", "Survivor Charlie-Canary")
REPORTS = (
    f"He wrote from 010-1234-5678 and wants money to {WALLET}; ig @perp_kim",
    f"Sextortion: pay {WALLET} or photos go out. Kakao id: perp77. Tel 01012345678",
    f"Calls from +82 10 1234 5678 every night, insta @perp.k1m, wallet {WALLET}",
)

StaffFactory = Callable[[Services, Role], object]


@pytest.fixture
def three_cases(services: Services, new_staff: StaffFactory) -> tuple[list[object], list[str]]:
    workers = [new_staff(services, Role.CASEWORKER) for _ in range(3)]
    refs = []
    for worker, title, report in zip(workers, SECRET_TITLES, REPORTS, strict=True):
        actor: Actor = worker.actor  # type: ignore[attr-defined]
        case = services.cases.create(actor, CaseCreate(title=title))
        services.linking.add_case_text(actor, case.reference, report)
        refs.append(case.reference)
    return workers, refs


def test_cases_sharing_phone_and_wallet_are_linked(
    services: Services, three_cases: tuple[list[object], list[str]]
) -> None:
    workers, refs = three_cases
    for i, (worker, ref) in enumerate(zip(workers, refs, strict=True)):
        actor: Actor = worker.actor  # type: ignore[attr-defined]
        links = services.linking.links_for_case(actor, ref)
        assert len(links) == 2, (i, links)
        shared = {(t.kind, t.value) for link in links for t in link.shared}
        assert shared == {("phone", "+821012345678"), ("btc", WALLET)}
        # Whom to ask: the other holders, by name; nothing of their cases.
        holders = {link.holder.name for link in links}
        assert holders == {"Test caseworker"}
        dumped = " ".join(link.model_dump_json() for link in links)
        for other_ref, title in zip(refs, SECRET_TITLES, strict=True):
            if other_ref != ref:
                assert other_ref not in dumped
                assert title not in dumped
        assert "perp77" not in dumped or i == 1  # another case's identifiers stay there


def test_notices_reach_each_holder_once(
    services: Services, three_cases: tuple[list[object], list[str]]
) -> None:
    workers, refs = three_cases
    actor: Actor = workers[2].actor  # type: ignore[attr-defined]
    notices = services.linking.notices(actor, unseen_only=True)
    assert {n.case_reference for n in notices} == {refs[2]}
    assert len(notices) == 2
    assert services.linking.notices(actor, unseen_only=True) == []


def test_a_caseworker_cannot_ask_about_someone_elses_case(
    services: Services, three_cases: tuple[list[object], list[str]]
) -> None:
    workers, refs = three_cases
    with pytest.raises(PermissionDenied):
        services.linking.links_for_case(workers[0].actor, refs[1])  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        services.linking.case_graph(workers[0].actor, refs[0])  # type: ignore[attr-defined]


def test_only_a_supervisor_opens_the_other_case_and_it_is_audited(
    services: Services, three_cases: tuple[list[object], list[str]], new_staff: StaffFactory
) -> None:
    _workers, refs = three_cases
    token = services.linking.links_for_case(Actor.operator(), refs[0])[0].token
    investigator = new_staff(services, Role.INVESTIGATOR).actor  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        services.linking.open_link(investigator, refs[0], token, "court bundle for the unit")
    supervisor = new_staff(services, Role.SUPERVISOR).actor  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput):
        services.linking.open_link(supervisor, refs[0], token, "why")
    opened = services.linking.open_link(supervisor, refs[0], token, "joint investigation, unit 3")
    assert opened.reference in refs[1:]
    assert opened.title in SECRET_TITLES[1:]
    events = services.audit_search.search(
        Actor.operator(), AuditQuery(action="link.open_other_case", outcome=Outcome.SUCCESS)
    )
    assert [e.record_id for e in events] == [opened.reference]
    assert events[0].actor_id == supervisor.user_id


def test_case_graph_masks_linked_cases_and_exports_open_in_networkx(
    services: Services,
    three_cases: tuple[list[object], list[str]],
    new_staff: StaffFactory,
    tmp_path: object,
) -> None:
    _workers, refs = three_cases
    investigator = new_staff(services, Role.INVESTIGATOR).actor  # type: ignore[attr-defined]
    graph = services.linking.case_graph(investigator, refs[0])
    labels = {d["label"] for _n, d in graph.nodes(data=True)}
    assert refs[0] in labels
    assert not (set(refs[1:]) & labels)
    assert "kakao:perp77" not in labels  # case 2's own identifier is not shown
    assert {"+821012345678", WALLET} <= labels
    import io

    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        loaded = reader(io.BytesIO(export_bytes(graph, fmt)))
        assert loaded.number_of_nodes() == graph.number_of_nodes()
        assert loaded.number_of_edges() == graph.number_of_edges()
    csv_text = export_bytes(graph, "csv").decode()
    assert csv_text.splitlines()[0].startswith("source_type,source_value")
    assert "maltego.PhoneNumber,+821012345678" in csv_text


def test_networks_and_repeat_perpetrators(
    services: Services, three_cases: tuple[list[object], list[str]], new_staff: StaffFactory
) -> None:
    investigator = new_staff(services, Role.INVESTIGATOR).actor  # type: ignore[attr-defined]
    monitor = new_staff(services, Role.MONITOR).actor  # type: ignore[attr-defined]
    start = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    for i, author in enumerate(("troll_a", "troll_b", "troll_c")):
        for j in range(2):
            services.linking.record_post(
                monitor,
                PostObservation(
                    platform="x",
                    post_id=f"p{i}{j}",
                    author=author,
                    thread="t1",
                    text="she deserves it",
                    reply_to_author="journalist_x",
                    posted_at=start + timedelta(minutes=5 * i + j),
                    media_hashes=["ab" * 32],
                ),
            )
    networks = services.linking.networks(investigator)
    assert networks[0].rank == 1
    assert {"x:troll_a", "x:troll_b", "x:troll_c"} <= set(networks[0].accounts)
    assert {"co_posting", "shared_media", "reply_pattern"} <= set(networks[0].evidence)
    repeat = services.linking.repeat_perpetrators(investigator)
    top = {(r.label, r.cases) for r in repeat}
    assert ("+821012345678", 3) in top
    assert (WALLET, 3) in top
    # @perp_kim (ig) and @perp.k1m (insta) look alike: one person across two cases.
    assert any(r.cases == 2 and r.kind == "account" for r in repeat)
    with pytest.raises(PermissionDenied):
        services.linking.networks(monitor)


def test_deleting_a_case_removes_its_links(
    services: Services, three_cases: tuple[list[object], list[str]]
) -> None:
    from sqlalchemy import delete

    from vigil.storage.tables.cases import Case

    _workers, refs = three_cases
    with services.db.transaction() as session:
        session.execute(delete(Case).where(Case.reference == refs[1]))
    links = services.linking.links_for_case(Actor.operator(), refs[0])
    assert len(links) == 1


def test_forgetting_a_case_removes_its_traces_and_links(
    services: Services, three_cases: tuple[list[object], list[str]]
) -> None:
    workers, refs = three_cases
    actor: Actor = workers[1].actor  # type: ignore[attr-defined]
    removed = services.linking.forget_case(actor, refs[1], reason="consent withdrawn")
    assert removed == 3  # wallet, kakao id, phone
    assert len(services.linking.links_for_case(Actor.operator(), refs[0])) == 1
    assert services.linking.links_for_case(Actor.operator(), refs[1]) == []
    from sqlalchemy import select

    from vigil.storage.tables.linking import LinkNode

    with services.db.transaction() as session:
        labels = {n.label for n in session.scalars(select(LinkNode))}
    assert "kakao:perp77" not in labels
    with pytest.raises(PermissionDenied):
        services.linking.forget_case(workers[0].actor, refs[2], reason="not mine")  # type: ignore[attr-defined]
