"""Phone numbers (E.164), e-mail addresses and messaging-app IDs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

import phonenumbers

from vigil.linking.base import Extractor, Identifier

#: Regions tried, in order, for numbers written without a country code: the countries Vigil
#: serves first (Korea, Indonesia, Côte d'Ivoire, Georgia, Maldives, Bosnia, North Macedonia).
DEFAULT_PHONE_REGIONS = ("KR", "ID", "CI", "GE", "MV", "BA", "MK")

#: Providers that ignore dots (Gmail) or ``+tags`` in the local part: one mailbox, many spellings.
_DOTLESS_PROVIDERS = frozenset({"gmail.com", "googlemail.com"})
_PLUS_TAG_PROVIDERS = _DOTLESS_PROVIDERS | frozenset(
    {
        "outlook.com",
        "hotmail.com",
        "live.com",
        "proton.me",
        "protonmail.com",
        "fastmail.com",
        "icloud.com",
        "yahoo.com",
    }
)

_AT = r"(?:@|\s?[\[\(\{]\s?(?:at|AT|골뱅이)\s?[\]\)\}]\s?)"
_DOT = r"(?:\.|\s?[\[\(\{]\s?(?:dot|DOT|점)\s?[\]\)\}]\s?)"
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})"
    + _AT
    + r"((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    + _DOT
    + r")+[A-Za-z]{2,24})"
    # The address ends where no label can go on ("…@mail.com-დან" ends before the "-").
    + r"(?![A-Za-z0-9]|-[A-Za-z0-9]|\.[A-Za-z0-9])"
)
_DOT_NORMAL = re.compile(r"\s?[\[\(\{]\s?(?:dot|DOT|점)\s?[\]\)\}]\s?")

#: "kakao id: name", "LINE: name", "텔레그램 아이디 : name" … → platform, as accounts are keyed.
MESSAGING_APPS = {
    "kakaotalk": "kakao",
    "kakao": "kakao",
    "카카오톡": "kakao",
    "카톡": "kakao",
    "line": "line",
    "라인": "line",
    "wechat": "wechat",
    "weixin": "wechat",
    "微信": "wechat",
    "signal": "signal",
    "skype": "skype",
    "viber": "viber",
    "snapchat": "snapchat",
    "snap": "snapchat",
    "discord": "discord",
    "session": "session",
    "threema": "threema",
    "telegram": "telegram",
    "텔레그램": "telegram",
    "tg": "telegram",
    "wickr": "wickr",
    "zalo": "zalo",
    "imo": "imo",
}
_APP_NAMES = "|".join(sorted((re.escape(k) for k in MESSAGING_APPS), key=len, reverse=True))
_MESSAGING = re.compile(
    rf"(?i)(?<![A-Za-z0-9])({_APP_NAMES})\s*(?:id|ID|아이디|username)?\s*[:：=]\s*@?"
    r"([A-Za-z][A-Za-z0-9._-]{2,39})(?![A-Za-z0-9_-])"
)


def normalize_email(local: str, domain: str) -> str:
    local, domain = local.lower(), domain.lower()
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain in _PLUS_TAG_PROVIDERS:
        local = local.split("+", 1)[0]
    if domain in _DOTLESS_PROVIDERS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


class EmailExtractor(Extractor):
    name = "email"
    priority: ClassVar[int] = 75

    def extract(self, text: str) -> list[Identifier]:
        found = []
        for m in _EMAIL.finditer(text):
            local, domain = m.group(1), _DOT_NORMAL.sub(".", m.group(2))
            if local.endswith(".") or ".." in local:
                continue
            notes = ("deobfuscated",) if "@" not in m.group(0) or m.group(2) != domain else ()
            found.append(
                Identifier(
                    "email",
                    m.group(0),
                    normalize_email(local, domain),
                    m.start(),
                    m.end(),
                    notes=notes,
                )
            )
        return found


#: Scripts that say which country a number written without its code belongs to.
_SCRIPT_REGIONS = (
    (re.compile(r"[\uac00-\ud7a3]"), "KR"),
    (re.compile(r"[\u10a0-\u10ff]"), "GE"),
    (re.compile(r"[\u0780-\u07bf]"), "MV"),
)
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


class PhoneExtractor(Extractor):
    """Numbers valid in one of ``regions``, normalised to E.164.

    A national number valid in several regions goes to the region the text's script names
    (Hangul → Korea), else to the first region where it is a mobile number (abusers text from
    mobiles), else to the first region where it is valid at all.
    """

    name = "phone"
    priority: ClassVar[int] = 50

    def __init__(self, regions: Sequence[str] = DEFAULT_PHONE_REGIONS) -> None:
        self.regions = tuple(regions)

    def _hinted_regions(self, text: str) -> frozenset[str]:
        return frozenset(
            r for pattern, r in _SCRIPT_REGIONS if r in self.regions and pattern.search(text)
        )

    def extract(self, text: str) -> list[Identifier]:
        hinted = self._hinted_regions(text)
        by_span: dict[tuple[int, int], list[tuple[int, int, phonenumbers.PhoneNumberMatch]]] = {}
        for rank, region in enumerate(self.regions):
            matcher = phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.VALID
            )
            for match in matcher:
                if region in hinted:
                    key = 0
                else:
                    mobile = phonenumbers.number_type(match.number) in _MOBILE_TYPES
                    key = 1 if mobile else 2
                by_span.setdefault((match.start, match.end), []).append((key, rank, match))
        taken: list[tuple[int, int]] = []
        found = []
        # Longer spans first: "+62 812 …" beats the national tail "812 …" inside it.
        for span in sorted(by_span, key=lambda s: (s[0] - s[1], s[0])):
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            match = min(by_span[span], key=lambda c: (c[0], c[1]))[2]
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            found.append(Identifier("phone", match.raw_string, e164, *span))
        return sorted(found, key=lambda i: i.start)


def e164_or_none(digits: str, region: str | None = None) -> str | None:
    """E.164 for a number written with its country code (``wa.me/62812…``), else None."""
    try:
        number = phonenumbers.parse(digits if digits.startswith("+") else f"+{digits}", region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class MessagingIdExtractor(Extractor):
    """IDs given with the app's name ("kakao id: kim88"), keyed ``platform:name``."""

    name = "messaging"
    priority: ClassVar[int] = 55

    def extract(self, text: str) -> list[Identifier]:
        found = []
        for m in _MESSAGING.finditer(text):
            platform = MESSAGING_APPS[m.group(1).lower()]
            name = m.group(2).rstrip("._-")
            found.append(
                Identifier(
                    "messaging_id",
                    m.group(0)[: m.start(2) - m.start() + len(name)],
                    f"{platform}:{name.lower()}",
                    m.start(),
                    m.start(2) + len(name),
                    platform=platform,
                )
            )
        return found
