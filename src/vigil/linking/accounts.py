"""URLs, profile URLs and @handles, with the platform when the text names it."""

from __future__ import annotations

import re
from typing import ClassVar

from vigil.linking.base import Extractor, Identifier
from vigil.linking.contacts import e164_or_none
from vigil.linking.urls import PLATFORM_HOSTS, SHORTENERS, canonicalize, profile_account

_TRAILING = ".,;:!?)]}'\"»”’。、，！？）」』"
_KNOWN_HOSTS = "|".join(
    re.escape(h)
    for h in sorted(set(PLATFORM_HOSTS) | SHORTENERS | {"wa.me"}, key=len, reverse=True)
)
_URL = re.compile(
    r"(?i)(?<![A-Za-z0-9@._-])(?:https?://[^\s<>\"'`]+|www\.[^\s<>\"'`]+|"
    rf"(?:(?:www|m)\.)?(?:{_KNOWN_HOSTS})/[^\s<>\"'`]*)"
)
_HANDLE = re.compile(
    r"(?<![\w.@/+-])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@])(?!\.[A-Za-z]{2,})"
)
#: Words before a handle that say which platform it lives on (the nearest one wins).
PLATFORM_WORDS = {
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "인스타": "instagram",
    "인스타그램": "instagram",
    "twitter": "x",
    "tweet": "x",
    "트위터": "x",
    "x.com": "x",
    "tiktok": "tiktok",
    "틱톡": "tiktok",
    "telegram": "telegram",
    "텔레그램": "telegram",
    "tg": "telegram",
    "facebook": "facebook",
    "fb": "facebook",
    "페이스북": "facebook",
    "threads": "threads",
    "youtube": "youtube",
    "유튜브": "youtube",
    "snapchat": "snapchat",
    "twitch": "twitch",
    "reddit": "reddit",
    "vk": "vk",
    "onlyfans": "onlyfans",
}
_PLATFORM_WORD = re.compile(
    r"(?i)(?<![A-Za-z0-9])("
    + "|".join(re.escape(w) for w in sorted(PLATFORM_WORDS, key=len, reverse=True))
    + r")(?![A-Za-z0-9])"
)
PLATFORM_HINT_CHARS = 30
_TIME = re.compile(r"(?i)\d{1,2}(?:[:.h]\d{2})?(?:am|pm|h|hrs?|ish)?")


#: A grammatical ending glued to a link ("…/name-დან", "…/name에서"): not part of the URL.
_GLUED_SUFFIX = re.compile(r"-?[^\x00-\x7f%]+$")


def _trim(url: str) -> str:
    previous = None
    while url != previous:
        previous = url
        if not url.isascii():
            url = _GLUED_SUFFIX.sub("", url)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break  # a balanced parenthesis belongs to the URL (Wikipedia-style)
            url = url[:-1]
    return url


class UrlExtractor(Extractor):
    """URLs in canonical form; profile pages become accounts, ``wa.me`` links phones."""

    name = "url"
    priority: ClassVar[int] = 60

    def extract(self, text: str) -> list[Identifier]:
        found = []
        for m in _URL.finditer(text):
            value = _trim(m.group(0))
            if "." not in value.split("/", 3)[2 if "://" in value else 0]:
                continue
            start, end = m.start(), m.start() + len(value)
            canonical = canonicalize(value)
            notes = tuple(
                n
                for n, on in (
                    ("shortener", canonical.shortener),
                    ("tracking_removed", canonical.removed_tracking),
                )
                if on
            )
            if canonical.host == "wa.me":
                digits = canonical.url.split("/")[3] if canonical.url.count("/") >= 3 else ""
                e164 = e164_or_none(digits.split("?")[0])
                if e164:
                    found.append(
                        Identifier(
                            "phone",
                            value,
                            e164,
                            start,
                            end,
                            platform="whatsapp",
                            notes=("whatsapp",),
                        )
                    )
                    continue
            account = profile_account(canonical)
            if account is not None:
                platform, username = account
                found.append(
                    Identifier(
                        "profile_url",
                        value,
                        f"{platform}:{username}",
                        start,
                        end,
                        platform=platform,
                        notes=notes,
                    )
                )
                continue
            found.append(Identifier("url", value, canonical.url, start, end, notes=notes))
        return found


def platform_hint(text: str, position: int) -> str | None:
    """The platform named just before ``position`` on the same line, if any."""
    window = text[max(0, position - PLATFORM_HINT_CHARS) : position].rsplit("\n", 1)[-1]
    words = _PLATFORM_WORD.findall(window)
    return PLATFORM_WORDS[words[-1].lower()] if words else None


class HandleExtractor(Extractor):
    """``@name``: ``platform:name`` when the text says where, else ``@name``."""

    name = "handle"
    priority: ClassVar[int] = 40

    def extract(self, text: str) -> list[Identifier]:
        found = []
        for m in _HANDLE.finditer(text):
            name = m.group(1)
            if not any(c.isalpha() for c in name) or _TIME.fullmatch(name):
                continue  # "@3", "@2024" or "@3pm" is a time or a year, not an account
            platform = platform_hint(text, m.start())
            normalized = f"{platform}:{name.lower()}" if platform else f"@{name.lower()}"
            found.append(
                Identifier("handle", m.group(0), normalized, m.start(), m.end(), platform=platform)
            )
        return found
