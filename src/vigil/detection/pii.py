"""Personal information in posts: the raw material of doxxing.

Phone numbers for every region come from ``phonenumbers`` (international numbers anywhere,
national ones in the regions of the text's language); identity and bank numbers are kept only
when their checksums or structure hold (``python-stdnum``: Korean RRN, Indonesian NIK, IBAN,
Luhn for payment cards; the Yugoslav JMBG used in Bosnia and Herzegovina and North Macedonia is
checked here). Addresses and coordinates are found by patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
import phonenumbers
from stdnum import iban, luhn
from stdnum.exceptions import ValidationError
from stdnum.id import nik
from stdnum.kr import rrn

from vigil.detection import automaton
from vigil.detection.base import PiiMatch
from vigil.detection.tables import cached_array

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
#: Instead of trying ``_ADDRESS`` at every position: the least each of its alternatives holds,
#: as it writes it. A street word after white space (so not "have"), in the folded text (see
#: ``_hints_of``); "jalan", "ulica" and the like after a word boundary, before white
#: space; in Korean, a district after 시/도 and a number after the street.
_AFTER_SPACE_WORDS: Final = (
    "street", "st.", "avenue", "ave", "road", "rd.", "lane", "drive", "boulevard", "blvd",
    "rue", "bd", "chemin", "impasse", "allée",
)  # fmt: skip
_AFTER_SPACE = re.compile(r"\s(?:" + "|".join(map(re.escape, _AFTER_SPACE_WORDS)) + ")")
_STREET_WORDS: Final = ("jl.", "jln.", "jalan", "ulica", "ul.")
_STREET_WORD = re.compile(r"\b(?:jl\.|jln\.|jalan|ulica|ul\.)\s", re.IGNORECASE)
#: Where each kind of ``_ADDRESS`` alternative can start.
_NUMBER_START = re.compile(r"\b\d")
_NAME_START = re.compile(r"\b[ju]", re.IGNORECASE)
_HANGUL_START = re.compile(r"(?<![가-힣])[가-힣]")
_KO_DISTRICT = re.compile(r"[시도]\s+[가-힣]+(?:구|군|시)\s+[가-힣0-9]+(?:로|길|동)\s*\d")
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
        if automaton.compiled():  # built now, before any worker process forks
            _hint_automaton()

    def find(
        self, texts: Sequence[str], langs: Sequence[str] | None = None
    ) -> list[list[PiiMatch]]:
        if langs is not None and len(langs) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(langs)} languages")
        out: list[list[PiiMatch]] = [[] for _ in texts]
        hints = _hints(texts)
        # Most posts hold no digit and no "@": nothing to find, and no call to make.
        some = np.flatnonzero(hints & (_DIGIT | _AT)).tolist()
        for i, bits in zip(some, hints[some].tolist(), strict=True):
            out[i] = self._find(texts[i], langs[i] if langs is not None else "und", bits)
        return out

    def find_one(self, text: str, lang: str = "und") -> list[PiiMatch]:
        return self._find(text, lang, _hints_of(text))

    def _find(self, text: str, lang: str, hints: int) -> list[PiiMatch]:
        """``find_one``, told what ``_hints`` tells of the text."""
        found: list[PiiMatch] = []
        if hints & _AT and _EMAIL_HINT.search(text):
            found += [PiiMatch(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]
        if not hints & _DIGIT:
            return found
        if (
            hints & _STREET
            or (hints & _STREET_NAME and _STREET_WORD.search(text))
            or (hints & _KOREAN and _KO_DISTRICT.search(text))
        ):
            for m in _addresses(text, hints):
                found.append(PiiMatch(ADDRESS, m.start(), m.end()))
        for m in _COORD.finditer(text) if hints & _COORD_MARK else ():
            lat, lon = float(m.group(1)), float(m.group(2))
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                found.append(PiiMatch(COORDINATES, m.start(), m.end()))
        if not hints & _RUN:
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


def _addresses(text: str, hints: int) -> Iterator[re.Match[str]]:
    """``_ADDRESS.finditer(text)``, trying the pattern only where one of its alternatives that
    the hints allow can start (a long text took 0.1 µs a character): a digit after a word
    boundary, a word starting j or u ("jalan", "ulica"), the start of a run of Hangul."""
    starts: list[int] = []
    if hints & _STREET:
        starts += [m.start() for m in _NUMBER_START.finditer(text)]
    if hints & _STREET_NAME:
        starts += [m.start() for m in _NAME_START.finditer(text)]
    if hints & _KOREAN:
        starts += [m.start() for m in _HANGUL_START.finditer(text)]
    at = 0
    for start in sorted(starts):
        if start >= at and (m := _ADDRESS.match(text, start)) is not None:
            yield m
            at = m.end()


def _fold(text: str) -> str:
    """Case folding as IGNORECASE matches: ſ is s and K is k (``casefold``), and "i" also
    matches the Turkish İ and ı."""
    if not text.isascii():
        text = text.replace("İ", "i").replace("ı", "i")
    return text.casefold()


def _overlaps(start: int, end: int, found: list[PiiMatch]) -> bool:
    return any(start < p.end and p.start < end for p in found)


#: What ``_hints`` tells of a text (as bits): what ``find_one`` would search it for, or the
#: least that its costly patterns need.
_DIGIT, _AT, _COORD_MARK, _STREET, _STREET_NAME, _KOREAN, _RUN = (1 << k for k in range(7))


def _hints(texts: Sequence[str]) -> npt.NDArray[np.uint32]:
    """The hints of each text: one pass of the C loop over the batch where it is built."""
    if not automaton.compiled():
        return np.array([_hints_of(t) for t in texts], dtype=np.uint32)
    return _hint_automaton().masks(texts)


def _hints_of(text: str) -> int:
    """The hints of one text, found with regexes: ``_DIGIT``, ``_AT``, ``_COORD_MARK`` and
    ``_RUN`` as the C loop has them; the street hints where it has them, or more."""
    hints = (_DIGIT if _HAS_DIGIT.search(text) else 0) | (_AT if "@" in text else 0)
    if hints & _DIGIT:  # every other pattern needs a digit too
        hints |= _COORD_MARK if _COORD_HINT.search(text) else 0
        hints |= _RUN if _DIGIT_RUN.search(text) else 0
        # In the folded text, a street word stands where it stands in the text, after the
        # same white space: every character that matches one of its letters (ignoring case)
        # folds to that letter alone, and white space folds to itself.
        folded = _fold(text)
        hints |= _STREET if _AFTER_SPACE.search(folded) else 0
        hints |= _STREET_NAME if any(w in folded for w in _STREET_WORDS) else 0
        hints |= _KOREAN if "시" in text or "도" in text else 0
    return hints


@lru_cache(maxsize=1)
def _hint_automaton() -> automaton.ClassAutomaton:
    """The hints as keywords over character classes: white space, digits, ".", "@", 시, 도 and
    the letters of the street words, each letter with every character that matches it when
    case is ignored (they fold to it: see ``_hints_of``); beside them, ``_DIGIT_RUN``."""
    street = [f" {w}" for w in _AFTER_SPACE_WORDS]
    letters = sorted({ch for w in (*street, *_STREET_WORDS) for ch in w} - set(" ."))
    marks = ".@시도-()/"
    cls = {ch: k for k, ch in enumerate([" ", "0", *marks, *letters], 1)}

    def build() -> npt.NDArray[np.uint16]:
        codes = np.arange(automaton.CODES, dtype=np.uint32)
        codes[0xD800:0xE000] = 0  # no surrogates: a str to search
        every = codes.astype("<u4").tobytes().decode("utf-32-le")
        classes = np.zeros(automaton.CODES, dtype=np.uint16)
        for m in re.finditer("[" + re.escape("".join(letters)) + "]", every, re.IGNORECASE):
            classes[m.start()] = cls[_fold(m.group())]
        for pattern, ch in ((r"\s", " "), (r"\d", "0"), ("[" + re.escape(marks) + "]", "")):
            for m in re.finditer(pattern, every):
                classes[m.start()] = cls[ch or m.group()]
        return classes

    classes = cached_array("pii_hint_classes", build, np.uint16, (automaton.CODES,))
    words = {(cls["0"],): _DIGIT, (cls["@"],): _AT, tuple(cls[c] for c in ".0000"): _COORD_MARK}
    words |= {tuple(cls[c] for c in w): _STREET for w in street}
    words |= {tuple(cls[c] for c in w): _STREET_NAME for w in _STREET_WORDS}
    words |= {(cls["시"],): _KOREAN, (cls["도"],): _KOREAN}
    gaps = [cls[c] for c in " .-()/"]  # what ``_DIGIT_RUN`` allows between digits
    return automaton.ClassAutomaton(
        classes, words, beside=_run_automaton(cls["0"], gaps), cache_as="pii_hints"
    )


def _run_automaton(
    digit: int, gaps: list[int]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint32]]:
    """``_DIGIT_RUN`` (7 digits, at most 3 gap characters between two) as an automaton: state
    0 outside a run, 1 + 4 (k - 1) + g after k digits and g gap characters, 25 once found."""
    found = 25
    delta = np.zeros((found + 1, max(digit, *gaps) + 1), dtype=np.int32)
    delta[0, digit] = 1
    for k in range(1, 7):
        for g in range(4):
            state = 1 + 4 * (k - 1) + g
            delta[state, digit] = found if k == 6 else 1 + 4 * k
            if g < 3:
                delta[state, gaps] = state + 1
            else:  # a fourth gap character: the run is over
                delta[state, gaps] = 0
    delta[found] = found
    accept = np.zeros(found + 1, dtype=np.uint32)
    accept[found] = _RUN
    return delta, accept
