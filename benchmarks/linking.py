"""Identifier extraction on noisy multilingual synthetic messages: recall and false findings.

Plants phones (7 countries, national and international formats), e-mails (some obfuscated),
handles, profile URLs, messaging IDs, URLs with tracking parameters and shorteners, IBANs,
cards and crypto wallets into Korean, Indonesian, French, Georgian, Bosnian, Macedonian,
Dhivehi and English messages full of look-alike noise (dates, prices, order numbers, times,
invalid cards and IBANs, broken wallets, hashtags, version numbers, emoji). Prints a table.

    python benchmarks/linking.py [--messages 3000] [--seed 7]

Target (issue 8): recall >= 95% of planted identifiers, false findings <= 2% of all findings.
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time
from collections import Counter
from dataclasses import dataclass

import base58
import phonenumbers
from stdnum import iban, luhn

from vigil.linking.bech32 import encode_segwit
from vigil.linking.extract import IdentifierExtractor

REGIONS = ("KR", "ID", "CI", "GE", "MV", "BA", "MK")
LANG_OF_REGION = {
    "KR": "ko",
    "ID": "id",
    "CI": "fr",
    "GE": "ka",
    "MV": "dv",
    "BA": "bs",
    "MK": "mk",
}

TEMPLATES = {
    "ko": [
        "연락해 {x} 안 그러면 사진 다 뿌린다",
        "이 사람 {x} 계속 협박함 ㅠㅠ",
        "{x} 로 돈 보내라 오늘까지",
        "제보: {x} 이 계정이 유포자임",
        "{x} 에서 또 연락 왔어요 😢",
    ],
    "id": [
        "kirim ke {x} atau foto kamu aku sebar",
        "dia pakai {x} buat ancam aku",
        "hubungi {x} sekarang!!",
        "akun {x} ini yang nyebarin",
        "transfer ke {x} sebelum jam 9",
    ],
    "fr": [
        "envoie à {x} sinon je publie tout",
        "il me harcèle depuis {x} depuis des semaines",
        "paye sur {x} avant ce soir",
        "c'est {x} qui a partagé les photos",
    ],
    "ka": ["მომწერე {x} თორემ ფოტოებს გავავრცელებ", "ის მემუქრება {x}-დან", "გადაიხადე {x}"],
    "bs": [
        "pošalji na {x} ili objavljujem slike",
        "prijetio mi je sa {x}",
        "uplati na {x} do petka",
    ],
    "mk": ["испрати на {x} или ќе ги објавам сликите", "ми се заканува од {x}", "плати на {x}"],
    "dv": ["ފޮޓޯ ފޮނުވާނަން {x}", "{x} އިން ބިރުދައްކަނީ"],
    "en": [
        "send it to {x} or everyone sees",
        "he keeps messaging from {x}",
        "pay {x} by tonight",
        "reported account: {x}",
        "new threat from {x} today",
    ],
}
NOISE = [
    "on 2026-03-14 at 21:30",
    "price 150000 won",
    "order #20260314-5567",
    "meet @3pm",
    "room 404",
    "v2.3.1",
    "#justice #stopGBV",
    "lol 😂😂",
    "call me at 5",
    "ref 4111 1111 1111 1112",
    "IBAN DE89 3704 0044 0532 0130 01",
    "tel 12345",
    "2026/03/14",
    "1,250,000 IDR",
    "ok???",
    "see www",
    "user@",
    "@ home",
    "№ 7781",
    "13:45",
    "ID 3201234567890001",
    "hahaha",
    "0x123abc",
    "bc1 not an address",
    "1Abc not an address either",
    "12.03.2026",
    "ул. 5",
    "5 მარტი 2026",
    "სახლი 12",
    "jam 20.00 WIB",
    "Rp 500.000",
    "zvao sam te 3 puta",
]


@dataclass(frozen=True)
class Planted:
    type: str
    text: str
    normalized: str


def rand_name(rng: random.Random) -> str:
    base = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9)))
    return base + rng.choice(["", "_", ".", "_x", str(rng.randint(1, 99))])


def phone(rng: random.Random) -> Planted:
    region = rng.choice(REGIONS)
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    digits = phonenumbers.national_significant_number(example)
    number = example
    for _ in range(100):  # random tails until one is a valid number (most are)
        tail = "".join(rng.choice(string.digits) for _ in range(4))
        candidate = phonenumbers.parse(digits[:-4] + tail, region)
        if phonenumbers.is_valid_number(candidate):
            number = candidate
            break
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if region in ("KR", "ID") and rng.random() < 0.6:
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        text = text.replace("-", rng.choice(["-", " ", "", "."]))
    else:
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        text = rng.choice([text, text.replace(" ", "").replace("-", ""), e164])
    return Planted("phone", text, e164)


def email(rng: random.Random) -> Planted:
    local = rand_name(rng).strip("._")
    domain = rng.choice(
        ["gmail.com", "naver.com", "yahoo.co.id", "proton.me", "mail.ru", "outlook.fr"]
    )
    normalized = f"{local.replace('.', '') if domain == 'gmail.com' else local}@{domain}"
    if rng.random() < 0.2:
        name, tld = domain.rsplit(".", 1)
        return Planted("email", f"{local} [at] {name} [dot] {tld}", normalized)
    return Planted("email", f"{local}@{domain}", normalized)


def handle(rng: random.Random) -> Planted:
    name = rand_name(rng).rstrip(".")
    word, platform = rng.choice(
        [
            ("ig", "instagram"),
            ("insta", "instagram"),
            ("tiktok", "tiktok"),
            ("twitter", "x"),
            ("", None),
        ]
    )
    text = f"{word} @{name}".strip()
    return Planted("handle", text, f"{platform}:{name}" if platform else f"@{name}")


def profile(rng: random.Random) -> Planted:
    name = rand_name(rng).strip("._")
    host, platform, at = rng.choice(
        [
            ("instagram.com", "instagram", ""),
            ("x.com", "x", ""),
            ("www.tiktok.com", "tiktok", "@"),
            ("t.me", "telegram", ""),
            ("facebook.com", "facebook", ""),
        ]
    )
    query = rng.choice(["", "?igshid=MzRlODBiNWFlZA==", "?s=20&t=abc", "?utm_source=share"])
    scheme = rng.choice(["https://", "http://", ""])
    return Planted("profile_url", f"{scheme}{host}/{at}{name}{query}", f"{platform}:{name}")


def messaging(rng: random.Random) -> Planted:
    name = rand_name(rng).strip("._") + "x"
    word, platform = rng.choice(
        [
            ("kakao id", "kakao"),
            ("카톡 아이디", "kakao"),
            ("LINE", "line"),
            ("telegram", "telegram"),
            ("wechat", "wechat"),
            ("signal", "signal"),
        ]
    )
    return Planted("messaging_id", f"{word}: {name}", f"{platform}:{name}")


def url(rng: random.Random) -> Planted:
    if rng.random() < 0.3:
        code = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(7))
        host = rng.choice(["bit.ly", "s.id", "t.co", "tinyurl.com"])
        return Planted("url", f"https://{host}/{code}", f"https://{host}/{code}")
    site = rng.choice(["leak-pics.example", "forum.example.net", "imgshare.example.org"])
    path = "/".join(rand_name(rng).strip("._") for _ in range(rng.randint(1, 3)))
    return Planted(
        "url", f"https://www.{site}/{path}?utm_source=tw&fbclid=xyz", f"https://{site}/{path}"
    )


def iban_number(rng: random.Random) -> Planted:
    country, length = rng.choice([("DE", 18), ("BA", 16), ("GE", 0), ("MK", 0)])
    if country == "GE":
        bban = "NB" + "".join(rng.choice(string.digits) for _ in range(16))
    elif country == "MK":
        bban = "".join(rng.choice(string.digits) for _ in range(13)) + "84"
        bban = bban[:3] + bban[3:]
    else:
        bban = "".join(rng.choice(string.digits) for _ in range(length))
    number = country + "00" + bban
    number = country + iban.calc_check_digits(number) + bban
    if not iban.is_valid(number):
        return iban_number(rng)
    spaced = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return Planted("iban", rng.choice([number, spaced]), number)


def card(rng: random.Random) -> Planted:
    prefix = rng.choice(["4", "51", "52", "55"])
    body = prefix + "".join(rng.choice(string.digits) for _ in range(15 - len(prefix)))
    number = body + luhn.calc_check_digit(body)
    sep = rng.choice([" ", "-", ""])
    text = sep.join(number[i : i + 4] for i in range(0, 16, 4))
    return Planted("card", text, number)


def wallet(rng: random.Random) -> Planted:
    kind = rng.choice(["legacy", "p2sh", "bech32", "taproot", "eth", "tron"])
    payload = bytes(rng.getrandbits(8) for _ in range(32))
    if kind == "legacy":
        value = base58.b58encode_check(b"\x00" + payload[:20]).decode()
        return Planted("btc", value, value)
    if kind == "p2sh":
        value = base58.b58encode_check(b"\x05" + payload[:20]).decode()
        return Planted("btc", value, value)
    if kind == "bech32":
        value = encode_segwit("bc", 0, payload[:20])
        return Planted("btc", value, value)
    if kind == "taproot":
        value = encode_segwit("bc", 1, payload)
        return Planted("btc", value, value)
    if kind == "tron":
        value = base58.b58encode_check(b"\x41" + payload[:20]).decode()
        return Planted("tron", value, value)
    value = "0x" + payload[:20].hex()
    value = "".join(c.upper() if c.isalpha() and rng.random() < 0.5 else c for c in value)
    value = "0x" + value[2:]
    return Planted("eth", value, value.lower())


GENERATORS = (
    phone,
    phone,
    email,
    handle,
    profile,
    messaging,
    url,
    iban_number,
    card,
    wallet,
    wallet,
)


def message(rng: random.Random) -> tuple[str, list[Planted]]:
    lang = rng.choice(list(TEMPLATES))
    planted = [rng.choice(GENERATORS)(rng) for _ in range(rng.randint(1, 3))]
    if planted[0].type == "phone" and rng.random() < 0.5:
        lang = rng.choice(list(TEMPLATES))
    parts = [rng.choice(TEMPLATES[lang]).format(x=p.text) for p in planted]
    for _ in range(rng.randint(1, 3)):
        parts.insert(rng.randint(0, len(parts)), rng.choice(NOISE))
    return rng.choice([" ", ". ", "\n", " — "]).join(parts), planted


def evaluate(n_messages: int, seed: int) -> int:
    rng = random.Random(seed)
    extractor = IdentifierExtractor()
    planted_by_type: Counter[str] = Counter()
    found_by_type: Counter[str] = Counter()
    false_by_type: Counter[str] = Counter()
    total_found = 0
    misses: list[str] = []
    false_examples: list[str] = []
    started = time.perf_counter()
    for _ in range(n_messages):
        text, planted = message(rng)
        extracted = extractor.extract(text)
        total_found += len(extracted)
        wanted = {(p.type, p.normalized) for p in planted}
        got = {(e.type, e.normalized) for e in extracted}
        for p in planted:
            planted_by_type[p.type] += 1
            if (p.type, p.normalized) in got:
                found_by_type[p.type] += 1
            elif len(misses) < 8:
                misses.append(f"{p.type}: {p.text!r} → {sorted(got)}")
        for e in extracted:
            if (e.type, e.normalized) not in wanted:
                false_by_type[e.type] += 1
                if len(false_examples) < 8:
                    false_examples.append(f"{e.type}: {e.value!r} in {text[:80]!r}")
    elapsed = time.perf_counter() - started
    planted_total = sum(planted_by_type.values())
    found_total = sum(found_by_type.values())
    false_total = sum(false_by_type.values())
    print(
        f"{n_messages} messages, seed {seed}, {elapsed:.1f} s "
        f"({1000 * elapsed / n_messages:.2f} ms/message)\n"
    )
    print(f"| {'type':<13} | planted | found | recall  | false |")
    print(f"|{'-' * 15}|---------|-------|---------|-------|")
    for kind in sorted(set(planted_by_type) | set(false_by_type)):
        planted_n = planted_by_type[kind]
        recall = found_by_type[kind] / planted_n if planted_n else float("nan")
        print(
            f"| {kind:<13} | {planted_n:7d} | {found_by_type[kind]:5d} | {recall:7.2%} "
            f"| {false_by_type[kind]:5d} |"
        )
    recall = found_total / planted_total
    false_rate = false_total / total_found if total_found else 0.0
    print(
        f"| {'all':<13} | {planted_total:7d} | {found_total:5d} | {recall:7.2%} "
        f"| {false_total:5d} |"
    )
    print(
        f"\nrecall {recall:.2%} (target >= 95%), false findings {false_rate:.2%} of "
        f"{total_found} (target <= 2%)"
    )
    if misses:
        print("\nexamples of misses:\n  " + "\n  ".join(misses))
    if false_examples:
        print("examples of false findings:\n  " + "\n  ".join(false_examples))
    return 0 if recall >= 0.95 and false_rate <= 0.02 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sys.exit(evaluate(args.messages, args.seed))


if __name__ == "__main__":
    main()
