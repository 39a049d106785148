"""In a real browser: an anonymous report in Korean with an image and a link, the receipt,
status, more evidence, consent withdrawal; quick exit from the report form with and without
JavaScript; the survivor's name and contact absent from the raw database and the server log."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from vigil.security.actor import Actor
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.testing.live import LiveServer, start_live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x03" * 64
CANARY = "zq9canary"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory, neutral_site: str) -> Iterator[LiveServer]:
    """One live server for the module (starting one takes seconds)."""
    server = start_live_server(
        tmp_path_factory.mktemp("portal") / "home", {"VIGIL_QUICK_EXIT_URL": neutral_site}
    )
    yield server
    server.stop()


def _post_json(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310  (http://127.0.0.1 only)
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # nosec B310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_korean_report_in_a_real_browser(browser: Any, portal: LiveServer) -> None:
    server, home = portal, portal.home
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    page.goto(f"{server.url}/report")
    assert page.locator("html").get_attribute("lang") == "ko"
    page.check("input[name=category][value=ncii]")
    page.fill("#description", "헤어진 사람이 제 사진을 올리고 있어요.")
    page.fill("#links", "https://social.example/p/42")
    page.set_input_files(
        "#evidence", files=[{"name": "capture.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.check("input[name=consents][value=investigation]")
    page.check("input[name=consents][value=takedown]")
    page.get_by_role("button", name="신고 보내기").click()
    page.wait_for_selector("#passphrase")
    reference = page.inner_text("#reference").strip()
    passphrase = page.inner_text("#passphrase").strip()
    assert reference.startswith("VG-") and passphrase
    assert "신고가 접수되었어요" in page.content()

    status, body = _post_json(
        f"{server.url}/api/v1/reports/status", {"reference": reference, "passphrase": passphrase}
    )
    assert (status, body) == (200, {"status": "new"})

    page.goto(f"{server.url}/status")
    page.fill("#reference", reference)
    page.fill("#passphrase", passphrase)
    page.get_by_role("button", name="내 신고 열기").click()
    page.wait_for_url("**/my-report**")
    assert page.get_attribute("#status", "data-status") == "new"
    assert reference not in page.url and passphrase not in page.url
    page.set_input_files(
        "section #evidence",
        files=[{"name": "second.png", "mimeType": "image/png", "buffer": PNG + b"2"}],
    )
    page.get_by_role("button", name="추가").click()
    page.wait_for_url("**done=evidence**")
    assert "보낸 파일: 2개" in page.content()
    page.uncheck("input[name=consents][value=takedown]")
    page.get_by_role("button", name="선택 저장").click()
    page.wait_for_url("**done=consent**")
    assert not page.is_checked("input[name=consents][value=takedown]")
    storage = page.evaluate("() => [localStorage.length, sessionStorage.length]")
    assert storage == [0, 0]
    context.close()

    # A named report, then look for the name and contact where they must never be in clear.
    _post_json(
        f"{server.url}/api/v1/reports",
        {
            "description": "threats",
            "category": "threat",
            "anonymous": False,
            "name": f"{CANARY} Kim",
            "contact": f"{CANARY}@example.org",
        },
    )
    services = Services.from_settings(VigilSettings(home=home, log_json=False))
    try:
        detail = services.cases.detail(Actor.operator(), reference)
        assert detail.consents["takedown"] is False and len(detail.evidence) == 2
        assert [i.value for i in detail.identifiers] == ["https://social.example/p/42"]
        exported = json.dumps(
            [
                services.cases.export(Actor.operator(), c.reference)
                for c in services.cases.queue(Actor.operator())
            ]
        )
    finally:
        services.close()
    assert CANARY not in exported
    for path in home.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


def test_quick_exit_from_the_report_form(
    browser: Any, portal: LiveServer, neutral_site: str
) -> None:
    server = portal
    page = browser.new_page()
    page.goto(f"{server.url}/?lang=id")
    page.goto(f"{server.url}/report?lang=id")
    page.fill("#description", "draft words")
    page.get_by_role("link", name="Keluar cepat").click()
    page.wait_for_url(neutral_site)
    page.go_back()
    assert "/report" not in page.url  # the form was replaced in history
    page.close()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/report?lang=fr")
    page.get_by_role("link", name="Sortie rapide").click()
    page.wait_for_url(neutral_site)
    context.close()
