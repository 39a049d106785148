"""Insights end to end: consent, canaries, the budget ledger, noise scale, signed packages."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from vigil.errors import IntegrityError, PermissionDenied
from vigil.insights import package
from vigil.insights.dp import GaussianMechanism, LaplaceMechanism
from vigil.insights.service import BudgetExhausted
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.services import Services
from vigil.storage.tables.cases import Case, CaseConsent

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)
CANARY_NAME = "Canary Kim Ji-soo"
CANARY_PHONE = "010-9999-1234"
CANARY_HANDLE = "@canary_perp_77"
CANARIES = (CANARY_NAME, CANARY_PHONE, CANARY_HANDLE, "canary-platform", "VG-")


def seed(services: Services, n: int = 60, *, consent_every: int = 1) -> None:
    """``n`` cases over the quarter; canary personal data in every free-text field."""
    categories = ("harassment", "sextortion", "doxxing", "ncii")
    platforms = ("instagram", "kakaotalk", "facebook", "canary-platform")
    with services.db.transaction() as session:
        for i in range(n):
            case = Case(
                reference=f"VG-TEST-{i:04d}-XXXX",
                title=f"{CANARY_NAME} {i}",
                status="new",
                created_at=START + timedelta(days=i % 85, hours=i % 24),
                category=categories[i % 4] if i % 7 else "threats",
                platform=platforms[(i // 4) % 4],
                language="ko" if i % 3 else "id",
                description=f"{CANARY_NAME} {CANARY_PHONE} {CANARY_HANDLE}",
            )
            session.add(case)
            session.flush()
            session.add(
                CaseConsent(
                    case_id=case.id,
                    purpose="statistics",
                    granted=i % consent_every == 0,
                    updated_at=START,
                    updated_by="test",
                )
            )


def test_only_consenting_cases_are_counted(services: Services) -> None:
    seed(services, 40, consent_every=2)
    tables = {t["indicator"]: t for t in services.insights.tables(Actor.operator(), START, END)}
    by_outcome = tables["cases_by_outcome"]
    assert by_outcome["total"] == 20  # 40 cases, 20 consented, rounded to 5


def test_canaries_never_leave_the_system(services: Services, tmp_path: Any) -> None:
    seed(services, 60)
    blobs = [
        services.insights.export_package(Actor.operator(), START, END),
        services.insights.brief(Actor.operator(), START, END),
        services.insights.chart(Actor.operator(), "cases_by_platform", START, END, compare=True),
    ]
    texts = []
    for blob in blobs[:1]:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            texts += [archive.read(n) for n in archive.namelist()]
    texts += blobs[1:]
    for data in texts:
        for canary in CANARIES:
            assert canary.encode() not in data, canary
    tables = {t["indicator"]: t for t in package.verify(blobs[0]).tables}
    platform = tables["cases_by_platform"]
    assert "canary-platform" not in platform["cols"]
    assert platform["cells"][0][platform["cols"].index("other")] == 10  # 12, rounded


def test_published_cells_are_zero_or_at_least_k(services: Services) -> None:
    seed(services, 37)
    for t in services.insights.tables(Actor.operator(), START, END):
        values = [v for row in t["cells"] for v in row] + list(t["row_totals"]) + [t["total"]]
        assert all(v is None or v == 0 or v >= 10 for v in values), t


def test_ledger_refuses_a_query_over_budget(
    services: Services, new_staff: Callable[..., Any]
) -> None:
    seed(services, 30)
    analyst = new_staff(services, Role.PARTNER_ANALYST).actor
    first = services.insights.dp_histogram(analyst, "cases_by_category", START, END, epsilon=0.5)
    assert first["scale"] == pytest.approx(2.0) and first["epsilon"] == pytest.approx(0.5)
    services.insights.dp_histogram(analyst, "cases_by_platform", START, END, epsilon=0.4)
    with pytest.raises(BudgetExhausted):
        services.insights.dp_histogram(analyst, "cases_by_language", START, END, epsilon=0.2)
    left = services.insights.budget(analyst)
    assert left["epsilon_spent"] == pytest.approx(0.9)
    services.insights.dp_histogram(analyst, "cases_by_language", START, END, epsilon=0.1)
    with pytest.raises(BudgetExhausted):
        services.insights.dp_histogram(analyst, "cases_by_outcome", START, END, epsilon=0.01)
    gaussian = services.insights.dp_histogram(
        new_staff(services, Role.PARTNER_ANALYST).actor,
        "cases_by_outcome",
        START,
        END,
        mechanism="gaussian",
        epsilon=0.5,
        delta=1e-7,
    )
    assert gaussian["epsilon"] <= 0.5 + 1e-9 and gaussian["delta"] == 1e-7
    supervisor = new_staff(services, Role.SUPERVISOR).actor
    services.insights.set_budget(supervisor, analyst.user_id, 2.0, 1e-6)
    services.insights.dp_histogram(analyst, "cases_by_outcome", START, END, epsilon=0.5)
    with pytest.raises(PermissionDenied):
        services.insights.set_budget(analyst, analyst.user_id, 100.0, 1e-6)


@pytest.mark.parametrize(
    ("mechanism", "scale"), [(LaplaceMechanism(), 4.0), (GaussianMechanism(), 4.0)]
)
def test_noise_matches_its_declared_scale(mechanism: Any, scale: float) -> None:
    # OpenDP draws from the OS's secure random source and cannot be seeded (on purpose), so
    # the sample is large: the tolerance is > 7 standard errors (false alarm < 1e-12).
    noise = np.array(mechanism.sample_noise(scale, 100_000), dtype=float)
    if mechanism.name == "laplace":
        q = np.exp(-1 / scale)  # discrete Laplace: variance 2q / (1 - q)^2
        expected = 2 * q / (1 - q) ** 2
        tolerance = 0.05
    else:
        expected = scale**2  # discrete Gaussian, scale >= 1
        tolerance = 0.03
    assert abs(noise.mean()) < 0.1
    assert noise.var() == pytest.approx(expected, rel=tolerance)


def test_packages_verify_merge_and_detect_tampering(services: Services) -> None:
    seed(services, 60)
    blob = services.insights.export_package(Actor.operator(), START, END)
    verified = package.verify(blob)
    assert verified.manifest["period"] == {"from": "2026-01-01", "to": "2026-04-01"}
    merged = package.verify(services.insights.merge_packages(Actor.operator(), [blob, blob]))
    totals = {t["indicator"]: t["total"] for t in merged.tables}
    assert (
        totals["cases_by_category"]
        == 2 * {t["indicator"]: t["total"] for t in verified.tables}["cases_by_category"]
    )
    assert merged.manifest["sources"] == [verified.fingerprint] * 2
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    files["tables.csv"] = files["tables.csv"].replace(b",15\n", b",16\n", 1)
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises(IntegrityError):
        package.verify(tampered.getvalue())


def test_partner_pages_show_no_canary(
    staff_client: Callable[[Role], tuple[TestClient, Any, str]], sqlite_services: Services
) -> None:
    seed(sqlite_services, 60)
    client, _member, csrf = staff_client(Role.PARTNER_ANALYST)
    query = "from=2026-01-01&to=2026-03-31"
    pages = [
        client.get(f"/console/insights?{query}&compare=1"),
        client.get(f"/console/insights/charts/cases_by_platform.svg?{query}&compare=1"),
        client.get(f"/api/v1/insights/tables?{query}"),
        client.post(
            "/api/v1/insights/dp",
            headers={"X-CSRF-Token": csrf},
            json={
                "indicator": "cases_by_category",
                "from": "2026-01-01",
                "to": "2026-03-31",
                "epsilon": 0.1,
            },
        ),
        client.get("/api/v1/insights/budget"),
        client.post(
            "/console/insights/dp",
            data={
                "csrf_token": csrf,
                "indicator": "cases_by_platform",
                "from": "2026-01-01",
                "to": "2026-03-31",
                "epsilon": "0.2",
                "mechanism": "gaussian",
            },
        ),
    ]
    for page in pages:
        assert page.status_code == 200, page.text
        for canary in CANARIES:
            assert canary not in page.text, (canary, page.url)
    assert "Noisy counts" in pages[-1].text
    form = {
        "csrf_token": csrf,
        "indicator": "cases_by_platform",
        "from": "2026-01-01",
        "to": "2026-03-31",
        "epsilon": "0.5",
    }
    assert client.post("/console/insights/dp", data=form).status_code == 200  # 0.8 spent
    over = client.post("/console/insights/dp", data=form)
    assert over.status_code == 403 and "budget" in over.text
    assert client.get(f"/api/v1/insights/export?{query}").status_code == 403
    assert client.get("/console/linking").status_code == 403
