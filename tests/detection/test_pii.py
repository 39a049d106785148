from __future__ import annotations

import pytest

from vigil.detection.pii import PiiFinder, jmbg_is_valid


def jmbg(prefix12: str) -> str:
    weights = (7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    m = 11 - sum(w * int(c) for w, c in zip(weights, prefix12, strict=True)) % 11
    return prefix12 + str(0 if m > 9 else m)


VALID_JMBG = jmbg("010199071000")
BAD_JMBG = VALID_JMBG[:-1] + str((int(VALID_JMBG[-1]) + 1) % 10)


@pytest.fixture(scope="module")
def finder() -> PiiFinder:
    return PiiFinder()


@pytest.mark.parametrize(
    ("text", "lang", "kind", "found"),
    [
        ("call her on +82 10-1234-5678 tonight", "en", "phone", "+82 10-1234-5678"),
        ("nomornya 0812-3456-7890 ya", "id", "phone", "0812-3456-7890"),
        ("son numéro 06 12 34 56 78", "fr", "phone", "06 12 34 56 78"),
        ("appelle 07 07 12 34 56", "fr", "phone", "07 07 12 34 56"),
        ("write to jane.doe@example.org now", "en", "email", "jane.doe@example.org"),
        ("주민번호 971013-9019902", "ko", "national_id", "971013-9019902"),
        ("NIK 3171011708450001", "id", "national_id", "3171011708450001"),
        (f"JMBG {VALID_JMBG}", "sh", "national_id", VALID_JMBG),
        ("IBAN DE89 3704 0044 0532 0130 00", "en", "iban", "DE89 3704 0044 0532 0130 00"),
        ("pay GB82WEST12345698765432", "en", "iban", "GB82WEST12345698765432"),
        ("card 4111 1111 1111 1111", "en", "payment_card", "4111 1111 1111 1111"),
        ("she is at 37.5665, 126.9780", "en", "coordinates", "37.5665, 126.9780"),
        ("she lives at 221 Baker Street, go", "en", "address", "221 Baker Street"),
        ("12 rue de la Paix", "fr", "address", "12 rue de la Paix"),
        ("rumahnya Jl. Sudirman No. 5", "id", "address", "Jl. Sudirman No. 5"),
        ("서울시 강남구 테헤란로 123", "ko", "address", "서울시 강남구 테헤란로 123"),
    ],
)
def test_finds_each_type(finder: PiiFinder, text: str, lang: str, kind: str, found: str) -> None:
    matches = finder.find_one(text, lang)
    assert [(m.type, text[m.start : m.end]) for m in matches] == [(kind, found)]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("주민번호 971013-9019903", "ko"),  # RRN check digit wrong
        ("NIK 3171019999450001", "id"),  # no such birth date
        (f"JMBG {BAD_JMBG}", "sh"),
        ("IBAN DE89 3704 0044 0532 0130 01", "en"),  # mod-97 fails
        ("card 4111 1111 1111 1112", "en"),  # Luhn fails
        ("at 137.5665, 326.9780", "en"),  # not on Earth
        ("no personal data here at all", "en"),
        ("", "en"),
    ],
)
def test_checksum_and_range_failures_are_not_pii(finder: PiiFinder, text: str, lang: str) -> None:
    assert [m for m in finder.find_one(text, lang) if m.type != "phone"] == []


def test_jmbg_checksum() -> None:
    assert jmbg_is_valid(VALID_JMBG)
    assert not jmbg_is_valid(BAD_JMBG)
    assert not jmbg_is_valid("abc")


def test_batch_api_keeps_order(finder: PiiFinder) -> None:
    out = finder.find(["mail a@b.co", "nothing"], ["en", "en"])
    assert [len(x) for x in out] == [1, 0]
