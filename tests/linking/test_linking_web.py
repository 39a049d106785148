"""Linking through the API and the console."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import networkx as nx
from fastapi.testclient import TestClient

from vigil.security.permissions import Role

Factory = Callable[[Role], tuple[TestClient, Any, str]]


def _case(client: TestClient, csrf: str, title: str) -> str:
    response = client.post("/api/v1/cases", json={"title": title}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def test_caseworkers_see_a_link_and_investigators_the_graph(staff_client: Factory) -> None:
    refs = []
    clients = []
    for title in ("Canary-One", "Canary-Two"):
        client, _member, csrf = staff_client(Role.CASEWORKER)
        ref = _case(client, csrf, title)
        response = client.post(
            f"/api/v1/linking/cases/{ref}/text",
            json={"text": "he calls from 010-1234-5678"},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status_code == 200, response.text
        refs.append(ref)
        clients.append(client)
    links = clients[0].get(f"/api/v1/linking/cases/{refs[0]}/links").json()
    assert len(links) == 1
    assert links[0]["shared"] == [{"kind": "phone", "value": "+821012345678"}]
    assert refs[1] not in str(links) and "Canary-Two" not in str(links)
    assert clients[0].get(f"/api/v1/linking/cases/{refs[1]}/links").status_code == 403
    assert clients[0].get(f"/api/v1/linking/cases/{refs[0]}/graph").status_code == 403
    page = clients[1].get("/console/linking")
    assert page.status_code == 200 and "+821012345678" in page.text and refs[0] not in page.text

    investigator, _m, _csrf = staff_client(Role.INVESTIGATOR)
    elements = investigator.get(f"/api/v1/linking/cases/{refs[0]}/graph").json()
    assert {n["data"]["kind"] for n in elements["nodes"]} == {"case", "phone"}
    exported = investigator.get(f"/api/v1/linking/cases/{refs[0]}/export/graphml")
    assert exported.status_code == 200
    assert nx.read_graphml(io.BytesIO(exported.content)).number_of_nodes() == 3
    graph_page = investigator.get(f"/console/linking/graph?case={refs[0]}")
    assert graph_page.status_code == 200
    assert "/static/vendor/cytoscape/cytoscape.min.js" in graph_page.text
    assert "https://" not in graph_page.text.split("<main", 1)[1]
    assert investigator.get("/static/vendor/cytoscape/cytoscape.min.js").status_code == 200


def test_partner_analysts_see_nothing_of_linking(staff_client: Factory) -> None:
    client, _member, _csrf = staff_client(Role.PARTNER_ANALYST)
    assert client.get("/api/v1/linking/networks").status_code == 403
    assert client.get("/api/v1/linking/notices").status_code == 403
