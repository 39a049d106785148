"""Personal information in posts: the raw material of doxxing.

Phone numbers for every region come from ``phonenumbers`` (international numbers anywhere,
national ones in the regions of the text's language); identity and bank numbers are kept only
when their checksums or structure hold (``python-stdnum``: Korean RRN, Indonesian NIK, IBAN,
Luhn for payment cards; the Yugoslav JMBG used in Bosnia and Herzegovina and North Macedonia is
checked here). Addresses and coordinates are found by patterns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

import ahocorasick  # type: ignore[import-not-found]
import phonenumbers
from stdnum import iban, luhn
from stdnum.exceptions import ValidationError
from stdnum.id import nik
from stdnum.kr import rrn

from vigil.detection.base import PiiMatch

PHONE: Final = "phone"
EMAIL: Final = "email"
ADDRESS: Final = "address"
NATIONAL_ID: Final = "national_id"
IBAN: Final = "iban"
PAYMENT_CARD: Final = "payment_card"
COORDINATES: Final = "coordinates"
PII_TYPES: Final = (PHONE, EMAIL, ADDRESS, NATIONAL_ID, IBAN, PAYMENT_CARD, COORDINATES)

#: Regions tried for numbers written without a country code, by the text's language.
REGIONS: Final[dict[str, tuple[str, ...]]] = {
    "en": ("US", "GB"),
    "ko": ("KR",),
    "id": ("ID",),
    "fr": ("FR", "CI"),
    "ka": ("GE",),
    "sh": ("BA", "HR", "RS"),
    "mk": ("MK",),
    "dv": ("MV",),
    "ar": ("EG", "SA", "MA"),
}
DEFAULT_REGIONS: Final = ("US",)

_HAS_DIGIT = re.compile(r"\d")
#: Seven digits with at most separators between them: the least any number we look for has.
_DIGIT_RUN = re.compile(r"\d(?:[\s\-.()/]{0,3}\d){6}")
#: What every ``_EMAIL`` match holds; a literal first, so the scan is fast. (``_EMAIL``
#: itself tries every position of a text: slow on long posts full of "@user".)
_EMAIL_HINT = re.compile(r"@[\w-]+\.")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?!\w)")
_RRN = re.compile(r"(?<!\d)\d{6}-?\d{7}(?!\d)")
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_JMBG = re.compile(r"(?<!\d)\d{13}(?!\d)")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_COORD = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{4,})\s*[,;]\s*(-?\d{1,3}\.\d{4,})(?![\d.])")
_ADDRESS = re.compile(
    r"(?:\b\d{1,5}\s+(?:[A-Z][\w'-]+\s+){1,4}(?:street|st\.|avenue|ave\.?|road|rd\.|lane|"
    r"drive|boulevard|blvd\.?)(?!\w))"
    r"|(?:\b\d{1,4},?\s+(?:rue|avenue|boulevard|bd|chemin|impasse|allée)\s+[\w' -]{2,40})"
    r"|(?:\b(?:jl\.|jln\.|jalan)\s+[\w .'-]{2,40}?\s+no\.?\s*\d+)"
    r"|(?:\b(?:ulica|ul\.)\s+[\w .'-]{2,40}?\s+(?:br\.?\s*)?\d+)"
    # From the start of a Hangul run only: tried at every position, a long run took time
    # quadratic in its length (0.4 s for 4,000 characters).
    r"|(?:(?<![가-힣])[가-힣]+(?:시|도)\s+[가-힣]+(?:구|군|시)\s+[가-힣0-9]+(?:로|길|동)\s*\d+(?:-\d+)?)",
    re.IGNORECASE,
)
#: Words one of which every ``_ADDRESS`` alternative needs: a substring test per word is far
#: cheaper than trying the alternatives at every position (a Korean text's Hangul runs make
#: the last one backtrack).
_ADDRESS_WORDS: Final = (
    "street", "st.", "avenue", "ave", "road", "rd.", "lane", "drive", "boulevard", "blvd",
    "rue", "bd", "chemin", "impasse", "allée", "jl.", "jln.", "jalan", "ulica", "ul.", "시", "도",
)  # fmt: skip


def _keyword_automaton(words: tuple[str, ...]) -> Any:
    automaton = ahocorasick.Automaton()
    for w in words:
        automaton.add_word(w, w)
    automaton.make_automaton()
    return automaton


_ADDRESS_KEYS: Final = _keyword_automaton(_ADDRESS_WORDS)
#: What ``_COORD`` needs: a decimal point before four digits (a literal: a fast scan).
_COORD_HINT = re.compile(r"\.\d\d\d\d")


def jmbg_is_valid(number: str) -> bool:
    """Unique master citizen number (JMBG / ЕМБГ): date of birth and a mod-11 check digit."""
    if len(number) != 13 or not number.isdigit():
        return False
    day, month = int(number[0:2]), int(number[2:4])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    d = [int(c) for c in number]
    weights = (7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    m = 11 - sum(w * x for w, x in zip(weights, d[:12], strict=True)) % 11
    return (0 if m > 9 else m) == d[12]


def _valid(module: object, value: str) -> bool:
    try:
        module.validate(value)  # type: ignore[attr-defined]
    except ValidationError:
        return False
    return True


class PiiFinder:
    """``find(texts, langs)`` returns the personal information in each text."""

    def __init__(self, regions: dict[str, tuple[str, ...]] | None = None) -> None:
        self.regions = regions if regions is not None else dict(REGIONS)

    def find(
        self, texts: Sequence[str], langs: Sequence[str] | None = None
    ) -> list[list[PiiMatch]]:
        langs = langs if langs is not None else ["und"] * len(texts)
        # Most posts hold no digit and no "@": nothing to find, and no call to make.
        return [
            self.find_one(t, lang) if "@" in t or _HAS_DIGIT.search(t) else []
            for t, lang in zip(texts, langs, strict=True)
        ]

    def find_one(self, text: str, lang: str = "und") -> list[PiiMatch]:
        found: list[PiiMatch] = []
        if "@" in text and _EMAIL_HINT.search(text):
            found += [PiiMatch(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]
        if not _HAS_DIGIT.search(text):
            return found
        if next(_ADDRESS_KEYS.iter(_fold(text)), None) is not None:
            for m in _ADDRESS.finditer(text):
                found.append(PiiMatch(ADDRESS, m.start(), m.end()))
        for m in _COORD.finditer(text) if _COORD_HINT.search(text) else ():
            lat, lon = float(m.group(1)), float(m.group(2))
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                found.append(PiiMatch(COORDINATES, m.start(), m.end()))
        if not _DIGIT_RUN.search(text):
            return sorted(found, key=lambda p: (p.start, p.end))
        for m in _RRN.finditer(text):
            if _valid(rrn, m.group(0)):
                found.append(PiiMatch(NATIONAL_ID, m.start(), m.end(), "KR-RRN"))
        for m in _NIK.finditer(text):
            if _valid(nik, m.group(0)):
                found.append(PiiMatch(NATIONAL_ID, m.start(), m.end(), "ID-NIK"))
        for m in _JMBG.finditer(text):
            if jmbg_is_valid(m.group(0)):
                found.append(PiiMatch(NATIONAL_ID, m.start(), m.end(), "JMBG"))
        for m in _IBAN.finditer(text):
            if _valid(iban, m.group(0).replace(" ", "")):
                found.append(PiiMatch(IBAN, m.start(), m.end(), m.group(0)[:2]))
        for m in _CARD.finditer(text):
            digits = re.sub(r"\D", "", m.group(0))
            if _valid(luhn, digits) and not _overlaps(m.start(), m.end(), found):
                found.append(PiiMatch(PAYMENT_CARD, m.start(), m.end()))
        for region in self.regions.get(lang, DEFAULT_REGIONS):
            for pm in phonenumbers.PhoneNumberMatcher(text, region):
                if not _overlaps(pm.start, pm.end, found):
                    code = phonenumbers.region_code_for_number(pm.number) or region
                    found.append(PiiMatch(PHONE, pm.start, pm.end, code))
        return sorted(found, key=lambda p: (p.start, p.end))


def _fold(text: str) -> str:
    """Case folding as IGNORECASE matches: ſ is s and K is k (``casefold``), and "i" also
    matches the Turkish İ and ı."""
    if not text.isascii():
        text = text.replace("İ", "i").replace("ı", "i")
    return text.casefold()


def _overlaps(start: int, end: int, found: list[PiiMatch]) -> bool:
    return any(start < p.end and p.start < end for p in found)
