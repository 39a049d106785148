"""Identifier extraction and normalisation, one row per case worth keeping."""

from __future__ import annotations

import base58
import pytest

from vigil.linking import bech32
from vigil.linking.base import Extractor
from vigil.linking.extract import BUILTIN_EXTRACTORS, IdentifierExtractor, extractor_registry
from vigil.linking.lookalike import lookalike_pairs, score, skeleton
from vigil.linking.urls import canonicalize

BTC_LEGACY = base58.b58encode_check(b"\x00" + bytes(range(20))).decode()
BTC_P2SH = base58.b58encode_check(b"\x05" + bytes(range(20, 40))).decode()
TRON = base58.b58encode_check(b"\x41" + bytes(range(40, 60))).decode()
SEGWIT = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"  # BIP-173 style test vector
TAPROOT = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"


@pytest.fixture(scope="module")
def extractor() -> IdentifierExtractor:
    return IdentifierExtractor()


@pytest.mark.parametrize(
    ("text", "type_", "value", "normalized"),
    [
        ("연락처 010-1234-5678 로", "phone", "010-1234-5678", "+821012345678"),
        ("kirim ke 0812-3456-7890 ya", "phone", "0812-3456-7890", "+6281234567890"),
        ("call +995 555 12 34 56", "phone", "+995 555 12 34 56", "+995555123456"),
        ("전화 ０１０-９８７６-５４３２", "phone", "０１０-９８７６-５４３２", "+821098765432"),
        (
            "mail Kim.Ji.Soo+x@gmail.com now",
            "email",
            "Kim.Ji.Soo+x@gmail.com",
            "kimjisoo@gmail.com",
        ),
        ("bad [at] proton [dot] me", "email", "bad [at] proton [dot] me", "bad@proton.me"),
        (f"send to {BTC_LEGACY}.", "btc", BTC_LEGACY, BTC_LEGACY),
        (f"p2sh {BTC_P2SH}", "btc", BTC_P2SH, BTC_P2SH),
        (f"segwit {SEGWIT.upper()}", "btc", SEGWIT.upper(), SEGWIT),
        (f"taproot {TAPROOT}", "btc", TAPROOT, TAPROOT),
        (f"USDT TRC20 {TRON}", "tron", TRON, TRON),
        (
            "eth 0x52908400098527886E0F7030069857D2E4169EE7",
            "eth",
            "0x52908400098527886E0F7030069857D2E4169EE7",
            "0x52908400098527886e0f7030069857d2e4169ee7",
        ),
        (
            "IBAN GB82 WEST 1234 5698 7654 32 pls",
            "iban",
            "GB82 WEST 1234 5698 7654 32",
            "GB82WEST12345698765432",
        ),
        ("card 4111 1111 1111 1111", "card", "4111 1111 1111 1111", "4111111111111111"),
        ("ig @kim_jisoo99", "handle", "@kim_jisoo99", "instagram:kim_jisoo99"),
        ("hey @someone", "handle", "@someone", "@someone"),
        (
            "https://www.instagram.com/Kim.Jisoo/?igshid=abc&utm_source=x",
            "profile_url",
            "https://www.instagram.com/Kim.Jisoo/?igshid=abc&utm_source=x",
            "instagram:kim.jisoo",
        ),
        ("see x.com/perp_account", "profile_url", "x.com/perp_account", "x:perp_account"),
        (
            "https://www.tiktok.com/@perp",
            "profile_url",
            "https://www.tiktok.com/@perp",
            "tiktok:perp",
        ),
        ("https://wa.me/6281234567890", "phone", "https://wa.me/6281234567890", "+6281234567890"),
        ("kakao id: perp77", "messaging_id", "kakao id: perp77", "kakao:perp77"),
        (
            "텔레그램 아이디: darkuser",
            "messaging_id",
            "텔레그램 아이디: darkuser",
            "telegram:darkuser",
        ),
        ("link bit.ly/3abcDE!", "url", "bit.ly/3abcDE", "https://bit.ly/3abcDE"),
        (
            "https://Example.com:443/a/b/?utm_medium=x&b=2&a=1#top",
            "url",
            "https://Example.com:443/a/b/?utm_medium=x&b=2&a=1#top",
            "https://example.com/a/b?a=1&b=2",
        ),
    ],
)
def test_finds_and_normalises(
    extractor: IdentifierExtractor, text: str, type_: str, value: str, normalized: str
) -> None:
    found = extractor.extract(text)
    assert [(i.type, i.value, i.normalized) for i in found] == [(type_, value, normalized)]
    assert text[found[0].start : found[0].end] == value


@pytest.mark.parametrize(
    "text",
    [
        "meet @3pm on 2024-11-30, price 150000 won, order 12345678",
        "version 1.2.3, room 404, call me at 5",
        "card 4111 1111 1111 1112 (bad Luhn)",
        "IBAN GB82 WEST 1234 5698 7654 33 (bad check digits)",
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3 is not a valid address",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx bad checksum",
        "https://www.instagram.com/p/Cabc123/ is a post, not a profile",
    ],
)
def test_ignores_lookalike_noise(extractor: IdentifierExtractor, text: str) -> None:
    found = extractor.extract(text)
    assert all(i.type == "url" for i in found), found


def test_shorteners_and_tracking_are_noted(extractor: IdentifierExtractor) -> None:
    (short,) = extractor.extract("go to https://bit.ly/xyz?utm_source=tw")
    assert set(short.notes) == {"shortener", "tracking_removed"}
    assert short.normalized == "https://bit.ly/xyz"
    assert canonicalize("m.facebook.com/story.php?fbclid=1").url == "https://facebook.com/story.php"


def test_overlaps_go_to_the_stronger_identifier(extractor: IdentifierExtractor) -> None:
    text = "https://etherscan.io/address/0x52908400098527886E0F7030069857D2E4169EE7"
    assert [i.type for i in extractor.extract(text)] == ["eth"]


def test_bech32_rejects_mixed_case_and_wrong_constant() -> None:
    assert bech32.is_segwit_address(SEGWIT)
    assert not bech32.is_segwit_address(SEGWIT[:10] + SEGWIT[10:].upper())


def test_registry_has_every_builtin_once() -> None:
    registry = extractor_registry()
    assert len(registry.names()) == len(BUILTIN_EXTRACTORS)
    assert all(issubclass(cls, Extractor) for cls in registry)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("kim_jisoo", "kіm.j1soo", True),  # Cyrillic і and a digit swap
        ("instagram:badguy", "@badguy2", True),
        ("perp_account", "perp_acc0unt", True),
        ("modern", "rnodern", True),
        ("alice", "bob12", False),
        ("kim_jisoo", "lee_minho", False),
    ],
)
def test_lookalikes(a: str, b: str, same: bool) -> None:
    assert score(a, b).possible_same_person is same


def test_lookalike_pairs_and_skeleton() -> None:
    assert skeleton("@Kіm_J1soo") == skeleton("kim.jlsoo")
    pairs = lookalike_pairs(["kim_jisoo", "kіm.j1soo", "someone_else"])
    assert [(p.a, p.b) for p in pairs] == [("kim_jisoo", "kіm.j1soo")]
