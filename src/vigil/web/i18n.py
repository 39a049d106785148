"""Translations for the portal and the console: gettext catalogues read with Babel.

Catalogues are the ``.po`` files under ``web/locale/<lang>/LC_MESSAGES/messages.po``. They
are compiled in memory when first needed, so an install needs no build step and no ``.mo``
files; a compiled ``messages.mo`` next to a ``.po`` is used instead when present.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"ar", "dv"})

#: Languages offered to users, in their own names.
LANGUAGE_NAMES: Mapping[str, str] = {
    "en": "English",
    "ko": "한국어",
    "id": "Bahasa Indonesia",
    "fr": "Français",
    "ar": "العربية",
    "dv": "ދިވެހި",
}

Translator = Callable[..., str]


def _load(path: Path) -> gettext.NullTranslations:
    mo = path.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= path.stat().st_mtime:
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    with path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Catalogues:
    def __init__(self, locale_dir: Path = LOCALE_DIR) -> None:
        self._translations: dict[str, gettext.NullTranslations] = {}
        for po in sorted(locale_dir.glob("*/LC_MESSAGES/messages.po")):
            self._translations[po.parent.parent.name] = _load(po)

    @property
    def languages(self) -> list[str]:
        return [DEFAULT_LANGUAGE, *sorted(k for k in self._translations if k != DEFAULT_LANGUAGE)]

    def supports(self, language: str) -> bool:
        return (
            language == DEFAULT_LANGUAGE
            or language in self._translations
            or (language in LANGUAGE_NAMES)
        )

    def translator(self, language: str) -> Translator:
        translations = self._translations.get(language, gettext.NullTranslations())

        def _(text: str, **values: object) -> str:
            translated = translations.gettext(text)
            return translated % values if values else translated

        return _

    def gettext(self, language: str, text: str, **values: object) -> str:
        return self.translator(language)(text, **values)

    def negotiate(self, accept_language: str | None) -> str:
        """The best supported language from an Accept-Language header."""
        choices: list[tuple[float, str]] = []
        for part in (accept_language or "").split(","):
            code, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            base = code.strip().lower().split("-")[0]
            if base and self.supports(base):
                choices.append((quality, base))
        choices.sort(key=lambda item: -item[0])
        return choices[0][1] if choices else DEFAULT_LANGUAGE


@lru_cache(maxsize=1)
def catalogues() -> Catalogues:
    """The installed catalogues (package data: read once per process)."""
    return Catalogues()


def direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"
