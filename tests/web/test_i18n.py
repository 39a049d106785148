"""The catalogues: every portal message is translated in ko, id and fr; loading needs no build."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from vigil.web.i18n import LOCALE_DIR, Catalogues, direction

WEB = Path(__file__).parents[2] / "src" / "vigil" / "web"
PORTAL_SOURCES = ("portal/", "templates/portal/", "templates/base.html", "templates/error.html")


def _portal_messages() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for filename, _, message, _, _ in extract_from_dir(
        str(WEB), method_map=method_map, keywords={"_": None, "N_": None}
    ):
        if filename.startswith(PORTAL_SOURCES) and isinstance(message, str):
            found.add(message)
    return found


def test_portal_messages_are_found() -> None:
    messages = _portal_messages()
    assert "Quick exit" in messages and "Sextortion" in messages and len(messages) > 100


@pytest.mark.parametrize("language", ["ko", "id", "fr"])
def test_every_portal_message_is_translated(language: str) -> None:
    catalogues = Catalogues(LOCALE_DIR)
    missing = sorted(
        m for m in _portal_messages() if catalogues.gettext(language, m) == m and m != "Messages"
    )
    assert missing == []


def test_placeholders_survive_translation() -> None:
    catalogues = Catalogues(LOCALE_DIR)
    for language in ("ko", "id", "fr"):
        assert "3" in catalogues.gettext(language, "Files you sent: %(count)s", count=3)


def test_negotiation_and_direction() -> None:
    catalogues = Catalogues(LOCALE_DIR)
    assert catalogues.negotiate("ko-KR,ko;q=0.9,en;q=0.8") == "ko"
    assert catalogues.negotiate("de-DE,fr;q=0.5") == "fr"
    assert catalogues.negotiate(None) == "en"
    assert direction("ar") == direction("dv") == "rtl" and direction("ko") == "ltr"


def test_catalogues_load_from_po_without_a_build(tmp_path: Path) -> None:
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Quick exit"\nmsgstr "Sortie"\n',
        encoding="utf-8",
    )
    assert Catalogues(tmp_path).gettext("xx", "Quick exit") == "Sortie"
